/**
 * What the sample inspector shows, read from the samples_<task>.jsonl text the run produced (the CLI's exact
 * records): the prompt, each choice with its loglikelihood and length-normalized score (lm-eval's acc_norm
 * divides by the choice's length in code points), gold, prediction and whether the doc was scored right; and a
 * task's chance level (mean over docs of 1 / number of choices).
 */
import type { JsonValue } from '../protocol/wire-json.ts'
import { parsePyJson } from '../app/wire-json.ts'

/** One answer option of a multiple-choice doc. */
export interface ChoiceView {
  /** the choice text, without the target delimiter */
  readonly text: string
  /** log P(continuation | prompt) in nats */
  readonly loglikelihood: number
  /** loglikelihood ÷ the choice's length in Unicode code points (lm-eval's acc_norm score) */
  readonly normalized: number
  /** whether greedy decoding would produce this continuation */
  readonly greedy: boolean
}

/** One sample record (a doc under one filter), ready to show. */
export interface SampleView {
  readonly task: string
  readonly docId: number
  /** filter pipeline name, e.g. 'none', 'strict-match' */
  readonly filter: string
  /** lm-eval output_type of the task */
  readonly outputType: string
  /** the exact context sent to the model (first request's first argument) */
  readonly prompt: string
  /** generate_until: the request's stop strings and token budget (its arg_1), for "Open in chat" */
  readonly generation?: { readonly until?: readonly string[]; readonly maxGenToks?: number }
  /** multiple_choice: the choices; [] otherwise */
  readonly choices: readonly ChoiceView[]
  /** the gold answer as lm-eval records it (target) */
  readonly gold: string
  /** index of the gold choice (multiple_choice with one gold), else undefined */
  readonly goldIndex: number | undefined
  /** what the model answered: the best choice's text, the filtered generation, or the loglikelihood */
  readonly prediction: string
  /** generate_until: the model's raw generation before the filter pipeline (resps); undefined for other kinds */
  readonly rawOutput: string | undefined
  /** index of the best choice by raw loglikelihood (multiple_choice), else undefined */
  readonly predictionIndex: number | undefined
  /** right or wrong by acc / exact_match (else the first metric) when it is 0/1; undefined for perplexity-style tasks */
  readonly correct: boolean | undefined
  /** per-doc metric values */
  readonly metrics: { readonly [name: string]: number | string }
}

/** The parts of a task's config the inspector reads (results.configs[task]). */
export interface TaskConfigView {
  readonly output_type?: JsonValue
  readonly target_delimiter?: JsonValue
  /** '!function <hook>' when the task scores with a hook */
  readonly process_results?: JsonValue
}

/** Parses one task's samples file text into views (one per line). */
export function parseSamples(task: string, jsonl: string, config: TaskConfigView | undefined): SampleView[] {
  const outputType = typeof config?.output_type === 'string' ? config.output_type : 'unknown'
  const delimiter = typeof config?.target_delimiter === 'string' ? config.target_delimiter : ' '
  return jsonl.split('\n').filter((l) => l.trim() !== '').map((line) => sampleView(task, parsePyJson(line) as Record<string, JsonValue>, outputType, delimiter))
}

