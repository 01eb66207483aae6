/**
 * A run restricted to some doc ids (a share link's spot-check) gives, for those docs, exactly the records of the full run:
 * the few-shot sampler still draws for every skipped doc, so the kept docs' prompts do not shift.
 */
import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { expect, it } from 'vitest'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { evaluate } from '../../../src/core/evaluator.ts'
import { pyJsonDumps } from '../../../src/core/python/json.ts'
import { httpFileAccess } from '../../../src/data/http-file-access.ts'
import { mirrorSource } from '../../../src/data/mirror-source.ts'
import { runInfoFor, RUN_DEFAULTS } from '../../../src/app/run-request.ts'
import { fakeBackend } from '../fake-backend.ts'
import { buildSharePayload } from '../../../src/core/share/share-builder.ts'
import { chooseSpotCheck, compareSpotCheck, spotCheckDocIds } from '../../../src/core/share/spot-check.ts'
import { samplesJsonl } from '../../../src/core/results/samples.ts'

const DATASETS = fileURLToPath(new URL('../../../public/datasets/', import.meta.url))

/** Serves public/datasets from disk as the app serves /datasets/. */
async function diskFetch(input: string | URL | Request): Promise<Response> {
  const path = new URL(String(input)).pathname.replace(/^\/datasets\//, '')
  try { return new Response(await readFile(DATASETS + decodeURIComponent(path))) } catch { return new Response('nf', { status: 404 }) }
}
/** The demo tasks on the fake backend, optionally restricted to some doc ids. */
async function run(docIds?: Record<string, number[]>, numFewshot?: number) {
  const request = { ...RUN_DEFAULTS, runId: 'x', limit: undefined, numFewshot, bootstrapIters: 10 }
  let t = 0
  return evaluate({
    tasks: ['demo'], catalogue: builtinCatalogue(), source: mirrorSource(httpFileAccess('http://app/datasets/', diskFetch)),
    backend: fakeBackend({ 'Answer:': ' 4' }), numFewshot, limit: undefined, batchSize: 1, fewshotSeed: 1234, bootstrapIters: 10,
    logSamples: true, runInfo: runInfoFor(request, '0', 1), now: () => (t += 1), docIds,
  })
}
it('docIds reproduces the full run prompts', async () => {
  for (const shots of [undefined, 3]) {
    const full = await run(undefined, shots)
    const texts = Object.fromEntries([...full.samples].map(([k, v]) => [k, samplesJsonl(v)]))
    const payload = buildSharePayload({ request: { ...RUN_DEFAULTS, tasks: ['demo'], limit: undefined, numFewshot: shots }, resultsJson: pyJsonDumps(full.results), samplesJsonl: texts, model: { kind: 'app', id: 'demo' }, evalzVersion: '0' }, { includeResults: true, includeSamples: true })
    for (const seed of [1, 2, 3]) {
      const picks = chooseSpotCheck(payload, 10, seed)
      const spot = await run(spotCheckDocIds(picks) as Record<string, number[]>, shots)
      const rerun = Object.fromEntries([...spot.samples].map(([k, v]) => [k, [...v]]))
      const rep = compareSpotCheck(payload, rerun, picks)
      console.log(shots, seed, rep.summary, JSON.stringify(spot.results['n-samples']))
      expect(rep.summary).toBe('reproduced: 10/10 identical')
      // byte-identical records for the picked docs
      for (const p of picks) {
        const a = full.samples.get(p.task)!.filter(r => r.doc_id === p.docId)
        const b = spot.samples.get(p.task)!.filter(r => r.doc_id === p.docId)
        expect(samplesJsonl(b)).toBe(samplesJsonl(a))
      }
    }
  }
  await expect(run({ demo_arith: [30] })).rejects.toThrow(/doc id 30 is not in its eval split/)
})
