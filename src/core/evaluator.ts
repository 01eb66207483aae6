/**
 * The evaluation loop (lm-eval.md §1 steps 3–5): plan every task, send all requests of one kind to the backend in
 * one batched call, filter, score per doc, aggregate per (metric, filter), roll groups up, build the results.
 */
import type { ModelBackend } from './backend.ts'
import type { DocSource } from './source.ts'
import type { EvalEvent, PlannedTaskSummary } from './events.ts'
import type { Answer, AnyAnswer, GenerateResponse, LoglikelihoodResponse, ModelRequest, PlanAnswers, RequestKind, RollingResponse } from './requests.ts'
import type { TaskCatalogue } from './tasks/registry.ts'
import type { TaskPlan } from './tasks/task-plan.ts'
import type { SampleRecord } from './results/samples.ts'
import type { ResultsJson, RunInfo } from './results/results-json.ts'
import { leafTasks, resolveSelection } from './tasks/registry.ts'
import { planTask } from './tasks/task-plan.ts'
import { scoreTask } from './task-scores.ts'
import { RunningScores } from './running-scores.ts'
import { buildResults } from './results/results-json.ts'
import { datasetOrigins } from './results/dataset-origins.ts'
import { HarnessError } from './errors.ts'
import { checkSplits } from './suite-check.ts'
import type { ChatRunOptions } from './fewshot/chat-context.ts'
import { resolveChat } from './fewshot/chat-context.ts'

/** Everything one run needs; I/O comes in through `backend` and `source`. */
export interface EvalOptions {
  /** task, group and tag names, as typed */
  readonly tasks: readonly string[]
  readonly catalogue: TaskCatalogue
  readonly source: DocSource
  readonly backend: ModelBackend
  /** --num-fewshot */
  readonly numFewshot?: number
  /** --limit */
  readonly limit?: number
  /** task → the only docs to evaluate (see PlanOptions.docIds); tasks not listed evaluate no docs; undefined = all */
  readonly docIds?: { readonly [task: string]: readonly number[] }
  /** rows per forward pass */
  readonly batchSize: number
  /** few-shot seed; lm-eval's default is 1234 */
  readonly fewshotSeed: number
  /** bootstrap iterations for non-mean aggregations; lm-eval's default is 100000 */
  readonly bootstrapIters: number
  /** keep per-doc records for samples files */
  readonly logSamples: boolean
  /** --apply-chat-template / --fewshot-as-multiturn / --system-instruction (§4.3); undefined = plain prompts */
  readonly chat?: ChatRunOptions
  /** what the run was asked, for the results file */
  readonly runInfo: RunInfo
  readonly signal?: AbortSignal
  readonly onEvent?: (e: EvalEvent) => void
  /** milliseconds clock; injected so the core stays environment-free */
  readonly now: () => number
}

/** The results file and, per task, its sample records. */
export interface EvalOutcome {
  readonly results: ResultsJson
  /** task → records (empty unless logSamples) */
  readonly samples: ReadonlyMap<string, readonly SampleRecord[]>
}

interface Slot {
  readonly plan: number
  readonly doc: number
  readonly req: number
}

/** Runs a whole evaluation. */
export async function evaluate(opts: EvalOptions): Promise<EvalOutcome> {
  const start = opts.now()
  const selection = resolveSelection(opts.catalogue, opts.tasks)
  await checkSplits(leafTasks(selection), opts.source, opts.numFewshot)
  const chat = resolveChat(opts.backend, opts.chat)
  const plans: TaskPlan[] = []
  for (const spec of leafTasks(selection)) {
    plans.push(await planTask(spec, opts.source, { numFewshot: opts.numFewshot, limit: opts.limit, fewshotSeed: opts.fewshotSeed, chat: chat.prompt, docIds: opts.docIds === undefined ? undefined : (Object.hasOwn(opts.docIds, spec.task) ? opts.docIds[spec.task] : []) }))
  }
  const responses = await runRequests(plans, opts)
  const modelMs = opts.now() - start
  const scored = plans.map((plan, i) => {
    const s = scoreTask(plan, responses.answers[i], opts.bootstrapIters, opts.logSamples)
    opts.onEvent?.({ type: 'scored', task: plan.spec.task, failedDocs: s.failedDocs })
    return s
  })
  const results = buildResults({
    selection, plans, scored, run: opts.runInfo, backend: opts.backend.info, chat: chat.record,
    wallSeconds: (opts.now() - start) / 1000, modelSeconds: modelMs / 1000, tokens: responses.tokens,
    datasets: await datasetOrigins(leafTasks(selection), opts.source, opts.numFewshot),
  })
  return { results, samples: new Map(plans.map((p, i) => [p.spec.task, scored[i].samples])) }
}

/** Per plan, per doc, per request: the answers (one per repeat), and the input tokens fed for them. */
interface Responses {
  readonly answers: readonly PlanAnswers[]
  readonly tokens: number
}