function sampleView(task: string, rec: Record<string, JsonValue>, outputType: string, delimiter: string): SampleView {
  const args = Object.values((rec.arguments ?? {}) as Record<string, Record<string, JsonValue>>)
  const prompt = String(args[0]?.arg_0 ?? '')
  const gold = String(rec.target ?? '')
  const metricNames = Array.isArray(rec.metrics) ? rec.metrics.map(String) : []
  const metrics: Record<string, number | string> = {}
  for (const name of metricNames) {
    const v = rec[name]
    if (typeof v === 'number' || typeof v === 'string') metrics[name] = v
  }
  // right/wrong by accuracy or exact match when the task has it, else by its first metric when that is 0/1
  const judge = metricNames.find((m) => m === 'acc' || m === 'exact_match') ?? metricNames[0]
  const score = metrics[judge]
  const correct = outputType !== 'loglikelihood_rolling' && (score === 0 || score === 1) ? score === 1 : undefined
  const filtered = Array.isArray(rec.filtered_resps) ? rec.filtered_resps : []
  const base = { task, docId: Number(rec.doc_id), filter: String(rec.filter ?? 'none'), outputType, prompt, gold, metrics, correct }
  if (outputType === 'multiple_choice') {
    const choices = args.map((a, i): ChoiceView => {
      const cont = String(a.arg_1 ?? '')
      const text = cont.startsWith(delimiter) ? cont.slice(delimiter.length) : cont
      const resp = filtered[i] as JsonValue[] | undefined
      const ll = Number(resp?.[0])
      const len = [...text].length
      return { text, loglikelihood: ll, normalized: len > 0 ? ll / len : ll, greedy: String(resp?.[1]) === 'True' }
    })
    const predictionIndex = argmax(choices.map((c) => c.loglikelihood))
    return {
      ...base, choices, goldIndex: goldIndexOf(gold, choices), predictionIndex, rawOutput: undefined,
      prediction: predictionIndex === undefined ? '' : choices[predictionIndex].text,
    }
  }
  const resp = filtered[0]
  const prediction = outputType === 'loglikelihood' && Array.isArray(resp)
    ? `loglikelihood ${String(resp[0])}, greedy: ${String(resp[1])}`
    : Array.isArray(resp) ? resp.map(String).join(', ') : String(resp ?? '')
  // resps: one list per request of its repeats; a generation's first request, first repeat is what the model wrote
  const raw = outputType === 'generate_until' && Array.isArray(rec.resps) && Array.isArray(rec.resps[0]) ? rec.resps[0][0] : undefined
  const rawOutput = raw === undefined ? undefined : String(raw)
  const gen = args[0]?.arg_1
  const generation = outputType === 'generate_until' && gen !== null && typeof gen === 'object' && !Array.isArray(gen)
    ? {
      ...(Array.isArray(gen.until) ? { until: gen.until.map(String) } : {}),
      ...(typeof gen.max_gen_toks === 'number' ? { maxGenToks: gen.max_gen_toks } : {}),
    }
    : undefined
  return { ...base, choices: [], goldIndex: undefined, predictionIndex: undefined, prediction, rawOutput, ...(generation ? { generation } : {}) }
}

/** Index of the first maximum; undefined for an empty list. */
function argmax(values: readonly number[]): number | undefined {
  let best: number | undefined
  values.forEach((v, i) => {
    if (best === undefined || v > values[best]) best = i
  })
  return best
}

/** The gold choice: the target as an index, else the choice whose text equals it. */
function goldIndexOf(gold: string, choices: readonly ChoiceView[]): number | undefined {
  if (/^\d+$/.test(gold) && Number(gold) < choices.length) return Number(gold)
  const i = choices.findIndex((c) => c.text === gold || c.text.trim() === gold.trim())
  return i >= 0 ? i : undefined
}

/** Chance accuracy of a multiple-choice task: mean over docs of 1 / number of choices; undefined otherwise. */
export function chanceLevel(samples: readonly SampleView[]): number | undefined {
  const perDoc = new Map<number, number>()
  for (const s of samples) {
    if (s.outputType === 'multiple_choice' && s.choices.length > 0 && !perDoc.has(s.docId)) perDoc.set(s.docId, 1 / s.choices.length)
  }
  if (perDoc.size === 0) return undefined
  let sum = 0
  for (const v of perDoc.values()) sum += v
  return sum / perDoc.size
}

/**
 * TruthfulQA mc2 scores the probability mass on the true answers, so a model without preference scores the share
 * of true answers: the mean over docs of (true answers / answers).
 */
export function mc2ChanceLevel(samplesJsonl: string): number | undefined {
  const perDoc = new Map<number, number>()
  for (const line of samplesJsonl.split('\n')) {
    if (line.trim() === '') continue
    const s = JSON.parse(line) as { doc_id: number; doc?: { mc2_targets?: { labels?: number[] } } }
    const labels = s.doc?.mc2_targets?.labels
    if (labels && labels.length > 0 && !perDoc.has(s.doc_id)) perDoc.set(s.doc_id, labels.filter(l => l === 1).length / labels.length)
  }
  if (perDoc.size === 0) return undefined
  let sum = 0
  for (const v of perDoc.values()) sum += v
  return sum / perDoc.size
}

/** Task → chance level for every multiple-choice task with logged samples. */
export function chanceLevels(samplesJsonl: { readonly [task: string]: string }, results: { readonly [key: string]: JsonValue }): Record<string, number> {
  const configs = (results.configs ?? {}) as Record<string, TaskConfigView>
  const out: Record<string, number> = {}
  for (const [task, text] of Object.entries(samplesJsonl)) {
    if (configs[task]?.output_type !== 'multiple_choice') continue
    const level = String(configs[task]?.process_results ?? '').includes('process_results_mc2')
      ? mc2ChanceLevel(text)
      : chanceLevel(parseSamples(task, text, configs[task]))
    if (level !== undefined) out[task] = level
  }
  return out
}
