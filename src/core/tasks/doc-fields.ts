/**
 * doc_to_text / doc_to_target / doc_to_choice / description resolution, exactly as lm-eval.md §2.3.
 */
import type { Doc } from '../source.ts'
import type { DocField, TaskSpec } from './task-spec.ts'
import { isHookRef } from './task-spec.ts'
import { HarnessError } from '../errors.ts'
import { resolveHook } from './hooks.ts'
import { renderTemplate } from '../template/index.ts'
import { pyIsDigit, pyLiteralEval } from '../python/str.ts'

/** Which doc_to_* fields to use: the task's, or fewshot_config's overrides for shots. */
export interface DocFields {
  readonly text: DocField | undefined
  readonly target: DocField | undefined
  readonly choice: DocField | undefined
}

/** The task-level fields. */
export function taskFields(spec: TaskSpec): DocFields {
  return { text: spec.doc_to_text, target: spec.doc_to_target, choice: spec.doc_to_choice }
}

/** The fields used for few-shot examples: fewshot_config keys override the task's. */
export function fewshotFields(spec: TaskSpec): DocFields {
  const f = spec.fewshot_config
  return {
    text: f?.doc_to_text ?? spec.doc_to_text,
    target: f?.doc_to_target ?? spec.doc_to_target,
    choice: f?.doc_to_choice ?? spec.doc_to_choice,
  }
}

function render(spec: TaskSpec, field: string, template: string, doc: Doc, docId?: number): string {
  try {
    return renderTemplate(template, doc)
  } catch (e) {
    const where = docId === undefined ? '' : ` on doc ${docId}`
    throw new HarnessError('TEMPLATE_ERROR', `task '${spec.task}', field ${field}${where}: ${(e as Error).message}`, {
      task: spec.task, field, template, docId,
    })
  }
}

function hookValue(spec: TaskSpec, field: string, ref: { function: string }, doc: Doc): unknown {
  return resolveHook(ref.function, 'doc', `task '${spec.task}' ${field}`).fn(doc)
}

/** doc_to_text: int as is; feature name → raw value; template → rendered (digits → int when choices exist); hook. */
export function docToText(spec: TaskSpec, fields: DocFields, doc: Doc, docId?: number): unknown {
  const f = fields.text
  if (f === undefined) throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' has no doc_to_text`)
  if (typeof f === 'number') return f
  if (typeof f === 'string') {
    if (Object.hasOwn(doc, f)) return doc[f]
    const text = render(spec, 'doc_to_text', f, doc, docId)
    if (fields.choice !== undefined && pyIsDigit(text)) return literalInt(text)
    return text
  }
  if (isHookRef(f)) return hookValue(spec, 'doc_to_text', f, doc)
  throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': doc_to_text must be a string, int or !function`)
}

/**
 * A doc_to_target that is a bare column name must find a value: lm-eval would score a doc without that column
 * against the literal text ('label') or a missing cell against 'None', silently; evalz stops and names the doc.
 */
function checkGold(spec: TaskSpec, field: string, doc: Doc, docId: number | undefined): void {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(field)) return
  const where = docId === undefined ? 'a few-shot doc' : `doc ${docId}`
  const has = Object.hasOwn(doc, field)
  const fields = Object.keys(doc).slice(0, 12).join(', ')
  throw new HarnessError('DATASET_PARSE_ERROR',
    `task '${spec.task}', ${where}: the gold column '${field}' (doc_to_target) is ${has ? 'empty' : 'missing'} ` +
    `(the doc has ${fields || 'no fields'}); fix the data file's rows or the task's doc_to_target`,
    { task: spec.task, field, docId, missing: !has })
}

/** doc_to_target: int; feature; template (digits → int with choices; '[...]' → literal list); list; hook. */
export function docToTarget(spec: TaskSpec, fields: DocFields, doc: Doc, docId?: number): unknown {
  const f = fields.target
  if (f === undefined) throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' has no doc_to_target`)
  if (typeof f === 'number') return f
  if (typeof f === 'string') {
    if (Object.hasOwn(doc, f) && doc[f] !== null && doc[f] !== undefined) return doc[f]
    checkGold(spec, f, doc, docId)
    const text = render(spec, 'doc_to_target', f, doc, docId)
    if (fields.choice !== undefined && pyIsDigit(text)) return literalInt(text)
    if (text.length >= 2 && text.startsWith('[') && text.endsWith(']')) {
      try {
        return pyLiteralEval(text)
      } catch {
        return text
      }
    }
    return text
  }
  if (Array.isArray(f)) return f
  if (isHookRef(f)) return hookValue(spec, 'doc_to_target', f, doc)
  throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': doc_to_target must be a string, int, list or !function`)
}

/** doc_to_choice: feature → value; template → literal_eval(rendered); list; dict → values; hook. */
export function docToChoice(spec: TaskSpec, fields: DocFields, doc: Doc, docId?: number): unknown[] {
  const f = fields.choice
  if (f === undefined) throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' has no doc_to_choice`)
  let value: unknown
  if (typeof f === 'string') {
    if (Object.hasOwn(doc, f)) value = doc[f]
    else {
      const text = render(spec, 'doc_to_choice', f, doc, docId)
      try {
        value = pyLiteralEval(text)
      } catch (e) {
        throw new HarnessError('TEMPLATE_ERROR', `task '${spec.task}', field doc_to_choice${docId === undefined ? '' : ` on doc ${docId}`}: rendered ${JSON.stringify(text.slice(0, 80))}, which is not a Python list literal (${(e as Error).message})`)
      }
    }
  } else if (Array.isArray(f)) value = f
  else if (isHookRef(f)) value = hookValue(spec, 'doc_to_choice', f, doc)
  else if (typeof f === 'object' && f !== null) value = Object.values(f)
  else throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': doc_to_choice must be a string, list, dict or !function`)
  if (!Array.isArray(value)) {
    throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}': doc_to_choice gave ${typeof value}, expected a list${docId === undefined ? '' : ` (doc ${docId})`}`)
  }
  return value
}

/** description / gen_prefix: feature name → value, else rendered against the doc. */
export function renderDocString(spec: TaskSpec, field: 'description' | 'gen_prefix', value: string | undefined, doc: Doc, docId?: number): string {
  if (value === undefined || value === '') return ''
  if (Object.hasOwn(doc, value)) return String(doc[value])
  return render(spec, field, value, doc, docId)
}

function literalInt(text: string): number {
  const v = pyLiteralEval(text)
  return typeof v === 'number' ? v : Number.parseInt(text, 10)
}
