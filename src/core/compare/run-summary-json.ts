/**
 * One run as compact JSON (keys always in this order; missing values are null):
 *
 * { "format": "evalz-run-summary", "version": 1, "label", "producer", "producerVersion", "date",
 *   "model": { "name", "backend", "args", "dtype", "device" },
 *   "settings": { "limit", "fewshotSeed", "chatTemplateSha", "fewshotAsMultiturn" },
 *   "tasks": [{ "task", "alias", "version", "numFewshot", "outputType", "docs", "samples",
 *               "metrics": [{ "metric", "filter", "value", "stderr", "ci95": [low, high] | null }] }],
 *   "groups": [{ "group", "alias", "children": [name], "metrics": [...] }] }
 *
 * ci95 is value ± 1.96·stderr (normal approximation), as the HTML report draws it.
 */
import type { HeadlineMetric, RunData } from './run-data.ts'

function num(x: number | undefined): number | null {
  return x === undefined || !Number.isFinite(x) ? null : x
}

function metricsJson(headline: readonly HeadlineMetric[]): Record<string, unknown>[] {
  return headline.map(h => ({
    metric: h.metric,
    filter: h.filter,
    value: num(h.value),
    stderr: num(h.stderr),
    ci95: h.value !== undefined && h.stderr !== undefined ? [h.value - 1.96 * h.stderr, h.value + 1.96 * h.stderr] : null,
  }))
}

/** The run summary as a JSON-ready object. */
export function runSummaryObject(run: RunData): Record<string, unknown> {
  return {
    format: 'evalz-run-summary',
    version: 1,
    label: run.label,
    producer: run.producer,
    producerVersion: run.producerVersion,
    date: num(run.date),
    model: { name: run.model.name, backend: run.model.backend, args: run.model.args, dtype: run.model.dtype ?? null, device: run.model.device ?? null },
    settings: {
      limit: run.settings.limit ?? null,
      fewshotSeed: run.settings.fewshotSeed ?? null,
      chatTemplateSha: run.settings.chatTemplateSha ?? null,
      fewshotAsMultiturn: run.settings.fewshotAsMultiturn ?? null,
    },
    tasks: run.tasks.map(t => ({
      task: t.name,
      alias: t.alias,
      version: t.config.version ?? null,
      numFewshot: t.config.numFewshot ?? null,
      outputType: t.config.outputType ?? null,
      docs: t.config.effectiveDocs ?? null,
      samples: t.hasSamples ? t.samples.length : null,
      metrics: metricsJson(t.headline),
    })),
    groups: run.groups.map(g => ({ group: g.name, alias: g.alias, children: [...g.children], metrics: metricsJson(g.headline) })),
  }
}

/** The run summary as JSON text, 2-space indented, ending in a newline. */
export function runSummaryJson(run: RunData): string {
  return `${JSON.stringify(runSummaryObject(run), null, 2)}\n`
}
