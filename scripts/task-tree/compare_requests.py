#!/usr/bin/env python3
"""Compares lm_eval_requests.py's output (lm-eval's own code) with evalz_requests.ts's (evalz), task by task:
the same docs, request indices, contexts and continuations (for generate_until, the context). Prints the counts,
each task that differs with its first difference, and the tasks either side could not build, with the reason.

    python3 compare_requests.py LM_EVAL.json EVALZ.json
"""
import json
import sys

lm = json.load(open(sys.argv[1], encoding="utf-8"))
ez = json.load(open(sys.argv[2], encoding="utf-8"))


def key(req):
    doc_id, idx, *args = req
    return [doc_id, idx, args[0], args[1] if len(args) > 1 and isinstance(args[1], str) else None]


equal, differ, lm_err, ez_err, contexts = [], [], [], [], 0
for name in sorted(lm):
    a, b = lm[name], ez.get(name, {"error": "not planned by evalz"})
    if "error" in a:
        lm_err.append((name, a["error"]))
    elif "error" in b:
        ez_err.append((name, b["error"]))
    else:
        ka, kb = [key(r) for r in a["requests"]], [key(r) for r in b["requests"]]
        if ka == kb:
            equal.append(name)
            contexts += len(ka)
        else:
            first = next((i for i, (x, y) in enumerate(zip(ka, kb)) if x != y), min(len(ka), len(kb)))
            differ.append((name, f"request {first}: lm-eval {json.dumps(ka[first] if first < len(ka) else None)[:300]}"
                                 f" vs evalz {json.dumps(kb[first] if first < len(kb) else None)[:300]}"))
print(f"tasks compared: {len(lm)}; equal: {len(equal)} ({contexts} requests); differ: {len(differ)}; "
      f"lm-eval could not build: {len(lm_err)}; evalz could not plan: {len(ez_err)}")
for name, why in differ:
    print(f"DIFFER {name}: {why}")
for name, why in lm_err:
    print(f"LM-EVAL ERROR {name}: {why}")
for name, why in ez_err:
    print(f"EVALZ ERROR {name}: {why}")
sys.exit(1 if differ or ez_err else 0)
