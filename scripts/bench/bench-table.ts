/**
 * The bench's figures and its printed table: per workload, fed tokens per doc against lm-eval's count, docs/s of the
 * harness, the unshared harness and the naive loop, and the harness's tok/s against the bare session's.
 */

/** One timed path. */
export interface PathFigures {
  /** wall seconds (median of the reps for the harness paths) */
  readonly seconds: number
  /** input positions fed to the model, padding included */
  readonly tokens: number
  /** docs it ran, when fewer than the workload's */
  readonly docs?: number
  /** session.run calls */
  readonly forwards?: number
  /** padded share of the fed positions (0–1) */
  readonly padding?: number
}

/** Everything measured on one workload. */
export interface WorkloadFigures {
  readonly name: string
  readonly task: string
  readonly kind: 'loglikelihood' | 'generate_until'
  readonly docs: number
  readonly shots: number
  readonly requests: number
  /** lm-eval's forward tokens: Σ len(ctx) + len(cont) − 1 (generation: prompt + generated − 1) */
  readonly lmEvalTokens: number
  /** the harness as shipped (prefix sharing on) */
  readonly harness: PathFigures
  /** the harness with prefix sharing off (loglikelihood only) */
  readonly unshared?: PathFigures
  /** one request per unpadded forward */
  readonly naive?: PathFigures
  /** the bare onnxruntime session replaying the harness's forwards */
  readonly bare?: PathFigures
  /** Node (onnxruntime-node) figures of the same run, in browser mode */
  readonly node?: PathFigures
  /**
   * medians over reps of bare/harness seconds (each rep back to back; the model's runs, and the model's plus the
   * scoring graph's) and of the model's share of harness time
   */
  readonly ceiling?: { readonly bareOverHarness: number; readonly withScoringOverHarness?: number; readonly modelShare: number }
  /** largest |Δ loglikelihood| between the paths */
  readonly maxAbsDiff?: number
  /** generated tokens (generation) */
  readonly generatedTokens?: number
  /** docs whose naive generation differs from the harness's (float ties on random weights) */
  readonly naiveMismatches?: number
  /** wasm threads the page used (browser mode) */
  readonly threads?: number
}

const cell = (s: string, w: number) => s.padStart(w)
const f = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d))

/** Prints the header lines and the table. */
export function printTable(header: Record<string, unknown>, rows: readonly WorkloadFigures[]): void {
  for (const [k, v] of Object.entries(header)) console.log(`${k}: ${v}`)
  console.log('')
  const cols: [string, number][] = [
    ['workload', 14], ['docs', 5], ['lm-eval tok/doc', 16], ['fed tok/doc', 12], ['fed/lm-eval', 12], ['padded', 7], ['unshared fed', 13],
    ['docs/s', 8], ['unshared', 9], ['naive', 8], ['shared/unsh', 12], ['tok/s', 8], ['bare tok/s', 11], ['harness/bare', 13], ['/bare+scoring', 14], ['model share', 12],
  ]
  console.log(cols.map(([n, w], i) => (i === 0 ? n.padEnd(w) : cell(n, w))).join(''))
  for (const r of rows) {
    const ref = r.node ?? r.unshared
    const vals = [
      r.name.padEnd(14), cell(String(r.docs), 5), cell(f(r.lmEvalTokens / r.docs), 16), cell(f(r.harness.tokens / r.docs), 12),
      cell(f(r.harness.tokens / r.lmEvalTokens, 2), 12),
      cell(r.harness.padding === undefined ? '–' : f(100 * r.harness.padding, 0) + '%', 7), cell(r.unshared ? f(r.unshared.tokens / r.docs) : '–', 13),
      cell(f(r.docs / r.harness.seconds, 2), 8), cell(ref ? f(r.docs / ref.seconds, 2) : '–', 9),
      cell(r.naive ? f((r.naive.docs ?? r.docs) / r.naive.seconds, 2) : '–', 8),
      cell(ref ? f(ref.seconds / r.harness.seconds, 2) + '×' : '–', 12),
      cell(f(r.harness.tokens / r.harness.seconds, 0), 8), cell(r.bare ? f(r.bare.tokens / r.bare.seconds, 0) : '–', 11),
      cell(r.ceiling ? f(100 * r.ceiling.bareOverHarness, 0) + '%' : r.bare ? f((100 * r.bare.seconds) / r.harness.seconds, 0) + '%' : '–', 13),
      cell(r.ceiling?.withScoringOverHarness !== undefined ? f(100 * r.ceiling.withScoringOverHarness, 0) + '%' : '–', 14),
      cell(r.ceiling ? f(100 * r.ceiling.modelShare, 0) + '%' : '–', 12),
    ]
    console.log(vals.join(''))
  }
  console.log('')
  console.log('fed = input positions given to the model incl. padding (padded = their padded share);')
  console.log('lm-eval = Σ len(ctx)+len(cont)−1 per request (generation: prompt + generated − 1);')
  console.log('unshared = the same harness with prefix sharing off (browser mode: Node on the same model instead);')
  console.log('naive = one request per unpadded forward (first docs only); bare = onnxruntime session.run replaying the')
  console.log("harness's forward shapes; harness/bare = median over reps of bare seconds / harness seconds, each rep's")
  console.log("harness and replay back to back (the harness's share of the ceiling); /bare+scoring = the same with the")
  console.log("scoring graph's runs (log-softmax of the read positions) replayed too, so only the JavaScript side differs;")
  console.log("model share = median share of the harness's own wall time spent inside the model's session.run (same")
  console.log('run, same load).')
}
