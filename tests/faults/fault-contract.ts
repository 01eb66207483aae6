/**
 * The contract every generated bad input must meet (issue 17), and the per-class tally the suite prints:
 * either the input is accepted, or it fails with a HarnessError whose message is one line and names what the
 * test says it must (the file, the task, the flag) — never a crash, a raw Error, a hang or a success claim.
 */
import { expect } from 'vitest'
import { isHarnessError } from '../../src/core/errors.ts'

/** Cases tried and refused per class, printed when the suite ends. */
export const tally = new Map<string, { tried: number; refused: number }>()

function count(cls: string, refused: boolean): void {
  const t = tally.get(cls) ?? { tried: 0, refused: 0 }
  t.tried++
  if (refused) t.refused++
  tally.set(cls, t)
}

/** Classes whose cases are kills: a case that is not refused is one whose rerun gave a valid, whole result. */
const RECOVERY = new Set(['interrupted conversion', 'interrupted writes'])

/** The tally as printed lines. */
export function tallyLines(title: string): string[] {
  const total = [...tally.values()].reduce((n, t) => n + t.tried, 0)
  return [
    `${title}: ${total} generated cases, all met the contract`,
    ...[...tally].map(([cls, t]) => `  ${cls}: ${t.tried} tried (${t.refused} refused in one line, ${t.tried - t.refused} ${RECOVERY.has(cls) ? 'recovered on rerun' : 'accepted as valid'})`),
  ]
}

/** Checks an error against the contract: a HarnessError, one line, naming `mustName` when given. */
export function expectOneLine(e: unknown, mustName: string | RegExp | undefined, label: string): void {
  if (!isHarnessError(e)) throw new Error(`${label}: not a HarnessError: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
  expect(e.message, label).not.toContain('\n')
  expect(e.message.length, label).toBeLessThan(2000)
  if (typeof mustName === 'string') expect(e.message, label).toContain(mustName)
  else if (mustName) expect(e.message, label).toMatch(mustName)
}

/**
 * Runs one generated case: `accept` decides whether a success is legitimate (default: any success is). Returns
 * 'refused' or 'accepted'.
 */
export async function fault<T>(cls: string, label: string, run: () => T | Promise<T>, opts: {
  mustName?: string | RegExp
  accept?: (value: T) => boolean
  mustRefuse?: boolean
} = {}): Promise<'refused' | 'accepted'> {
  let value: T
  try {
    value = await run()
  } catch (e) {
    expectOneLine(e, opts.mustName, `${cls}: ${label}`)
    count(cls, true)
    return 'refused'
  }
  if (opts.mustRefuse) throw new Error(`${cls}: ${label}: accepted, but must be refused`)
  if (opts.accept && !opts.accept(value)) throw new Error(`${cls}: ${label}: accepted with a wrong result`)
  count(cls, false)
  return 'accepted'
}

/** Byte offsets to cut a file at: every section boundary given, its neighbours, and `steps` even cuts. */
export function cutPoints(size: number, boundaries: readonly number[], steps = 16): number[] {
  const out = new Set<number>([0, 1, size - 1])
  for (const b of boundaries) for (const d of [-1, 0, 1]) out.add(b + d)
  for (let i = 1; i < steps; i++) out.add(Math.floor((size * i) / steps))
  return [...out].filter(n => n >= 0 && n < size).sort((a, b) => a - b)
}
