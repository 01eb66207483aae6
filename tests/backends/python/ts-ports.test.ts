/**
 * Each TypeScript port of an lm-eval hook equals the Python original run in Pyodide on the same rows: the tree's
 * own modules (../shared/lm-eval/tasks) over ../shared/hf-data rows where they exist, else rows written here.
 * truthfulqa/utils.py cannot be imported (numpy, sacrebleu): its port is checked elsewhere, and the import failure
 * names the module. Skipped, saying so, when ../shared is absent.
 */
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { Doc } from '../../../src/core/source.ts'
import type { PythonHookHost } from '../../../src/core/tasks/python-hooks.ts'
import { HOOKS } from '../../../src/core/tasks/hooks.ts'
import { startPythonHooks } from '../../../src/backends/python/pyodide-host.ts'
import { PyFloat } from '../../../src/core/python/json.ts'

const SHARED = resolve(import.meta.dirname, '../../../../shared')
const TREE = join(SHARED, 'lm-eval/tasks')
const HF = join(SHARED, 'hf-data')
const have = existsSync(join(TREE, 'hellaswag/utils.py')) && existsSync(join(HF, 'Rowan/hellaswag'))
if (!have) console.log(`skipping TS-port vs Python hook checks: ${TREE} or ${HF} is absent`)

/** a module registering a filter by name, subclassing lm_eval's RegexFilter (evalz's lm_eval shim) */
const REGISTERED = resolve(import.meta.dirname, '../../core/fixtures/registered-filter/utils.py')
const MODULES = ['hellaswag/utils', 'winogrande/preprocess_winogrande', 'wikitext/preprocess_wikitext', 'leaderboard/gpqa/utils',
  'leaderboard/mmlu_pro/utils', 'leaderboard/musr/utils', 'truthfulqa/utils']

function rows(path: string, n: number): Doc[] {
  return readFileSync(join(HF, path), 'utf8').split('\n').filter(l => l !== '').slice(0, n).map(l => JSON.parse(l) as Doc)
}

/** A TS port's value as Python would hand it over (tuples as lists, PyFloat unwrapped). */
function plain(v: unknown): unknown {
  if (v instanceof PyFloat) return v.value
  if (Array.isArray(v)) return v.map(plain)
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]))
  return v
}

describe.skipIf(!have)('TypeScript hook ports equal the Python hooks', () => {
  let host: PythonHookHost
  let failures: ReadonlyMap<string, string>
  beforeAll(async () => {
    const modules = MODULES.map(m => ({ path: join(TREE, `${m}.py`), source: readFileSync(join(TREE, `${m}.py`), 'utf8') }))
    modules.push({ path: REGISTERED, source: readFileSync(REGISTERED, 'utf8') })
    ;({ host, failures } = await startPythonHooks(modules))
  }, 300_000)
  const py = (name: string): string => join(TREE, name)
  const port = (name: string) => HOOKS[name].fn as (...a: unknown[]) => unknown

  it('imports every module but truthfulqa\'s, whose failure names the missing package', () => {
    expect([...failures]).toEqual([[join(TREE, 'truthfulqa/utils.py'), "Python module 'numpy' is not available in evalz's Pyodide (only the standard library is bundled)"]])
  })
  it('a registered filter class runs on evalz\'s lm_eval shim (register_filter, RegexFilter)', () => {
    const name = `${REGISTERED.slice(0, -3)}.ShoutNumber`
    expect(host.filter(name, { suffix: '?' }, [['a 12 b -3', 'none here'], ['(7)']], [{}, {}])).toEqual([['12?', 'none?'], ['7?']])
  })
  it('hellaswag process_docs on 400 validation rows', () => {
    const docs = rows('Rowan/hellaswag/default/validation.jsonl', 400)
    expect(port('hellaswag/utils.process_docs')(docs)).toEqual(host.processDocs(py('hellaswag/utils.process_docs'), docs))
  })
  it('winogrande doc_to_text / doc_to_target / doc_to_choice on 400 validation rows', () => {
    for (const doc of rows('allenai/winogrande/winogrande_xl/validation.jsonl', 400)) {
      for (const fn of ['doc_to_text', 'doc_to_target', 'doc_to_choice']) {
        expect(port(`winogrande/preprocess_winogrande.${fn}`)(doc), fn).toEqual(host.call(py(`winogrande/preprocess_winogrande.${fn}`), [doc]))
      }
    }
  })
  it('wikitext detokenizer and process_results on every test page', () => {
    for (const [i, doc] of rows('EleutherAI/wikitext_document_level/wikitext-2-v1/test.jsonl', 1000).entries()) {
      expect(port('wikitext/preprocess_wikitext.wikitext_detokenizer')(doc)).toEqual(host.call(py('wikitext/preprocess_wikitext.wikitext_detokenizer'), [doc]))
      const ll = -1234.5 - i
      expect(plain(port('wikitext/preprocess_wikitext.process_results')(doc, [ll]))).toEqual(plain(host.call(py('wikitext/preprocess_wikitext.process_results'), [doc, [ll]])))
    }
  })
  it('leaderboard gpqa process_docs, mmlu_pro doc_to_text / doc_to_choice and musr doc_to_text on rows written here', () => {
    const gpqa = [
      { Question: 'What is  2+2? [x]', 'Correct Answer': ' 4 ', 'Incorrect Answer 1': '3', 'Incorrect Answer 2': ' 5 [note]', 'Incorrect Answer 3': '22' },
      { Question: 'Pick the noble gas', 'Correct Answer': 'Neon', 'Incorrect Answer 1': 'Nitrogen', 'Incorrect Answer 2': 'Sodium', 'Incorrect Answer 3': 'Iron  oxide' },
    ]
    expect(port('leaderboard/gpqa/utils.process_docs')(gpqa)).toEqual(host.processDocs(py('leaderboard/gpqa/utils.process_docs'), gpqa))
    const mmluPro = { question: 'Which is largest?', options: ['1', '10', '100', 'é'], answer: 'C', answer_index: 2 }
    for (const fn of ['doc_to_text', 'doc_to_choice']) {
      expect(port(`leaderboard/mmlu_pro/utils.${fn}`)(mmluPro)).toEqual(host.call(py(`leaderboard/mmlu_pro/utils.${fn}`), [mmluPro]))
    }
    const musr = { narrative: 'Ann left.\nBob stayed.', question: 'Who left?', choices: "['Ann', 'Bob', \"O'Neil\"]", answer_index: 0 }
    expect(port('leaderboard/musr/utils.doc_to_text')(musr)).toEqual(host.call(py('leaderboard/musr/utils.doc_to_text'), [musr]))
  })
})
