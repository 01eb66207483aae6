/**
 * The comparison as JSON, keys always in this order (version 1; non-finite numbers and missing values are null):
 *
 * {
 *   "format": "evalz-comparison", "version": 1,
 *   "a" | "b": { "label", "producer": "evalz" | "lm-eval", "producerVersion", "date" (unix s | null),
 *                "model": { "name", "backend", "args", "dtype", "device" } },
 *   "bootstrap": { "seed", "iterations", "confidence": 0.95, "percentiles": [0.025, 0.975] },
 *   "warnings": [string],
 *   "runDiffs": [{ "task": null, "field", "a", "b" }],
 *   "onlyInA": [task], "onlyInB": [task],
 *   "tasks": [{ "task", "alias", "outputType",
 *               "docs": { "matched": n, "onlyA": [id], "onlyB": [id], "differentData": [id], "promptDiffers": [id],
 *                         "targetDiffers": [id] } | null,
 *               "configDiffs": [{ "task", "field", "a", "b" }],
 *               "metrics": [Metric] }],
 *   "groups": [{ "group", "alias", "tasks": [task], "metrics": [Metric] }]
 * }
 * Metric = { "metric", "filter", "aggregation", "higherIsBetter",
 *            "headlineA" | "headlineB": { "value", "stderr" } | null       (from the results files),
 *            "n", "valueA", "valueB", "delta"                              (over matched docs; delta = B − A),
 *            "interval": { "method": "paired-bootstrap", "low", "high" } | null,
 *            "binary": { "bothRight", "bothWrong", "fixed", "broken", "fixedIds", "brokenIds", "mcnemarP",
 *                        "normal": { "low", "high", "stderr" } | null } | null,
 *            "verdict": "better" | "worse" | "changed" | "unclear" | "untested", "note" }
 */
import type { RunData } from './run-data.ts'
import type { MetricComparison, RunComparison } from './run-compare.ts'
import type { ConfigDiff } from './config-diff.ts'

/** Format version of comparisonJson's output. */
export const COMPARISON_JSON_VERSION = 1

function num(x: number | undefined): number | null {
  return x === undefined || !Number.isFinite(x) ? null : x
}

function runJson(r: RunData): Record<string, unknown> {
  return {
    label: r.label,
    producer: r.producer,
    producerVersion: r.producerVersion,
    date: num(r.date),
    model: { name: r.model.name, backend: r.model.backend, args: r.model.args, dtype: r.model.dtype ?? null, device: r.model.device ?? null },
  }
}

function diffJson(d: ConfigDiff): Record<string, unknown> {
  return { task: d.task ?? null, field: d.field, a: d.a, b: d.b }
}

function metricJson(m: MetricComparison): Record<string, unknown> {
  const p = m.paired
  const bin = p?.binary
  return {
    metric: m.metric,
    filter: m.filter,
    aggregation: m.aggregation ?? null,
    higherIsBetter: m.higherIsBetter ?? null,
    headlineA: m.headlineA ? { value: num(m.headlineA.value), stderr: num(m.headlineA.stderr) } : null,
    headlineB: m.headlineB ? { value: num(m.headlineB.value), stderr: num(m.headlineB.stderr) } : null,
    n: p?.n ?? 0,
    valueA: num(p?.valueA),
    valueB: num(p?.valueB),
    delta: num(p?.delta),
    interval: p ? { method: 'paired-bootstrap', low: num(p.interval.low), high: num(p.interval.high) } : null,
    binary: bin
      ? {
        bothRight: bin.bothRight,
        bothWrong: bin.bothWrong,
        fixed: bin.fixed,
        broken: bin.broken,
        fixedIds: [...bin.fixedIds],
        brokenIds: [...bin.brokenIds],
        mcnemarP: bin.mcnemarP,
        normal: bin.normal ? { low: num(bin.normal.low), high: num(bin.normal.high), stderr: num(bin.normal.stderr) } : null,
      }
      : null,
    verdict: m.verdict,
    note: m.note,
  }
}

/** The comparison as a JSON-ready object (see the file comment for the shape). */
export function comparisonObject(cmp: RunComparison): Record<string, unknown> {
  return {
    format: 'evalz-comparison',
    version: COMPARISON_JSON_VERSION,
    a: runJson(cmp.a),
    b: runJson(cmp.b),
    bootstrap: { seed: cmp.seed, iterations: cmp.iterations, confidence: 0.95, percentiles: [0.025, 0.975] },
    warnings: [...cmp.warnings],
    runDiffs: cmp.runDiffs.map(diffJson),
    onlyInA: [...cmp.onlyInA],
    onlyInB: [...cmp.onlyInB],
    tasks: cmp.tasks.map(t => ({
      task: t.task,
      alias: t.alias,
      outputType: t.outputType ?? null,
      docs: t.docs
        ? {
          matched: t.docs.matched.length,
          onlyA: [...t.docs.onlyA],
          onlyB: [...t.docs.onlyB],
          differentData: [...t.docs.differentData],
          promptDiffers: [...t.docs.promptDiffers],
          targetDiffers: [...t.docs.targetDiffers],
        }
        : null,
      configDiffs: t.configDiffs.map(diffJson),
      metrics: t.metrics.map(metricJson),
    })),
    groups: cmp.groups.map(g => ({ group: g.group, alias: g.alias, tasks: [...g.tasks], metrics: g.metrics.map(metricJson) })),
  }
}

/** The comparison as JSON text, 2-space indented, ending in a newline. */
export function comparisonJson(cmp: RunComparison): string {
  return `${JSON.stringify(comparisonObject(cmp), null, 2)}\n`
}
