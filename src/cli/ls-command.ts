/** `evalz ls`: tasks, groups and tags with dataset, output type, default shots and metrics. */
import { builtinCatalogue, listCatalogue } from '../core/catalogue.ts'
import { DEFAULT_METRICS } from '../core/tasks/metric-config.ts'
import type { OutputType } from '../core/tasks/task-spec.ts'

/** Renders the list as text, or JSON with --json. */
export function lsCommand(json: boolean): string {
  const entries = listCatalogue(builtinCatalogue()).map(e => ({
    ...e,
    metrics: e.kind === 'task' && e.metrics.length === 0 ? DEFAULT_METRICS[e.outputType as OutputType] : e.metrics,
  }))
  if (json) return `${JSON.stringify(entries, null, 2)}\n`
  const rows = entries.map(e => {
    if (e.kind === 'task') {
      const ds = e.config === undefined ? e.dataset! : `${e.dataset!}:${e.config}`
      return [e.name, 'task', ds, e.outputType!, String(e.numFewshot ?? 0), e.metrics.join(',')]
    }
    const members = e.members.length > 4 ? `${e.members.slice(0, 4).join(',')},… (${e.members.length})` : e.members.join(',')
    return [e.name, e.kind, members, '', '', e.metrics.join(',')]
  })
  const header = ['name', 'kind', 'dataset / members', 'output type', 'shots', 'metrics']
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map(r => r[c].length)))
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()
  return `${[line(header), line(widths.map(w => '-'.repeat(w))), ...rows.map(line)].join('\n')}\n`
}
