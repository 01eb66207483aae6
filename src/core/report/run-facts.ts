/** The facts block of a run (model, producer, dtype, device, date, seeds, chat settings) for the HTML reports. */
import type { RunData } from '../compare/run-data.ts'
import { formatDate } from '../compare/number-format.ts'
import { definitionList } from './html-text.ts'

/** Key facts of a run as a definition list. */
export function runFacts(run: RunData): string {
  const s = run.settings
  return definitionList([
    ['Model', run.model.name || run.label],
    ['Written by', `${run.producer}${run.producerVersion ? ` ${run.producerVersion}` : ''}`],
    ['Backend', run.model.backend],
    ['Model args', run.model.args],
    ['dtype', run.model.dtype],
    ['Device', run.model.device],
    ['Parameters', run.model.numParameters?.toLocaleString('en-US')],
    ['Date', formatDate(run.date)],
    ['Few-shot seed', s.fewshotSeed === undefined ? undefined : String(s.fewshotSeed)],
    ['Limit', s.limit === undefined ? undefined : s.limit === null ? 'none' : String(s.limit)],
    ['Chat template', s.chatTemplateSha === undefined ? undefined : s.chatTemplateSha === null ? 'none' : `sha256 ${s.chatTemplateSha.slice(0, 12)}…`],
    ['Few-shot as multi-turn', s.fewshotAsMultiturn === undefined ? undefined : String(s.fewshotAsMultiturn)],
  ])
}