async function runRequests(plans: readonly TaskPlan[], opts: EvalOptions): Promise<Responses> {
  const byKind = new Map<RequestKind, { slots: Slot[]; reqs: ModelRequest[] }>()
  const out: AnyAnswer[][][][] = plans.map(p => p.docs.map(d => d.requests.map((): AnyAnswer[] => [])))
  const summaries: PlannedTaskSummary[] = []
  plans.forEach((plan, pi) => {
    const repeats = plan.spec.repeats ?? 1
    let count = 0
    let longest = 0
    plan.docs.forEach((doc, di) => doc.requests.forEach((r, ri) => {
      longest = Math.max(longest, requestChars(r.request))
      const entry = byKind.get(r.request.kind) ?? { slots: [], reqs: [] }
      for (let k = 0; k < repeats; k++) {
        entry.slots.push({ plan: pi, doc: di, req: ri })
        entry.reqs.push(r.request)
        count++
      }
      byKind.set(r.request.kind, entry)
    }))
    summaries.push({ task: plan.spec.task, docs: plan.docs.length, requests: count, numFewshot: plan.numFewshot, longestRequestChars: longest })
  })
  const overallTotal = summaries.reduce((a, s) => a + s.requests, 0)
  opts.onEvent?.({ type: 'planned', tasks: summaries, totalRequests: overallTotal })
  const start = opts.now()
  let overallDone = 0
  let tokens = 0
  const running = new RunningScores(plans, out, opts.onEvent)
  for (const kind of ['loglikelihood', 'loglikelihood_rolling', 'generate_until'] as const) {
    const entry = byKind.get(kind)
    if (!entry) continue
    if (opts.signal?.aborted) throw new HarnessError('CANCELLED', 'run cancelled')
    const base = overallDone
    const baseTokens = tokens
    const seen = new Uint8Array(entry.reqs.length)
    const record = (i: number, a: AnyAnswer): void => {
      if (seen[i]) return
      seen[i] = 1
      const s = entry.slots[i]
      out[s.plan][s.doc][s.req].push(a)
      running.answered(s.plan, s.doc)
    }
    const call = {
      batchSize: opts.batchSize,
      signal: opts.signal,
      onProgress: (p: { done: number; total: number; tokens: number }) => {
        overallDone = base + p.done
        tokens = baseTokens + p.tokens
        opts.onEvent?.({ type: 'progress', kind, done: p.done, total: p.total, overallDone, overallTotal, tokens, elapsedMs: opts.now() - start })
      },
    }
    const answers = await answer(opts.backend, kind, entry.reqs, call, record)
    answers.forEach((a, i) => record(i, a))
    overallDone = base + entry.reqs.length
  }
  return { answers: out, tokens }
}

interface CallOptions {
  readonly batchSize: number
  readonly signal: AbortSignal | undefined
  readonly onProgress: (p: { done: number; total: number; tokens: number }) => void
}

async function answer(backend: ModelBackend, kind: RequestKind, reqs: ModelRequest[], call: CallOptions, record: (i: number, a: AnyAnswer) => void): Promise<AnyAnswer[]> {
  switch (kind) {
    case 'loglikelihood': {
      const wrap = (r: LoglikelihoodResponse): Answer<'loglikelihood'> => ({ kind, value: [r.logprob, r.isGreedy] as const, tokens: { context: r.contextTokens, continuation: r.continuationTokens } })
      const rs = await backend.loglikelihood(reqs as Extract<ModelRequest, { kind: 'loglikelihood' }>[], { ...call, onResult: (i, r) => record(i, wrap(r)) })
      return rs.map(wrap)
    }
    case 'loglikelihood_rolling': {
      const wrap = (r: RollingResponse): Answer<'loglikelihood_rolling'> => ({ kind, value: r.logprob, tokens: { context: [], continuation: r.tokens } })
      const rs = await backend.loglikelihoodRolling(reqs as Extract<ModelRequest, { kind: 'loglikelihood_rolling' }>[], { ...call, onResult: (i, r) => record(i, wrap(r)) })
      return rs.map(wrap)
    }
    case 'generate_until': {
      const wrap = (r: GenerateResponse): Answer<'generate_until'> => ({ kind, value: r.text, tokens: { context: r.contextTokens, continuation: r.generatedTokens } })
      const rs = await backend.generateUntil(reqs as Extract<ModelRequest, { kind: 'generate_until' }>[], { ...call, onResult: (i, r) => record(i, wrap(r)) })
      return rs.map(wrap)
    }
  }
}

/** Characters of a request's text (what the backend tokenises). */
function requestChars(r: ModelRequest): number {
  return r.kind === 'loglikelihood' ? r.context.length + r.continuation.length : r.kind === 'generate_until' ? r.context.length : r.text.length
}
