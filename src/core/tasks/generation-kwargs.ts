/** lm-eval's generation defaults (§2.1) and normalisation (§5.5). */
import type { GenerationKwargs } from '../requests.ts'
import type { TaskSpec } from './task-spec.ts'
import { PyFloat } from '../python/json.ts'

/** Applies: until defaults to [fewshot_delimiter]; max_gen_toks alias priority, default 256; do_sample/temperature rules. */
export function normalizeGenerationKwargs(spec: TaskSpec, raw: Readonly<Record<string, unknown>>): GenerationKwargs {
  const fewshotDelimiter = spec.fewshot_delimiter ?? '\n\n'
  const untilRaw = raw.until ?? [fewshotDelimiter]
  const until = (Array.isArray(untilRaw) ? untilRaw : [untilRaw]).map(String)
  const maxGenToks = Number(raw.max_gen_toks ?? raw.max_new_tokens ?? raw.max_tokens ?? raw.max_completion_tokens ?? 256)
  const temperature = raw.temperature === undefined ? 0 : Number(raw.temperature)
  const doSample = raw.do_sample === undefined || raw.do_sample === null ? temperature > 0 : Boolean(raw.do_sample)
  return { ...raw, until, max_gen_toks: maxGenToks, do_sample: doSample, temperature: doSample ? temperature : 0 }
}

/**
 * The task-level generation_kwargs lm-eval fills in when a generate_until task has none (read from
 * lm-eval's TaskConfig: temperature stays the int 0 and max_gen_toks is left to the model's default).
 */
export function defaultGenerationKwargs(spec: TaskSpec): Record<string, unknown> {
  return { until: [spec.fewshot_delimiter ?? '\n\n'], do_sample: false, temperature: 0 }
}

/** The dict logged as arg_1: the task's kwargs with `until` filled in and temperature as a Python float. */
export function loggedGenerationKwargs(spec: TaskSpec, raw: Readonly<Record<string, unknown>>, until: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...raw, until: [...until] }
  if (spec.generation_kwargs !== undefined && typeof raw.temperature === 'number') out.temperature = new PyFloat(raw.temperature)
  return out
}
