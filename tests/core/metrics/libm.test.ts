import { describe, expect, it } from 'vitest'
import { EXP_TABLE, exp, fma } from '../../../src/core/metrics/libm.ts'
import { golden } from './golden.ts'

describe('glibc exp emulation', () => {
  it('embeds the generated 2^(j/128) table', () => {
    expect(EXP_TABLE).toEqual(golden.exp.table)
  })

  it('matches CPython math.exp bit for bit', () => {
    const { x, exp: want } = golden.exp
    const bad: string[] = []
    x.forEach((xi, i) => {
      const w = want[i] === 'inf' ? Infinity : want[i] as number
      if (!Object.is(exp(xi), w)) bad.push(`exp(${xi}) = ${exp(xi)}, Python ${w}`)
    })
    expect(bad).toEqual([])
    expect(x.length).toBeGreaterThan(5000)
  })

  it('differs from Math.exp where V8 rounds differently', () => {
    // The reason libm.ts exists: V8's Math.exp disagrees with glibc on a share of inputs.
    const { x, exp: want } = golden.exp
    const v8Diffs = x.filter((xi, i) => want[i] !== 'inf' && Math.exp(xi) !== want[i]).length
    expect(v8Diffs).toBeGreaterThan(0)
  })

  it('handles special values', () => {
    expect(exp(NaN)).toBeNaN()
    expect(exp(Infinity)).toBe(Infinity)
    expect(exp(-Infinity)).toBe(0)
    expect(exp(0)).toBe(1)
    expect(exp(-0)).toBe(1)
    expect(exp(710)).toBe(Infinity)
    expect(exp(-746)).toBe(0)
  })
})

describe('fma emulation', () => {
  it('rounds a·b + c once (exact rational reference)', () => {
    const bad = golden.fma.filter(([a, b, c, r]) => fma(a, b, c) !== r)
    expect(bad).toEqual([])
  })
})
