/**
 * The explicit registry of named functions that task specs reference as `!function` hooks (lm-eval.md §2.4).
 * Names follow lm-eval's module paths inside its tasks folder: '<folder>/<module>.<function>'.
 * Nothing registers itself on import: every hook is listed in HOOKS below.
 */
import type { Doc } from '../source.ts'
import { HarnessError } from '../errors.ts'
import { pythonHookHost } from './python-hooks.ts'
import { hellaswagProcessDocs } from './builtin/hellaswag.ts'
import { winograndeDocToChoice, winograndeDocToTarget, winograndeDocToText } from './builtin/winogrande.ts'
import { truthfulqaProcessResultsMc2 } from './builtin/truthfulqa.ts'
import { wikitextDetokenizer, wikitextProcessResults } from './builtin/wikitext.ts'
import { gpqaProcessDocs, mmluProDocToChoice, mmluProDocToText, musrDocToText } from './builtin/leaderboard-v2.ts'

/** Transforms a whole split (lm-eval's process_docs). */
export interface ProcessDocsHook {
  readonly kind: 'process_docs'
  readonly fn: (docs: readonly Doc[]) => Doc[]
}

/** Computes a doc_to_text / doc_to_target / doc_to_choice value from a doc. */
export interface DocHook {
  readonly kind: 'doc'
  readonly fn: (doc: Doc) => unknown
}

/** Scores one doc from its responses (lm-eval's process_results): results[i] = filtered response of request i. */
export interface ProcessResultsHook {
  readonly kind: 'process_results'
  readonly fn: (doc: Doc, results: readonly unknown[]) => Record<string, unknown>
  /** the Python original returns numpy floats, which Python's sum() adds naively (no compensation) */
  readonly numpyValues?: boolean
  /** values already carry Python's types (PyFloat for float, number for int): a hook run in Python */
  readonly typed?: boolean
}

/** Returns few-shot samples (lm-eval's fewshot_config.samples: !function). */
export interface SamplesHook {
  readonly kind: 'samples'
  readonly fn: () => Doc[]
}

export type Hook = ProcessDocsHook | DocHook | ProcessResultsHook | SamplesHook

/** Every hook evalz knows, by lm-eval name. */
export const HOOKS: Readonly<Record<string, Hook>> = {
  'hellaswag/utils.process_docs': { kind: 'process_docs', fn: hellaswagProcessDocs },
  'winogrande/preprocess_winogrande.doc_to_text': { kind: 'doc', fn: winograndeDocToText },
  'winogrande/preprocess_winogrande.doc_to_target': { kind: 'doc', fn: winograndeDocToTarget },
  'winogrande/preprocess_winogrande.doc_to_choice': { kind: 'doc', fn: winograndeDocToChoice },
  'truthfulqa/utils.process_results_mc2': { kind: 'process_results', fn: truthfulqaProcessResultsMc2, numpyValues: true },
  'wikitext/preprocess_wikitext.wikitext_detokenizer': { kind: 'doc', fn: wikitextDetokenizer },
  'wikitext/preprocess_wikitext.process_results': { kind: 'process_results', fn: wikitextProcessResults },
  'leaderboard/gpqa/utils.process_docs': { kind: 'process_docs', fn: gpqaProcessDocs },
  'leaderboard/mmlu_pro/utils.doc_to_text': { kind: 'doc', fn: mmluProDocToText },
  'leaderboard/mmlu_pro/utils.doc_to_choice': { kind: 'doc', fn: mmluProDocToChoice },
  'leaderboard/musr/utils.doc_to_text': { kind: 'doc', fn: musrDocToText },
}

/** Looks a hook up by name and kind; unknown names fail with the list of known ones. */
export function resolveHook<K extends Hook['kind']>(name: string, kind: K, where: string): Extract<Hook, { kind: K }> {
  const hook = HOOKS[name] ?? pythonHook(name, kind)
  if (hook === undefined) {
    const known = Object.keys(HOOKS).filter(k => HOOKS[k].kind === kind)
    throw new HarnessError('HOOK_UNKNOWN', `${where}: no hook named '${name}' (known ${kind} hooks: ${known.join(', ')})`, { name, known })
  }
  if (hook.kind !== kind) {
    throw new HarnessError('TASK_SPEC_INVALID', `${where}: hook '${name}' is a ${hook.kind} hook, not a ${kind} hook`, { name })
  }
  return hook as Extract<Hook, { kind: K }>
}

/** A hook served by the installed Python host, or undefined when none is installed. */
function pythonHook(name: string, kind: Hook['kind']): Hook | undefined {
  const host = pythonHookHost()
  if (host === undefined) return undefined
  switch (kind) {
    case 'process_docs': return { kind, fn: docs => host.processDocs(name, docs) }
    case 'doc': return { kind, fn: doc => host.call(name, [doc]) }
    case 'process_results': return { kind, typed: true, fn: (doc, results) => host.call(name, [doc, results]) as Record<string, unknown> }
    case 'samples': return { kind, fn: () => host.call(name, []) as Doc[] }
  }
}
