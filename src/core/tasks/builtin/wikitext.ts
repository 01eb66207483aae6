/** wikitext (lm-eval tasks/wikitext, v2.0, §6.10, §3.4): rolling perplexity of detokenized pages. */
import type { Doc } from '../../source.ts'
import type { TaskSpec } from '../task-spec.ts'
import { pyRegex } from '../../python/regex.ts'

export const WIKITEXT: TaskSpec = {
  task: 'wikitext',
  dataset_path: 'EleutherAI/wikitext_document_level',
  dataset_name: 'wikitext-2-raw-v1',
  dataset_kwargs: { trust_remote_code: true },
  output_type: 'loglikelihood_rolling',
  training_split: 'train',
  validation_split: 'validation',
  test_split: 'test',
  doc_to_text: '',
  doc_to_target: { function: 'wikitext/preprocess_wikitext.wikitext_detokenizer' },
  process_results: { function: 'wikitext/preprocess_wikitext.process_results' },
  should_decontaminate: true,
  doc_to_decontamination_query: '{{page}}',
  metric_list: [{ metric: 'word_perplexity' }, { metric: 'byte_perplexity' }, { metric: 'bits_per_byte' }],
  metadata: { version: 2.0 },
}

/** [pattern, replacement] pairs applied with Python re.sub, in lm-eval's order. */
const REGEX_STEPS: readonly (readonly [string, string])[] = [
  ["/' [0-9]/", "/'[0-9]/"],
]

const BRACKET_STEPS: readonly (readonly [string, string])[] = [
  ['\\(\\s*([^\\)]*?)\\s*\\)', '(\\1)'],
  ['\\[\\s*([^\\]]*?)\\s*\\]', '[\\1]'],
  ['\\{\\s*([^}]*?)\\s*\\}', '{\\1}'],
  ['"\\s*([^"]*?)\\s*"', '"\\1"'],
  ["'\\s*([^']*?)\\s*'", "'\\1'"],
]

/** Undoes wikitext's tokenization of the page text (lm-eval's wikitext_detokenizer). */
export function wikitextDetokenizer(doc: Doc): string {
  let s = String(doc.page)
  s = s.replaceAll("s '", "s'")
  for (const [p, r] of REGEX_STEPS) s = pyRegex(p).sub(s, r)
  s = s.replaceAll(' @-@ ', '-').replaceAll(' @,@ ', ',').replaceAll(' @.@ ', '.')
  s = s.replaceAll(' : ', ': ').replaceAll(' ; ', '; ').replaceAll(' . ', '. ').replaceAll(' ! ', '! ')
  s = s.replaceAll(' ? ', '? ').replaceAll(' , ', ', ')
  for (const [p, r] of BRACKET_STEPS) s = pyRegex(p).sub(s, r)
  s = s.replaceAll('= = = =', '====').replaceAll('= = =', '===').replaceAll('= =', '==')
  s = s.replaceAll(' ' + String.fromCharCode(176) + ' ', String.fromCharCode(176))
  s = s.replaceAll(' \n', '\n').replaceAll('\n ', '\n')
  s = s.replaceAll(' N ', ' 1 ')
  s = s.replaceAll(" 's", "'s")
  return s
}

/** Words and bytes are counted on the original page; the log-likelihood is of the detokenized text. */
export function wikitextProcessResults(doc: Doc, results: readonly unknown[]): Record<string, unknown> {
  const ll = results[0] as number
  const page = String(doc.page)
  const words = pyRegex('\\s+').split(page).length
  const bytes = new TextEncoder().encode(page).length
  return { word_perplexity: [ll, words], byte_perplexity: [ll, bytes], bits_per_byte: [ll, bytes] }
}
