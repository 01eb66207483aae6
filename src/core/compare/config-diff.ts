/**
 * Settings that differ between two runs, run-wide and per task: the apples-to-oranges checks of a comparison
 * (few-shot count and seed, chat template options, limit, dtype, task version and prompt-building fields).
 * A field is compared only when both files state it.
 */
import type { RunData, TaskData } from './run-data.ts'

/** One setting that differs. */
export interface ConfigDiff {
  /** task name; undefined for a run-wide setting */
  readonly task: string | undefined
  /** setting name as lm-eval spells it, e.g. 'num_fewshot', 'model_dtype', 'configs.doc_to_text' */
  readonly field: string
  /** run A's value, as text */
  readonly a: string
  /** run B's value, as text */
  readonly b: string
}

/** Prompt- and data-defining fields of configs[task] compared when both runs have them. */
const CONFIG_FIELDS = [
  'dataset_path', 'dataset_name', 'test_split', 'validation_split', 'fewshot_split', 'process_docs', 'doc_to_text',
  'doc_to_target', 'doc_to_choice', 'description', 'target_delimiter', 'fewshot_delimiter', 'fewshot_config', 'gen_prefix',
  'generation_kwargs', 'filter_list', 'repeats',
] as const

/** Canonical text of a JSON value (object keys sorted) for equality and display. */
export function canonicalText(v: unknown): string {
  if (typeof v === 'string') return v
  if (v === undefined) return 'none'
  return JSON.stringify(sortKeys(v))
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys)
  if (typeof v === 'object' && v !== null) {
    return Object.fromEntries(Object.keys(v).sort().map(k => [k, sortKeys((v as Record<string, unknown>)[k])]))
  }
  return v
}

/** dtype spellings of lm-eval (torch.float32), evalz (fp32) and Hugging Face (float32) mapped to one name. */
export function normalizeDtype(dtype: string): string {
  const d = dtype.toLowerCase().replace(/^torch\./, '')
  const names: Record<string, string> = { float32: 'fp32', float: 'fp32', float16: 'fp16', half: 'fp16', bfloat16: 'bf16' }
  return names[d] ?? d
}

function push(out: ConfigDiff[], task: string | undefined, field: string, a: unknown, b: unknown, same?: (x: unknown, y: unknown) => boolean): void {
  if (a === undefined || b === undefined) return
  const equal = same ? same(a, b) : canonicalText(a) === canonicalText(b)
  if (!equal) out.push({ task, field, a: display(a), b: display(b) })
}

function display(v: unknown): string {
  if (v === null) return 'none'
  return canonicalText(v)
}

/** Run-wide settings that differ (model names are expected to differ and are not listed). */
export function runDiffs(a: RunData, b: RunData): ConfigDiff[] {
  const out: ConfigDiff[] = []
  push(out, undefined, 'model_dtype', a.model.dtype, b.model.dtype, (x, y) => normalizeDtype(String(x)) === normalizeDtype(String(y)))
  push(out, undefined, 'limit', a.settings.limit, b.settings.limit)
  push(out, undefined, 'fewshot_seed', a.settings.fewshotSeed, b.settings.fewshotSeed)
  push(out, undefined, 'chat_template_sha', a.settings.chatTemplateSha, b.settings.chatTemplateSha)
  push(out, undefined, 'fewshot_as_multiturn', a.settings.fewshotAsMultiturn, b.settings.fewshotAsMultiturn)
  push(out, undefined, 'system_instruction_sha', a.settings.systemInstructionSha, b.settings.systemInstructionSha)
  const gen = (v: unknown): unknown => (v === '' ? null : v)
  push(out, undefined, 'gen_kwargs', gen(a.settings.genKwargs), gen(b.settings.genKwargs))
  push(out, undefined, 'max_length', a.settings.maxLength, b.settings.maxLength)
  return out
}

/** Task settings that differ. */
export function taskDiffs(a: TaskData, b: TaskData): ConfigDiff[] {
  const out: ConfigDiff[] = []
  const t = a.name
  push(out, t, 'num_fewshot', a.config.numFewshot, b.config.numFewshot)
  push(out, t, 'version', a.config.version, b.config.version)
  push(out, t, 'output_type', a.config.outputType, b.config.outputType)
  push(out, t, 'n-samples.effective', a.config.effectiveDocs, b.config.effectiveDocs)
  push(out, t, 'n-samples.original', a.config.originalDocs, b.config.originalDocs)
  for (const field of CONFIG_FIELDS) push(out, t, `configs.${field}`, a.config.raw[field], b.config.raw[field])
  return out
}
