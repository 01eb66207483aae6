/**
 * The plain-text prompt layout of lm-eval.md §4.2: description, then each shot as
 * question + target_delimiter + answer + fewshot_delimiter, then the question.
 */
import type { Doc } from '../source.ts'
import type { TaskSpec } from '../tasks/task-spec.ts'
import { docToChoice, docToTarget, docToText, fewshotFields, renderDocString, taskFields } from '../tasks/doc-fields.ts'
import { isPyWhitespace, pyStr } from '../python/str.ts'

/** The pieces of one doc's prompt. */
export interface PromptContext {
  /** description + shots (what precedes the question); for multiple-input tasks, what precedes each filled-in choice */
  readonly prefix: string
  /** full context for single-input tasks: prefix + question (+ gen_prefix) */
  readonly context: string
}

/** True when neither side has whitespace at the join (lm-eval's requires_delimiter). */
export function requiresDelimiter(left: string, right: string): boolean {
  if (left === '' || right === '') return false
  const l = [...left]
  return !isPyWhitespace(l[l.length - 1]) && !isPyWhitespace([...right][0])
}

/** Joins with `delimiter` only when neither side has whitespace at the join (lm-eval's maybe_delimit). */
export function maybeDelimit(left: string, right: string, delimiter: string): string {
  if (left === '') return right
  if (right === '') return left
  return requiresDelimiter(left, right) ? left + delimiter + right : left + right
}

/** The answer text of a shot: choices[a] for an index with choices, a[0] for a list, else str(a). */
export function shotAnswer(spec: TaskSpec, shot: Doc): string | undefined {
  const fields = fewshotFields(spec)
  const target = docToTarget(spec, fields, shot)
  if (target === undefined || target === null) return undefined
  if (typeof target === 'number' && fields.choice !== undefined) return pyStr(docToChoice(spec, fields, shot)[target])
  if (Array.isArray(target)) return pyStr(target[0])
  return pyStr(target)
}

/** The question text of a shot; for multiple-input tasks the filled-in gold context. */
export function shotQuestion(spec: TaskSpec, shot: Doc, multipleInput: boolean): string {
  const fields = fewshotFields(spec)
  const q = docToText(spec, fields, shot)
  if (multipleInput) return pyStr(docToChoice(spec, fields, shot)[q as number])
  return pyStr(q)
}

/**
 * Builds the prompt of `doc` with `shots` in front (lm-eval's fewshot_context, plain text, no chat template).
 * A system instruction is joined to the description with maybe_delimit and glued to what follows (§4.2).
 */
export function buildContext(spec: TaskSpec, doc: Doc, docId: number, shots: readonly Doc[], multipleInput: boolean, systemInstruction?: string): PromptContext {
  const targetDelimiter = spec.fewshot_config?.target_delimiter ?? spec.target_delimiter ?? ' '
  const fewshotDelimiter = spec.fewshot_config?.fewshot_delimiter ?? spec.fewshot_delimiter ?? '\n\n'
  const description = renderDocString(spec, 'description', spec.description, doc, docId)
  let prefix = maybeDelimit(systemInstruction ?? '', description, spec.fewshot_delimiter ?? '\n\n')
  for (const shot of shots) {
    const q = shotQuestion(spec, shot, multipleInput)
    let a = shotAnswer(spec, shot)
    if (a !== undefined && spec.gen_prefix !== undefined) {
      a = maybeDelimit(renderDocString(spec, 'gen_prefix', spec.gen_prefix, shot), a, ' ')
    }
    prefix += a === undefined || a === '' ? q : q + targetDelimiter + a + fewshotDelimiter
  }
  if (multipleInput) return { prefix, context: prefix }
  const question = pyStr(docToText(spec, taskFields(spec), doc, docId))
  const genPrefix = renderDocString(spec, 'gen_prefix', spec.gen_prefix, doc, docId)
  if (genPrefix === '') return { prefix, context: prefix + question }
  const joiner = requiresDelimiter(question, genPrefix) ? (spec.target_delimiter ?? ' ') : ''
  return { prefix, context: prefix + question + joiner + genPrefix }
}
