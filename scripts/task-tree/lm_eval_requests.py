#!/usr/bin/env python3
"""Oracle: the requests lm-eval's own code builds for tasks of a task tree, over rows in a Hub-mirror folder.

Imports lm-evaluation-harness from a checkout (LM_EVAL_SRC, the folder holding `lm_eval/`; its Python source is not
part of evalz) with stand-ins for the heavy modules request building does not need: `datasets` (load_dataset reads
DATA/<path>/<name or default>/<split>.jsonl; Dataset: the list-of-rows part lm-eval and hooks use), tqdm, sacrebleu,
rouge_score, dill, evaluate. Builds each task with lm-eval's TaskManager over TREE, seeds its few-shot sampler with 1234 (simple_evaluate's
default) and calls build_all_requests(limit=N) and writes JSON
{task: {"requests": [[doc_id, idx, arguments...], ...]} | {"error": "..."}}.

    LM_EVAL_SRC=/tmp/lm-eval-src python3 lm_eval_requests.py TREE DATA N OUT.json task1 task2 ... | @names.txt
"""
import importlib.metadata as md
import json
import logging
import os
import sys
import types

src = os.environ.get("LM_EVAL_SRC")
if not src or not os.path.isdir(os.path.join(src, "lm_eval")):
    sys.exit("set LM_EVAL_SRC to an lm-evaluation-harness checkout (the folder holding lm_eval/)")
TREE, DATA, LIMIT, OUT, *TASKS = sys.argv[1:]
if len(TASKS) == 1 and TASKS[0].startswith("@"):
    TASKS = [line.strip() for line in open(TASKS[0][1:], encoding="utf-8") if line.strip()]
_version = md.version
md.version = lambda name: "0.4.13.dev0" if name == "lm_eval" else _version(name)


class Dataset:
    """The list-of-rows part of datasets.Dataset that request building and hooks use."""

    def __init__(self, rows):
        self._rows = [dict(r) for r in rows]

    @classmethod
    def from_list(cls, rows, **kwargs):
        return cls(rows)

    @property
    def column_names(self):
        return list(self._rows[0]) if self._rows else []

    @property
    def features(self):
        return {c: None for c in self.column_names}

    def __len__(self):
        return len(self._rows)

    def __iter__(self):
        return (dict(r) for r in self._rows)

    def __getitem__(self, key):
        if isinstance(key, str):
            return [r[key] for r in self._rows]
        if isinstance(key, slice):
            rows = self._rows[key]
            return {c: [r[c] for r in rows] for c in self.column_names}
        return dict(self._rows[key])

    def map(self, fn, with_indices=False, batched=False, remove_columns=None, **kwargs):
        out = []
        for i, r in enumerate(self._rows):
            res = fn(dict(r), i) if with_indices else fn(dict(r))
            new = {**r, **(res or {})}
            for c in ([remove_columns] if isinstance(remove_columns, str) else remove_columns or []):
                new.pop(c, None)
            out.append(new)
        return Dataset(out)

    def filter(self, fn, with_indices=False, **kwargs):
        return Dataset([r for i, r in enumerate(self._rows) if (fn(dict(r), i) if with_indices else fn(dict(r)))])

    def select(self, indices, **kwargs):
        return Dataset([self._rows[i] for i in indices])

    def flatten_indices(self, **kwargs):
        return self


class DatasetDict(dict):
    def __missing__(self, split):
        # a split the mirror lacks (e.g. ARC's train, the few-shot pool of a 0-shot run) reads as empty, as evalz runs it
        return Dataset([])


def load_dataset(path, name=None, **kwargs):
    folder = os.path.join(DATA, path, name or "default")
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"no rows for {path}/{name or 'default'} in {DATA}")
    out = DatasetDict()
    for f in sorted(os.listdir(folder)):
        if f.endswith(".jsonl"):
            with open(os.path.join(folder, f), encoding="utf-8") as fh:
                out[f[:-6]] = Dataset(json.loads(line) for line in fh if line.strip())
    return out


def stub(name, **attrs):
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    sys.modules[name] = module
    return module


stub("datasets", Dataset=Dataset, DatasetDict=DatasetDict, load_dataset=load_dataset, __version__="4.0.0",
     DownloadMode=types.SimpleNamespace(REUSE_DATASET_IF_EXISTS="reuse"), Features=dict)
stub("tqdm", tqdm=lambda it=None, *a, **k: it if it is not None else [])
stub("sacrebleu")
stub("rouge_score", rouge_scorer=stub("rouge_score.rouge_scorer"), scoring=stub("rouge_score.scoring"))
stub("evaluate", load=lambda *a, **k: None)
stub("dill", dumps=lambda *a, **k: b"", loads=lambda *a, **k: None)
sys.path.insert(0, src)
logging.disable(logging.WARNING)

import warnings  # noqa: E402

warnings.simplefilter("ignore")
from lm_eval.tasks import TaskManager, get_task_dict  # noqa: E402

manager = TaskManager(include_path=TREE, include_defaults=False)
out = {}
for name in TASKS:
    try:
        task = get_task_dict([name], manager)[name]
        task.set_fewshot_seed(seed=1234)  # as simple_evaluate does with its default fewshot_random_seed
        task.build_all_requests(limit=int(LIMIT), rank=0, world_size=1)
        out[name] = {"requests": [[i.doc_id, i.idx, *i.arguments] for i in task.instances]}
    except Exception as e:  # noqa: BLE001 - one line per task that lm-eval itself cannot build here
        out[name] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"}
with open(OUT, "w", encoding="utf-8") as fh:
    json.dump(out, fh, ensure_ascii=False)
print(f"{sum('requests' in v for v in out.values())} of {len(out)} tasks built")
