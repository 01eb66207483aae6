/**
 * Turns a TaskSpec and its data into the requests lm-eval would send (lm-eval.md §1 step 3, §3.1, §4):
 * docs 0..limit−1 of the eval split in dataset order, few-shot contexts from one seeded sampler per task.
 */
import type { Doc, DocSource } from '../source.ts'
import type { GenerationKwargs, ModelRequest } from '../requests.ts'
import type { TaskSpec } from './task-spec.ts'
import type { ResolvedMetric } from './metric-config.ts'
import type { FilterPipeline } from '../filters/index.ts'
import { DEFAULT_FILTER } from '../filters/index.ts'
import { evalSplit, isHookRef, taskDefaults } from './task-spec.ts'
import { resolveMetrics } from './metric-config.ts'
import { docToChoice, docToTarget, docToText, taskFields } from './doc-fields.ts'
import { resolveHook } from './hooks.ts'
import { makeSampler, type FewshotSampler } from '../fewshot/sampler.ts'
import { buildContext } from '../fewshot/context.ts'
import type { ChatContext, ChatPromptOptions } from '../fewshot/chat-context.ts'
import { buildChatContext } from '../fewshot/chat-context.ts'
import { HarnessError } from '../errors.ts'
import { defaultGenerationKwargs, loggedGenerationKwargs, normalizeGenerationKwargs } from './generation-kwargs.ts'

/** One request of a doc, with what the samples file logs for it. */
export interface PlannedRequest {
  /** choice / context index within the doc (lm-eval's Instance.idx) */
  readonly idx: number
  readonly request: ModelRequest
  /** as logged: [ctx, continuation] | [text] | [ctx, generation_kwargs as in the task] */
  readonly arguments: readonly unknown[]
}

/** One evaluated doc. */
export interface PlannedDoc {
  /** index in the eval split */
  readonly docId: number
  /** the processed doc */
  readonly doc: Doc
  /** doc_to_target(doc) */
  readonly target: unknown
  /** doc_to_choice(doc) for multiple_choice tasks */
  readonly choices: readonly unknown[] | undefined
  /** conditional requests, then acc_mutual_info's unconditional ones */
  readonly requests: readonly PlannedRequest[]
}

/** Everything needed to run and score one task. */
export interface TaskPlan {
  readonly spec: TaskSpec
  /** shots actually used */
  readonly numFewshot: number
  /** split evaluated */
  readonly split: string
  /** docs in the eval split */
  readonly originalCount: number
  readonly docs: readonly PlannedDoc[]
  /** Winogrande-style: doc_to_text gives the gold index and choices are contexts */
  readonly multipleInput: boolean
  readonly metrics: readonly ResolvedMetric[]
  readonly filters: readonly FilterPipeline[]
}

/** Run options that shape requests. */
export interface PlanOptions {
  /** --num-fewshot; ignored when the spec says num_fewshot: 0 */
  readonly numFewshot?: number
  /** int ≥ 1: first N docs; 0 < x < 1: ceil(len·x) docs */
  readonly limit?: number
  /** few-shot seed (default 1234) */
  readonly fewshotSeed: number
  /** chat template, few-shot turns and system instruction (§4.3); undefined = plain prompts */
  readonly chat?: ChatPromptOptions
  /**
   * only these docs (ascending, each < the eval split's length), e.g. a share link's spot-check; the few-shot
   * sampler still draws for every doc before the last one, so each context equals a full run's; `limit` is ignored
   */
  readonly docIds?: readonly number[]
}

/** Effective shots: --num-fewshot overrides the spec unless the spec hard-sets 0 (lm-eval rule). */
export function effectiveFewshot(spec: TaskSpec, requested: number | undefined): number {
  if (spec.num_fewshot === 0) return 0
  return requested ?? spec.num_fewshot ?? 0
}

async function loadSplit(spec: TaskSpec, source: DocSource, split: string): Promise<Doc[]> {
  const docs = await source.loadSplit({ path: spec.dataset_path, name: spec.dataset_name, split })
  if (spec.process_docs === undefined) return docs
  return resolveHook(spec.process_docs.function, 'process_docs', `task '${spec.task}' process_docs`).fn(docs)
}

