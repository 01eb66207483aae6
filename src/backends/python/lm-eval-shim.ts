/**
 * The few `lm_eval` modules task folders' Python files import to register filters (written for evalz, Python source
 * as text, installed under /evalz/lib in Pyodide): `lm_eval.api.registry` (register_filter / register_metric /
 * register_aggregation as decorators that record the object and return it), `lm_eval.api.filter.Filter` (the base
 * class, keyword arguments accepted) and `lm_eval.filters.extraction.RegexFilter` (lm-eval's regex filter: the
 * `group_select`-th match of `regex_pattern` in each response, the first non-empty group of a tuple, stripped, else
 * `fallback`). Anything else under `lm_eval` is not there, and importing it fails naming the module.
 */

/** File path under /evalz/lib → source. */
export const LM_EVAL_SHIM_FILES: Readonly<Record<string, string>> = {
  'lm_eval/__init__.py': '',
  'lm_eval/api/__init__.py': '',
  'lm_eval/api/registry.py': `
FILTER_REGISTRY = {}
METRIC_REGISTRY = {}
AGGREGATION_REGISTRY = {}


def _register(table, name):
    def decorate(obj):
        table.setdefault(name, obj)
        return obj
    return decorate


def register_filter(name):
    return _register(FILTER_REGISTRY, name)


def register_metric(metric=None, **kwargs):
    return _register(METRIC_REGISTRY, metric)


def register_aggregation(name):
    return _register(AGGREGATION_REGISTRY, name)


def get_filter(name):
    return FILTER_REGISTRY[name]
`,
  'lm_eval/api/filter.py': `
class Filter:
    def __init__(self, **kwargs):
        pass

    def apply(self, resps, docs):
        return resps
`,
  'lm_eval/filters/__init__.py': '',
  'lm_eval/filters/extraction.py': String.raw`
import re

from lm_eval.api.filter import Filter


class RegexFilter(Filter):
    def __init__(self, regex_pattern=r"#### (\-?[0-9\.\,]+)", group_select=0, fallback="[invalid]", **kwargs):
        self.regex_pattern = regex_pattern
        self.regex = re.compile(regex_pattern)
        self.group_select = group_select
        self.fallback = fallback

    def apply(self, resps, docs):
        def pick(resp):
            found = self.regex.findall(resp)
            if not found:
                return self.fallback
            match = found[self.group_select]
            if isinstance(match, tuple):
                match = [m for m in match if m]
                match = match[0] if match else self.fallback
            return match.strip()

        return [[pick(r) for r in inst] for inst in resps]
`,
}
