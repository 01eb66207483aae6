/**
 * The `datasets` module that task hooks see inside Pyodide: a Dataset over a list of row dicts with the parts of
 * Hugging Face's API that lm-eval hooks use (len, indexing by row / column / slice, iteration, map, filter, select,
 * sort, column edits, features, from_list / from_dict, to_list). Rows keep their key order the way HF's Arrow
 * table does for a dict `update` (existing columns stay in place, new ones are appended). What cannot be
 * reproduced here (load_dataset, shuffle's numpy generator, multiprocessing) raises NotImplementedError naming it.
 */
export const DATASETS_SHIM_PY = String.raw`
import copy as _copy


class Value:
    def __init__(self, dtype):
        self.dtype = dtype

    def __repr__(self):
        return f"Value(dtype='{self.dtype}')"

    def __eq__(self, other):
        return isinstance(other, Value) and other.dtype == self.dtype


class Sequence:
    def __init__(self, feature):
        self.feature = feature

    def __repr__(self):
        return f"Sequence(feature={self.feature!r})"


class ClassLabel:
    def __init__(self, names=None, num_classes=None):
        self.names = list(names or [])
        self.num_classes = num_classes if num_classes is not None else len(self.names)


class Features(dict):
    pass


def _feature_of(value):
    if isinstance(value, bool):
        return Value("bool")
    if isinstance(value, int):
        return Value("int64")
    if isinstance(value, float):
        return Value("float64")
    if isinstance(value, str):
        return Value("string")
    if isinstance(value, list):
        return Sequence(_feature_of(value[0]) if value else Value("null"))
    if isinstance(value, dict):
        return {k: _feature_of(v) for k, v in value.items()}
    return Value("null")


def _unsupported(what):
    raise NotImplementedError(f"datasets.{what} is not available in evalz's Python hooks (rows come from evalz's data source)")


class Dataset:
    def __init__(self, rows=None, features=None):
        self._rows = [dict(r) for r in (rows or [])]
        self._features = features

    @classmethod
    def from_list(cls, mapping, features=None, **kwargs):
        return cls(mapping, features)

    @classmethod
    def from_dict(cls, mapping, features=None, **kwargs):
        cols = list(mapping)
        n = len(mapping[cols[0]]) if cols else 0
        return cls([{c: mapping[c][i] for c in cols} for i in range(n)], features)

    @property
    def column_names(self):
        if self._rows:
            return list(self._rows[0].keys())
        return list(self._features or [])

    @property
    def features(self):
        if self._features is not None:
            return self._features
        return Features({k: _feature_of(v) for k, v in (self._rows[0].items() if self._rows else [])})

    @property
    def num_rows(self):
        return len(self._rows)

    @property
    def shape(self):
        return (len(self._rows), len(self.column_names))

    def __len__(self):
        return len(self._rows)

    def __iter__(self):
        for row in self._rows:
            yield dict(row)

    def __repr__(self):
        return f"Dataset({{\n    features: {self.column_names},\n    num_rows: {len(self._rows)}\n}})"

    def _batch(self, rows):
        return {c: [r.get(c) for r in rows] for c in (rows[0].keys() if rows else self.column_names)}

    def __getitem__(self, key):
        if isinstance(key, str):
            if self._rows and key not in self._rows[0]:
                raise KeyError(key)
            return [r[key] for r in self._rows]
        if isinstance(key, slice):
            return self._batch(self._rows[key])
        if isinstance(key, (list, tuple)):
            return self._batch([self._rows[i] for i in key])
        return dict(self._rows[key])

    def to_list(self):
        return [dict(r) for r in self._rows]

    def to_dict(self, **kwargs):
        return self._batch(self._rows)

    def _args(self, row, idx, with_indices, input_columns, fn_kwargs):
        args = [row] if input_columns is None else [row[c] for c in ([input_columns] if isinstance(input_columns, str) else input_columns)]
        if with_indices:
            args.append(idx)
        return args, (fn_kwargs or {})

    def map(self, function=None, with_indices=False, with_rank=False, input_columns=None, batched=False,
            batch_size=1000, drop_last_batch=False, remove_columns=None, fn_kwargs=None, **kwargs):
        if with_rank:
            _unsupported("map(with_rank=True)")
        function = function or (lambda x, *a: x)
        drop = [remove_columns] if isinstance(remove_columns, str) else list(remove_columns or [])
        out = []
        if not batched:
            for i, row in enumerate(self._rows):
                example = _copy.copy(row)
                args, kw = self._args(example, i, with_indices, input_columns, fn_kwargs)
                result = function(*args, **kw)
                new = dict(row) if input_columns is not None else example
                if result is not None:
                    new = dict(new)
                    new.update(result)
                for c in drop:
                    new.pop(c, None)
                out.append(new)
            return Dataset(out)
        size = batch_size if batch_size and batch_size > 0 else max(1, len(self._rows))
        for start in range(0, len(self._rows), size):
            rows = self._rows[start:start + size]
            if drop_last_batch and len(rows) < size:
                break
            batch = self._batch(rows)
            idx = list(range(start, start + len(rows)))
            args, kw = self._args(batch, idx, with_indices, input_columns, fn_kwargs)
            result = function(*args, **kw)
            merged = dict(batch)
            if result is not None:
                merged.update(result)
            for c in drop:
                merged.pop(c, None)
            cols = list(merged)
            n = len(merged[cols[0]]) if cols else 0
            out.extend({c: merged[c][j] for c in cols} for j in range(n))
        return Dataset(out)

    def filter(self, function=None, with_indices=False, input_columns=None, batched=False, batch_size=1000,
               fn_kwargs=None, **kwargs):
        if function is None:
            return Dataset(self._rows)
        keep = []
        if not batched:
            for i, row in enumerate(self._rows):
                args, kw = self._args(dict(row), i, with_indices, input_columns, fn_kwargs)
                if function(*args, **kw):
                    keep.append(row)
            return Dataset(keep)
        size = batch_size if batch_size and batch_size > 0 else max(1, len(self._rows))
        for start in range(0, len(self._rows), size):
            rows = self._rows[start:start + size]
            args, kw = self._args(self._batch(rows), list(range(start, start + len(rows))), with_indices, input_columns, fn_kwargs)
            keep.extend(r for r, ok in zip(rows, function(*args, **kw)) if ok)
        return Dataset(keep)

    def select(self, indices, **kwargs):
        return Dataset([self._rows[i] for i in indices])

    def sort(self, column_names, reverse=False, **kwargs):
        cols = [column_names] if isinstance(column_names, str) else list(column_names)
        return Dataset(sorted(self._rows, key=lambda r: tuple(r[c] for c in cols), reverse=reverse))

    def rename_column(self, original_column_name, new_column_name):
        return self.rename_columns({original_column_name: new_column_name})

    def rename_columns(self, column_mapping):
        return Dataset([{column_mapping.get(k, k): v for k, v in r.items()} for r in self._rows])

    def remove_columns(self, column_names):
        drop = {column_names} if isinstance(column_names, str) else set(column_names)
        return Dataset([{k: v for k, v in r.items() if k not in drop} for r in self._rows])

    def select_columns(self, column_names):
        keep = [column_names] if isinstance(column_names, str) else list(column_names)
        return Dataset([{k: r[k] for k in keep} for r in self._rows])

    def add_column(self, name, column, **kwargs):
        return Dataset([{**r, name: v} for r, v in zip(self._rows, column)])

    def unique(self, column):
        seen = []
        for r in self._rows:
            if r[column] not in seen:
                seen.append(r[column])
        return seen

    def flatten_indices(self, **kwargs):
        return self

    def shuffle(self, *args, **kwargs):
        _unsupported("Dataset.shuffle (numpy's generator)")

    def train_test_split(self, *args, **kwargs):
        _unsupported("Dataset.train_test_split (numpy's generator)")

    def to_pandas(self, *args, **kwargs):
        _unsupported("Dataset.to_pandas (pandas)")


class DatasetDict(dict):
    def map(self, *args, **kwargs):
        return DatasetDict({k: v.map(*args, **kwargs) for k, v in self.items()})

    def filter(self, *args, **kwargs):
        return DatasetDict({k: v.filter(*args, **kwargs) for k, v in self.items()})


def load_dataset(*args, **kwargs):
    _unsupported("load_dataset")


def concatenate_datasets(dsets, **kwargs):
    return Dataset([r for d in dsets for r in d._rows])
`