async function fewshotPool(spec: TaskSpec, source: DocSource): Promise<Doc[]> {
  const split = spec.fewshot_config?.split ?? spec.fewshot_split
  if (split !== undefined) return loadSplit(spec, source, split)
  const samples = spec.fewshot_config?.samples
  if (samples !== undefined) {
    if (isHookRef(samples)) return resolveHook(samples.function, 'samples', `task '${spec.task}' fewshot_config.samples`).fn()
    return [...samples]
  }
  const fallback = spec.training_split ?? spec.validation_split ?? spec.test_split
  if (fallback === undefined) throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' has no split to draw few-shot examples from`)
  return loadSplit(spec, source, fallback)
}

/** The task's few-shot sampler; a pool smaller than the shots asked for is an error, as in lm-eval (random.sample raises). */
async function fewshotSampler(spec: TaskSpec, source: DocSource, numFewshot: number, opts: PlanOptions): Promise<FewshotSampler> {
  const pool = await fewshotPool(spec, source)
  const size = spec.fewshot_config?.fewshot_indices?.length ?? pool.length
  if (numFewshot > size) {
    const from = spec.fewshot_config?.samples !== undefined && (spec.fewshot_config?.split ?? spec.fewshot_split) === undefined
      ? 'fewshot_config.samples' : 'its few-shot split'
    throw new HarnessError('USAGE',
      `task '${spec.task}': ${numFewshot} few-shot examples asked for but ${from} has ${size} docs (lm-eval raises here too); ` +
      `use --num-fewshot ${size} or fewer`, { task: spec.task, numFewshot, pool: size })
  }
  return makeSampler(spec.fewshot_config?.sampler ?? 'default', pool, opts.fewshotSeed, spec.fewshot_config?.fewshot_indices)
}

/** Loads the task's data and builds every request. */
export async function planTask(spec: TaskSpec, source: DocSource, opts: PlanOptions): Promise<TaskPlan> {
  const split = evalSplit(spec)
  if (split === undefined) throw new HarnessError('TASK_SPEC_INVALID', `task '${spec.task}' has neither test_split nor validation_split`)
  const all = await loadSplit(spec, source, split)
  if (all.length === 0) {
    throw new HarnessError('DATASET_SPLIT_MISSING',
      `task '${spec.task}': eval split '${split}' of ${spec.dataset_path}${spec.dataset_name ? ` (config ${spec.dataset_name})` : ''} has no docs; ` +
      'check the data file (a run over no docs has no result)', { task: spec.task, split, docs: 0 })
  }
  const wanted = opts.docIds === undefined ? undefined : checkedDocIds(spec, opts.docIds, all.length)
  const count = wanted === undefined ? limitCount(all.length, opts.limit) : [...wanted].reduce((n, id) => Math.max(n, id + 1), 0)
  const numFewshot = effectiveFewshot(spec, opts.numFewshot)
  const fields = taskFields(spec)
  const multipleInput = spec.output_type === 'multiple_choice' && all.length > 0 && typeof docToText(spec, fields, all[0], 0) === 'number'
  const exclude = (spec.fewshot_config?.split ?? spec.fewshot_split) === spec.test_split
  const sampler = numFewshot > 0 ? await fewshotSampler(spec, source, numFewshot, opts) : undefined
  const metrics = resolveMetrics(spec)
  const mutualInfo = metrics.some(m => m.name === 'acc_mutual_info')
  const docs: PlannedDoc[] = []
  for (let docId = 0; docId < count; docId++) {
    const doc = all[docId]
    const shots = sampler ? sampler.sample(numFewshot, doc, exclude) : []
    if (wanted !== undefined && !wanted.has(docId)) continue
    const chat = opts.chat
    const ctx = chat?.render !== undefined
      ? buildChatContext(spec, doc, docId, shots, multipleInput, { ...chat, render: chat.render })
      : buildContext(spec, doc, docId, shots, multipleInput, chat?.systemInstruction)
    docs.push(planDoc(spec, doc, docId, ctx, multipleInput, mutualInfo))
  }
  return {
    spec, numFewshot, split, originalCount: all.length, docs, multipleInput, metrics,
    filters: spec.filter_list ?? [DEFAULT_FILTER],
  }
}

