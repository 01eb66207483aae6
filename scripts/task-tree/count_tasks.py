#!/usr/bin/env python3
"""Measures issue 13's acceptance figure: how many of the text tasks an lm-eval task tree defines
`evalz ls --json --include-path TREE` lists, the problems it reports by cause, and how long it takes.

Defined text tasks: YAML files whose config (after `include:` merging, read with PyYAML as lm-eval does) has a
string `task:` and none of doc_to_image, doc_to_audio, class, custom_dataset; first file by sorted path wins a name.

    python3 scripts/task-tree/count_tasks.py ../shared/lm-eval/tasks            # runs evalz and times it
    python3 scripts/task-tree/count_tasks.py TREE --ls-json out.json            # uses a saved ls --json output
"""
import argparse
import collections
import json
import os
import re
import subprocess
import sys
import time

import yaml

EXCLUDED = ("doc_to_image", "doc_to_audio", "class", "custom_dataset")


class Loader(yaml.SafeLoader):
    pass


Loader.add_constructor("!function", lambda loader, node: "!function " + loader.construct_scalar(node))


def load(path, seen=()):
    if path in seen:
        raise ValueError(f"include cycle at {path}")
    with open(path, "rb") as fh:
        cfg = yaml.load(fh, Loader=Loader)
    if not isinstance(cfg, dict):
        raise ValueError("not a mapping")
    if "include" not in cfg:
        return cfg
    includes = cfg.pop("include")
    merged = {}
    for inc in includes if isinstance(includes, list) else [includes]:
        sub = load(os.path.normpath(os.path.join(os.path.dirname(path), inc)), seen + (path,))
        sub.pop("task_list", None)
        merged.update(sub)
    merged.update(cfg)
    return merged


def defined_text_tasks(tree):
    files = []
    for root, dirs, names in os.walk(tree):
        dirs[:] = [d for d in dirs if d not in ("__pycache__", ".ipynb_checkpoints")]
        files += [os.path.join(root, n) for n in names if n.endswith(".yaml")]
    files.sort(key=lambda p: p.replace(os.sep, "/"))
    tasks, unreadable, excluded = {}, [], collections.Counter()
    for f in files:
        try:
            cfg = load(f)
        except Exception as e:  # noqa: BLE001 - lm-eval's index skips such files too
            unreadable.append((f, str(e).splitlines()[0]))
            continue
        if not isinstance(cfg.get("task"), str):
            continue
        skip = [k for k in EXCLUDED if k in cfg]
        if skip:
            excluded[skip[0]] += 1
            continue
        tasks.setdefault(cfg["task"], f)
    return len(files), tasks, unreadable, excluded


def cause(reason):
    text = re.sub(r"^\S+?(:\d+:\d+)?: ", "", reason)
    text = re.sub(r"\[\d+\]", "[i]", text)
    text = re.sub(r"(\"|').*", "", text)
    return text[:90]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("tree")
    ap.add_argument("--ls-json", help="a saved `evalz ls --json --include-path TREE` output")
    args = ap.parse_args()
    n_files, defined, unreadable, excluded = defined_text_tasks(args.tree)
    if args.ls_json:
        ls = json.load(open(args.ls_json))
        seconds = None
    else:
        repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        t0 = time.monotonic()
        out = subprocess.run(["node", os.path.join(repo, "bin/evalz.js"), "ls", "--json", "--include-path", args.tree],
                             capture_output=True, text=True, check=True)
        seconds = time.monotonic() - t0
        ls = json.loads(out.stdout)
    listed = {e["name"] for e in ls["entries"] if e["kind"] == "task"}
    hit = sum(1 for name in defined if name in listed)
    print(f"YAML files: {n_files} (PyYAML cannot read {len(unreadable)})")
    print(f"text tasks defined: {len(defined)} (left out: {dict(excluded)})")
    print(f"listed by evalz: {hit} = {100 * hit / max(1, len(defined)):.1f}%")
    if seconds is not None:
        print(f"evalz ls --json --include-path: {seconds:.1f} s")
    problems = ls.get("problems", [])
    print(f"problems reported: {len(problems)}; by cause:")
    for (code, text), n in collections.Counter((p["code"], cause(p["reason"])) for p in problems).most_common():
        print(f"  {n:5d}  {code}  {text}")
    missing = [name for name in defined if name not in listed]
    reported = {n for p in problems for n in p["names"]} | {p["file"] for p in problems}
    silent = [n for n in missing if n not in reported and defined[n] not in reported]
    print(f"defined but neither listed nor named in a problem: {len(silent)}", *silent[:10], sep="\n  " if silent else "")
    return 0


if __name__ == "__main__":
    sys.exit(main())
