/**
 * Metric defaults (lm-eval's DEFAULT_METRIC_REGISTRY and each metric's registered aggregation and
 * higher_is_better, lm-eval.md §2.1).
 */
import type { AggregationName } from '../metrics/aggregation.ts'
import type { CorpusAggregationName } from '../metrics/corpus-metrics.ts'
import type { MetricConfig, OutputType, TaskSpec } from './task-spec.ts'
import { HarnessError } from '../errors.ts'
import { metricName } from './task-spec.ts'

/** A metric after defaults are applied. */
export interface ResolvedMetric {
  /** metric name, e.g. 'acc' */
  readonly name: string
  /** how per-doc values combine */
  readonly aggregation: MetricAggregation
  readonly higherIsBetter: boolean
  /** extra keyword arguments from metric_list (ignore_case, regexes_to_ignore …) */
  readonly kwargs: Readonly<Record<string, unknown>>
  /** a Python metric function (`metric: !function m.f`): called as f(references=[gold], predictions=[answer], **kwargs) */
  readonly pythonMetric?: string
  /** a Python aggregation function (`aggregation: !function m.agg`): called on the per-doc values; no stderr */
  readonly pythonAggregation?: string
}

/** An aggregation over per-doc values (mean, perplexity, …) or over (gold, prediction) pairs (bleu, f1, …). */
export type MetricAggregation = AggregationName | CorpusAggregationName

/** Registered metrics: aggregation and direction. */
export const METRICS: Readonly<Record<string, { aggregation: MetricAggregation; higherIsBetter: boolean }>> = {
  acc: { aggregation: 'mean', higherIsBetter: true },
  acc_norm: { aggregation: 'mean', higherIsBetter: true },
  acc_bytes: { aggregation: 'mean', higherIsBetter: true },
  acc_mutual_info: { aggregation: 'mean', higherIsBetter: true },
  exact_match: { aggregation: 'mean', higherIsBetter: true },
  perplexity: { aggregation: 'perplexity', higherIsBetter: false },
  word_perplexity: { aggregation: 'weighted_perplexity', higherIsBetter: false },
  byte_perplexity: { aggregation: 'weighted_perplexity', higherIsBetter: false },
  bits_per_byte: { aggregation: 'bits_per_byte', higherIsBetter: false },
  bleu: { aggregation: 'bleu', higherIsBetter: true },
  chrf: { aggregation: 'chrf', higherIsBetter: true },
  ter: { aggregation: 'ter', higherIsBetter: false },
  f1: { aggregation: 'f1', higherIsBetter: true },
  mcc: { aggregation: 'matthews_corrcoef', higherIsBetter: true },
}

/** Default metrics per output type. */
export const DEFAULT_METRICS: Readonly<Record<OutputType, readonly string[]>> = {
  loglikelihood: ['perplexity', 'acc'],
  loglikelihood_rolling: ['word_perplexity', 'byte_perplexity', 'bits_per_byte'],
  multiple_choice: ['acc', 'acc_norm'],
  generate_until: ['exact_match'],
}

const AGGREGATIONS: readonly MetricAggregation[] = ['mean', 'median', 'perplexity', 'weighted_perplexity', 'bits_per_byte', 'bleu', 'chrf', 'ter', 'f1', 'matthews_corrcoef']

/** The task's metrics with registry defaults filled in. */
export function resolveMetrics(spec: TaskSpec): ResolvedMetric[] {
  const list: readonly MetricConfig[] = spec.metric_list ?? DEFAULT_METRICS[spec.output_type].map(metric => ({ metric }))
  return list.map(entry => {
    const { metric: rawMetric, aggregation: rawAggregation, higher_is_better, ...kwargs } = entry
    if (typeof rawMetric !== 'string' || (rawAggregation !== undefined && typeof rawAggregation !== 'string')) {
      const python = {
        pythonMetric: typeof rawMetric === 'string' ? undefined : rawMetric.function,
        pythonAggregation: rawAggregation === undefined || typeof rawAggregation === 'string' ? undefined : rawAggregation.function,
      }
      const name = metricName(rawMetric)
      const named = typeof rawAggregation === 'string' ? rawAggregation : python.pythonAggregation === undefined ? METRICS[name]?.aggregation ?? 'mean' : 'mean'
      if (!AGGREGATIONS.includes(named as MetricAggregation)) {
        throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': unknown aggregation '${named}' for metric '${name}' (known: ${AGGREGATIONS.join(', ')})`)
      }
      return { name, aggregation: named as MetricAggregation, higherIsBetter: higher_is_better ?? METRICS[name]?.higherIsBetter ?? true, kwargs, ...python }
    }
    const metric = rawMetric
    const aggregation = rawAggregation
    const known = METRICS[metric]
    if (known === undefined && (aggregation === undefined || spec.process_results === undefined)) {
      throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': unknown metric '${metric}' (known: ${Object.keys(METRICS).join(', ')})`, { metric })
    }
    const agg = (aggregation ?? known.aggregation) as MetricAggregation
    if (!AGGREGATIONS.includes(agg)) {
      throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': unknown aggregation '${String(aggregation)}' for metric '${metric}' (known: ${AGGREGATIONS.join(', ')})`)
    }
    return { name: metric, aggregation: agg, higherIsBetter: higher_is_better ?? known?.higherIsBetter ?? true, kwargs }
  })
}