function planDoc(spec: TaskSpec, doc: Doc, docId: number, ctx: { prefix: string; context: string } | ChatContext, multipleInput: boolean, mutualInfo: boolean): PlannedDoc {
  const fields = taskFields(spec)
  const target = docToTarget(spec, fields, doc, docId)
  const chat = 'targetDelimiter' in ctx ? ctx : undefined
  const targetDelimiter = chat?.targetDelimiter ?? taskDefaults(spec).targetDelimiter
  const ll = (context: string, continuation: string, idx: number): PlannedRequest => ({
    idx, request: { kind: 'loglikelihood', context, continuation }, arguments: [context, continuation],
  })
  switch (spec.output_type) {
    case 'loglikelihood':
      return { docId, doc, target, choices: undefined, requests: [ll(ctx.context, String(target), 0)] }
    case 'loglikelihood_rolling': {
      const text = String(target)
      return { docId, doc, target, choices: undefined, requests: [{ idx: 0, request: { kind: 'loglikelihood_rolling', text }, arguments: [text] }] }
    }
    case 'generate_until': {
      const raw = spec.generation_kwargs ?? defaultGenerationKwargs(spec)
      const gen: GenerationKwargs = normalizeGenerationKwargs(spec, raw)
      const logged = loggedGenerationKwargs(spec, raw, gen.until)
      return {
        docId, doc, target, choices: undefined,
        requests: [{ idx: 0, request: { kind: 'generate_until', context: ctx.context, gen }, arguments: [ctx.context, logged] }],
      }
    }
    case 'multiple_choice': {
      const choices = docToChoice(spec, fields, doc, docId)
      checkChoiceTarget(spec, docId, target, choices, multipleInput)
      const requests = multipleInput
        ? choices.map((c, i) => ll(chat?.contexts?.[i] ?? ctx.prefix + String(c), targetDelimiter + String(target), i))
        : choices.map((c, i) => ll(ctx.context, targetDelimiter + String(c), i))
      if (mutualInfo) choices.forEach((c, i) => requests.push(ll('', targetDelimiter + String(c), choices.length + i)))
      return { docId, doc, target, choices, requests }
    }
  }
}

/**
 * A multiple-choice doc needs choices and a gold that picks one (an index in range, or one of the choices' texts):
 * lm-eval would raise on an empty list or a text that is no choice, and score an index out of range as wrong for
 * every model — a silent 0 — so both stop the task here, naming the doc.
 */
function checkChoiceTarget(spec: TaskSpec, docId: number, target: unknown, choices: readonly unknown[], multipleInput: boolean): void {
  const bad = (why: string): never => {
    throw new HarnessError('DATASET_PARSE_ERROR', `task '${spec.task}', doc ${docId}: ${why}; fix the data row or the task's doc_to_choice/doc_to_target`,
      { task: spec.task, docId })
  }
  if (choices.length === 0) bad('doc_to_choice gave no choices')
  if (multipleInput) return
  const golds = Array.isArray(target) ? target : [target]
  if (golds.length === 0) bad('the gold is an empty list')
  for (const g of golds) {
    if (typeof g === 'number' || typeof g === 'boolean') {
      const i = Number(g)
      if (!Number.isInteger(i) || i < 0 || i >= choices.length) bad(`gold ${JSON.stringify(g)} is not an index of its ${choices.length} choices`)
    } else if (typeof g === 'string') {
      if (!choices.includes(g)) bad(`gold ${JSON.stringify(g.slice(0, 60))} is not one of its choices`)
    } else bad(`gold ${JSON.stringify(g)?.slice(0, 60) ?? String(g)} is neither an index nor a choice`)
  }
}

/** The doc ids of a doc-id filter as a set; throws when one is not a doc of the eval split. */
function checkedDocIds(spec: TaskSpec, ids: readonly number[], total: number): Set<number> {
  const bad = ids.find(id => !Number.isSafeInteger(id) || id < 0 || id >= total)
  if (bad !== undefined) {
    throw new HarnessError('USAGE', `task '${spec.task}': doc id ${bad} is not in its eval split (doc ids 0 to ${total - 1})`, { task: spec.task, docId: bad })
  }
  return new Set(ids)
}

/** lm-eval's --limit: an int takes the first N docs, a fraction below 1 takes ceil(len·x). */
export function limitCount(total: number, limit: number | undefined): number {
  if (limit === undefined) return total
  if (limit > 0 && limit < 1) return Math.min(total, Math.ceil(total * limit))
  return Math.min(total, Math.floor(limit))
}
