/**
 * Browser mode of the bench: each workload runs through `evalz run --device wasm|webgpu` (the web app's worker in
 * headless Chromium) and through `evalz run --device cpu` (onnxruntime-node) on the same model, docs and batch size;
 * the figures come from each run's results.json (evalz.input_tokens, evalz.model_time_seconds).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { BenchArgs } from '../bench.ts'
import type { Workload } from './workloads.ts'
import type { PathFigures, WorkloadFigures } from './bench-table.ts'

const ROOT = resolve(import.meta.dirname, '../..')

/** The evalz block of a results.json this bench reads. */
interface EvalzBlock {
  readonly input_tokens: number
  readonly model_time_seconds: number
  readonly wasm_threads?: number | null
}

function evalzRun(args: BenchArgs, dir: string, w: Workload, device: string, tmp: string): { figures: PathFigures; threads?: number } {
  const out = mkdtempSync(join(tmp, `${device}-`))
  const argv = ['run', '--model', dir, '--tasks', w.task, '--data-dir', args.dataDir, '--limit', String(w.docs),
    '--num-fewshot', String(w.shots), '--batch-size', String(args.batchSize), '--device', device, '--output', out]
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/evalz.js'), ...argv], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 })
  if (r.status !== 0) throw new Error(`bench: evalz ${argv.join(' ')} failed (${r.status}): ${r.stderr.trim().split('\n').at(-1)}`)
  const results = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { evalz: EvalzBlock }
  const e = results.evalz
  return { figures: { seconds: e.model_time_seconds, tokens: e.input_tokens }, threads: e.wasm_threads ?? undefined }
}

/** Runs every workload in the page and in Node; the lm-eval count is not known here (no token ids), so it is 0. */
export async function browserBench(args: BenchArgs, dir: string, workloads: readonly Workload[], tmp: string): Promise<WorkloadFigures[]> {
  const out: WorkloadFigures[] = []
  for (const w of workloads) {
    process.stderr.write(`bench: ${w.name} on ${args.device} and cpu\n`)
    const page = evalzRun(args, dir, w, args.device, tmp)
    const node = evalzRun(args, dir, w, 'cpu', tmp)
    out.push({
      name: w.name, task: w.task, kind: w.kind, docs: w.docs, shots: w.shots, requests: w.requests.length, lmEvalTokens: Number.NaN,
      harness: page.figures, node: node.figures, threads: page.threads,
    })
  }
  return out
}
