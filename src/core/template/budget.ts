/**
 * Budgets of one template render, so a hostile or careless task file (`{% for i in range(10**9) %}`) fails
 * with one clear error instead of exhausting memory or hanging. Python's Jinja2 has no such limits; the
 * limits are far above what any lm-eval prompt needs (the largest real prompts are a few hundred kB).
 *
 * Rendering is synchronous, so one module-level budget is active at a time; nested renders (a template
 * rendered from inside another) share the outer budget.
 */

import { RenderError } from './runtime.ts'

/** Limits of one render. */
export interface RenderLimits {
  /** evaluation steps (expressions evaluated + loop iterations), count */
  readonly maxSteps: number
  /** rendered output, UTF-16 code units */
  readonly maxOutputChars: number
  /** items a single range()/repetition may materialise, count */
  readonly maxItems: number
  /** wall-clock time, milliseconds */
  readonly maxMillis: number
}

/** The defaults: 2 M steps (about 1.5 s on a slow core), 64 M characters of output, 1 M items, 10 s. */
export const RENDER_LIMITS: RenderLimits = {
  maxSteps: 2_000_000,
  maxOutputChars: 1 << 26,
  maxItems: 1 << 20,
  maxMillis: 10_000,
}

/** How often (in steps) the clock is read. */
const CLOCK_EVERY = 1 << 14

/** The counters of the active render. */
class RenderBudget {
  private steps = 0
  private output = 0
  private readonly deadline: number

  constructor(readonly limits: RenderLimits) {
    this.deadline = Date.now() + limits.maxMillis
  }

  step(n: number): void {
    const before = this.steps
    this.steps += n
    if (this.steps > this.limits.maxSteps) {
      throw new RenderError(`the template exceeds the render budget of ${this.limits.maxSteps} steps ` +
        '(a loop or expression that large is not a prompt); make the template smaller')
    }
    if (Math.floor(before / CLOCK_EVERY) !== Math.floor(this.steps / CLOCK_EVERY) && Date.now() > this.deadline) {
      throw new RenderError(`the template exceeds the render time budget of ${this.limits.maxMillis / 1000} s; make it smaller`)
    }
  }

  emit(chars: number): void {
    this.output += chars
    if (this.output > this.limits.maxOutputChars) {
      throw new RenderError(`the template's output exceeds ${this.limits.maxOutputChars} characters; make it smaller`)
    }
  }
}

let active: RenderBudget | null = null

/** Runs `fn` under a render budget (the active one when a render is already in progress). */
export function withRenderBudget<T>(fn: () => T, limits: RenderLimits = RENDER_LIMITS): T {
  if (active) return fn()
  active = new RenderBudget(limits)
  try {
    return fn()
  } catch (e) {
    // V8's stack overflow is a RangeError; Python would raise RecursionError
    if (e instanceof RangeError && /call stack/i.test(e.message)) {
      throw new RenderError('the template nests too deeply (recursion limit); flatten its expressions or blocks')
    }
    throw e
  } finally {
    active = null
  }
}

/** Counts `n` evaluation steps against the active budget. */
export function spendSteps(n = 1): void {
  active?.step(n)
}

/** Counts `chars` of rendered output against the active budget. */
export function spendOutput(chars: number): void {
  active?.emit(chars)
}

/** Fails before materialising `count` items when that exceeds the per-value limit. */
export function checkItems(count: number, what: string): void {
  const max = active?.limits.maxItems ?? RENDER_LIMITS.maxItems
  if (count > max) throw new RenderError(`${what} would hold ${count} items, more than the render budget of ${max}; make it smaller`)
}
