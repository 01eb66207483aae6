/**
 * Per-doc scoring (lm-eval's process_results, §3.2–3.5): turns one doc's filtered responses into metric values.
 */
import type { PlannedDoc, TaskPlan } from './tasks/task-plan.ts'
import { docToText, taskFields } from './tasks/doc-fields.ts'
import { resolveHook } from './tasks/hooks.ts'
import { npArgmax, scoreMultipleChoice } from './metrics/multiple-choice.ts'
import { exactMatch } from './metrics/exact-match.ts'
import { pyRegex } from './python/regex.ts'
import { PyFloat } from './python/json.ts'
import { HarnessError } from './errors.ts'
import { pythonHookHost } from './tasks/python-hooks.ts'

/** A loglikelihood answer as filters see it: (logprob, is_greedy). */
export type LoglikelihoodResult = readonly [number, boolean]

/**
 * Metric name → per-doc value: a number, a PyFloat where Python holds a float (so the samples file prints 1.0),
 * or a [ll, weight] pair for weighted aggregations.
 */
export type DocMetrics = Record<string, unknown>

/** Scores one doc from its filtered responses, ordered by request idx. */
export function scoreDoc(plan: TaskPlan, planned: PlannedDoc, results: readonly unknown[]): DocMetrics {
  const { spec } = plan
  if (spec.process_results !== undefined) {
    const hook = resolveHook(spec.process_results.function, 'process_results', `task '${spec.task}' process_results`)
    const out = hook.fn(planned.doc, results)
    if (hook.typed) return out
    return Object.fromEntries(Object.entries(out).map(([k, v]) => [k, typeof v === 'number' ? new PyFloat(v) : v]))
  }
  const wanted = plan.metrics.map(m => m.name)
  switch (spec.output_type) {
    case 'loglikelihood': {
      const [ll, greedy] = results[0] as LoglikelihoodResult
      return pick({ perplexity: new PyFloat(ll), acc: greedy ? 1 : 0 }, wanted)
    }
    case 'loglikelihood_rolling': {
      const ll = results[0] as number
      const text = String(planned.target)
      const words = pyRegex('\\s+').split(text).length
      const bytes = new TextEncoder().encode(text).length
      const f = new PyFloat(ll)
      return pick({ word_perplexity: [f, words], byte_perplexity: [f, bytes], bits_per_byte: [f, bytes] }, wanted)
    }
    case 'multiple_choice':
      return scoreChoices(plan, planned, results as readonly LoglikelihoodResult[], wanted)
    case 'generate_until':
      return scoreGeneration(plan, planned, results[0], wanted)
  }
}

/** The plain number inside a per-doc value (PyFloat unwrapped; pairs mapped element-wise). */
export function plainValue(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value
  if (Array.isArray(v)) return v.map(plainValue)
  return v
}

function pick(all: DocMetrics, wanted: readonly string[]): DocMetrics {
  const out: DocMetrics = {}
  for (const name of wanted) if (name in all) out[name] = all[name]
  return out
}

function scoreChoices(plan: TaskPlan, planned: PlannedDoc, results: readonly LoglikelihoodResult[], wanted: readonly string[]): DocMetrics {
  const choices = (planned.choices ?? []).map(String)
  const n = choices.length
  const lls = results.slice(0, n).map(r => r[0])
  const isGreedy = results.slice(0, n).map(r => r[1])
  const llsUnconditional = results.length >= 2 * n ? results.slice(n, 2 * n).map(r => r[0]) : undefined
  let gold: number | number[]
  if (plan.multipleInput) gold = docToText(plan.spec, taskFields(plan.spec), planned.doc) as number
  else gold = goldIndex(planned.target, choices)
  const scores = scoreMultipleChoice({ lls, isGreedy, choices, gold, llsUnconditional }, wanted)
  const out: DocMetrics = Object.fromEntries(Object.entries(scores).map(([k, v]) => [k, new PyFloat(v)]))
  // lm-eval's f1 and mcc keep (gold, pred) per doc for scikit-learn's corpus-level scores
  for (const name of PAIR_METRICS) if (wanted.includes(name)) out[name] = [gold, npArgmax(lls)]
  return out
}

/** int → index (−100 when out of range); str → choices.index or −100; list → indices. */
export function goldIndex(target: unknown, choices: readonly string[]): number | number[] {
  if (typeof target === 'number') return target >= choices.length ? -100 : target
  if (typeof target === 'string') {
    const i = choices.indexOf(target)
    return i < 0 ? -100 : i
  }
  if (Array.isArray(target)) return target.map(t => (typeof t === 'number' ? t : choices.indexOf(String(t))))
  return -100
}

/** Metrics whose per-doc value is lm-eval's (gold, prediction) pair, aggregated over the corpus. */
const PAIR_METRICS: readonly string[] = ['f1', 'mcc']
/** Metrics of generate_until tasks whose per-doc value is [gold, answer] (lm-eval's metric_fn([gold, result])). */
const CORPUS_GENERATION_METRICS: readonly string[] = ['bleu', 'chrf', 'ter', 'f1', 'mcc']

function scoreGeneration(plan: TaskPlan, planned: PlannedDoc, result: unknown, wanted: readonly string[]): DocMetrics {
  let gold: unknown = planned.target
  if (planned.choices !== undefined && typeof gold === 'number') gold = planned.choices[gold]
  const prediction = typeof result === 'string' ? result : String(result)
  const out: DocMetrics = {}
  for (const metric of plan.metrics) {
    if (!wanted.includes(metric.name)) continue
    if (metric.pythonMetric !== undefined) {
      out[metric.name] = pythonMetricValue(metric.pythonMetric, metric.name, gold, prediction, metric.kwargs)
      continue
    }
    if (CORPUS_GENERATION_METRICS.includes(metric.name)) {
      if (Array.isArray(gold)) {
        throw new HarnessError('TASK_SPEC_INVALID', `${metric.name} with a list of targets: lm-eval scores each doc 1.0 and then cannot aggregate it; give one target per doc`, { metric: metric.name })
      }
      out[metric.name] = [String(gold), prediction]
      continue
    }
    if (metric.name !== 'exact_match') continue
    const refs = Array.isArray(gold) ? gold.map(String) : [String(gold)]
    const scores = refs.map(r => exactMatch(prediction, r, metric.kwargs))
    out[metric.name] = new PyFloat(scores.some(s => s > 0) ? 1 : 0)
  }
  return out
}

/** lm-eval's call of a metric function: fn(references=[gold], predictions=[answer], **kwargs), a dict's own key taken. */
function pythonMetricValue(fn: string, name: string, gold: unknown, prediction: string, kwargs: Readonly<Record<string, unknown>>): unknown {
  const host = pythonHookHost()
  if (host === undefined) throw new HarnessError('HOOK_UNAVAILABLE', `metric ${fn} is Python code and the Python runtime is not loaded`, { name: fn })
  const value = host.call(fn, [], { references: [gold], predictions: [prediction], ...kwargs })
  return value !== null && typeof value === 'object' && !Array.isArray(value) && !(value instanceof PyFloat) && name in value ? (value as Record<string, unknown>)[name] : value
}
