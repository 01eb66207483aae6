/** Number formats shared by the Markdown and HTML exports of runs and comparisons. */

/** A metric value with 4 decimals (as lm-eval's table); '—' when missing or not finite. */
export function formatValue(x: number | undefined): string {
  return x === undefined || !Number.isFinite(x) ? '—' : x.toFixed(4)
}

/** A signed difference with 4 decimals, e.g. '+0.1500', '-0.0250'; '0.0000' for no change. */
export function formatDelta(x: number | undefined): string {
  if (x === undefined || !Number.isFinite(x)) return '—'
  const s = Math.abs(x).toFixed(4)
  if (Number(s) === 0) return s
  return x > 0 ? `+${s}` : `-${s}`
}

/** An interval as '[low, high]' of signed differences. */
export function formatInterval(i: { readonly low: number; readonly high: number } | undefined): string {
  return i === undefined ? '—' : `[${formatDelta(i.low)}, ${formatDelta(i.high)}]`
}

/** A p-value: 4 decimals from 0.001 up, else one significant digit in exponent form ('3e-7'); '—' when missing. */
export function formatP(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '—'
  if (p === 0) return '<1e-300'
  return p >= 0.001 ? p.toFixed(4) : p.toExponential(0)
}

/** A unix time in seconds as 'YYYY-MM-DD HH:MM UTC'; '' when missing. */
export function formatDate(seconds: number | undefined): string {
  // lm-eval's `date` is unix seconds; values below 1e9 are process timers (start_time), not dates
  if (seconds === undefined || seconds < 1e9) return ''
  const iso = new Date(seconds * 1000).toISOString()
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`
}
