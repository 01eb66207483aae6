/**
 * lm-eval's samples file records (lm-eval.md §7.2), one per (doc, filter), plus evalz's token ids per request.
 */
import type { PlannedDoc, TaskPlan } from '../tasks/task-plan.ts'
import type { DocMetrics } from '../scoring.ts'
import type { AnyAnswer } from '../requests.ts'
import { sha256Hex } from '../hash.ts'
import { PyFloat, pyJsonDumps } from '../python/json.ts'
import { pyStr } from '../python/str.ts'

/** One line of samples_<task>.jsonl, keys in lm-eval's order, then the per-doc metric values. */
export type SampleRecord = Record<string, unknown>

/**
 * Python str() of a response value, recursively, as lm-eval's sanitize_list does (tuples become lists).
 * Every number in a response is a Python float (a log-likelihood), so it prints as one.
 */
export function sanitize(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sanitize)
  if (typeof value === 'number') return pyStr(new PyFloat(value))
  return pyStr(value)
}

/** Builds the record for one doc under one filter. */
export function sampleRecord(
  plan: TaskPlan, planned: PlannedDoc, raw: readonly (readonly AnyAnswer[])[], filtered: readonly unknown[],
  filter: string, metrics: DocMetrics, error: { code: string; message: string } | undefined,
): SampleRecord {
  const target = pyStr(planned.target)
  const args: Record<string, Record<string, unknown>> = {}
  planned.requests.forEach((r, i) => {
    args[`gen_args_${i}`] = Object.fromEntries(r.arguments.map((a, j) => [`arg_${j}`, a]))
  })
  const record: SampleRecord = {
    doc_id: planned.docId,
    doc: planned.doc,
    target,
    arguments: args,
    resps: raw.map(reqs => reqs.map(r => sanitize(r.value))),
    filtered_resps: filtered.map(sanitize),
    filter,
    metrics: Object.keys(metrics),
    doc_hash: sha256Hex(pyJsonDumps(planned.doc, { indent: 2 })),
    prompt_hash: sha256Hex(String(planned.requests[0]?.arguments[0] ?? '')),
    target_hash: sha256Hex(target),
    ...metrics,
    evalz_tokens: raw.map(reqs => ({ context: reqs[0]?.tokens.context ?? [], continuation: reqs[0]?.tokens.continuation ?? [] })),
  }
  if (error) record.evalz_error = error
  void plan
  return record
}

/** lm-eval's task hash: sha256 of every logged sample's doc_hash + prompt_hash + target_hash, in order. */
export function taskHash(samples: readonly SampleRecord[]): string {
  return sha256Hex(samples.map(s => `${String(s.doc_hash)}${String(s.prompt_hash)}${String(s.target_hash)}`).join(''))
}

/** The samples file body: one Python-json line per record. */
export function samplesJsonl(samples: readonly SampleRecord[]): string {
  return samples.map(s => `${pyJsonDumps(s)}\n`).join('')
}
