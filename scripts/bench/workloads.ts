/**
 * Benchmark workloads: real lm-eval requests (evalz's own task plans: prompts, shots, few-shot draws) for HellaSwag,
 * ARC-Easy, MMLU 5-shot and GSM8K from a Hub-mirror data folder.
 */
import { builtinCatalogue } from '../../src/core/catalogue.ts'
import { planTask } from '../../src/core/tasks/task-plan.ts'
import { mirrorSource } from '../../src/data/mirror-source.ts'
import { nodeFileAccess } from '../../src/cli/node-file-access.ts'
import type { GenerateRequest, LoglikelihoodRequest } from '../../src/core/requests.ts'

/** One benchmark workload. */
export type Workload = WorkloadBase & (
  | { readonly kind: 'loglikelihood'; readonly requests: LoglikelihoodRequest[] }
  | { readonly kind: 'generate_until'; readonly requests: GenerateRequest[] })

/** What every workload has. */
export interface WorkloadBase {
  /** label */
  readonly name: string
  /** the evalz task */
  readonly task: string
  /** docs planned */
  readonly docs: number
  /** shots used */
  readonly shots: number
  /** requests of each doc, in order (requests are flattened doc by doc) */
  readonly perDoc: readonly number[]
}

/** Which tasks, how many docs and shots. */
export interface WorkloadSpec {
  /** label in the table */
  readonly name: string
  /** evalz (= lm-eval) task name */
  readonly task: string
  /** docs (the first N of the eval split) */
  readonly limit: number
  /** --num-fewshot (undefined = the task's default) */
  readonly shots?: number
}

/** The bench's four workloads; `docs` scales them (HellaSwag and ARC get `docs`, MMLU half, GSM8K a quarter). */
export function defaultWorkloads(docs: number): WorkloadSpec[] {
  return [
    { name: 'hellaswag', task: 'hellaswag', limit: docs },
    { name: 'arc_easy', task: 'arc_easy', limit: docs },
    { name: 'mmlu 5-shot', task: 'mmlu_high_school_geography', limit: Math.max(1, Math.round(docs / 2)), shots: 5 },
    { name: 'gsm8k 5-shot', task: 'gsm8k', limit: Math.max(1, Math.round(docs / 8)), shots: 5 },
  ]
}

/**
 * Plans each workload's requests from `dataDir` (Hub-mirror layout) as `evalz run` would; generation requests get
 * `maxGenTokens` (a random-weights model never emits a stop string, so every doc runs to the limit).
 */
export async function loadWorkloads(dataDir: string, specs: readonly WorkloadSpec[], maxGenTokens: number): Promise<Workload[]> {
  const catalogue = builtinCatalogue()
  const source = mirrorSource(nodeFileAccess(dataDir))
  const out: Workload[] = []
  for (const s of specs) {
    const spec = catalogue.tasks.get(s.task)
    if (!spec) throw new Error(`bench: no task ${s.task}`)
    const plan = await planTask(spec, source, { numFewshot: s.shots, limit: s.limit, fewshotSeed: 1234 })
    const requests = plan.docs.flatMap((d) => d.requests.map((r) => r.request))
    const kind = requests[0]?.kind
    const base = { name: s.name, task: s.task, docs: plan.docs.length, shots: plan.numFewshot, perDoc: plan.docs.map((d) => d.requests.length) }
    if (kind === 'loglikelihood') {
      out.push({ ...base, kind, requests: requests as LoglikelihoodRequest[] })
    } else if (kind === 'generate_until') {
      const gens = (requests as GenerateRequest[]).map((r) => ({ ...r, gen: { ...r.gen, max_gen_toks: maxGenTokens } }))
      out.push({ ...base, kind, requests: gens })
    } else throw new Error(`bench: task ${s.task} has ${kind} requests`)
  }
  return out
}
