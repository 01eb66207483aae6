import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyRandom } from '../../../src/core/python/random.ts'

/** One recorded call and Python's result (see tests/core/fixtures/python/gen_random.py). */
interface Op {
  op: 'getrandbits' | 'random' | 'randbelow' | 'randrange' | 'sample' | 'choices' | 'shuffle'
  k?: number
  n?: number
  start?: number
  stop?: number | null
  out: unknown
}

interface Vectors {
  python: string
  cases: { seed: string, ops: Op[] }[]
}

const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/python/random-vectors.json', import.meta.url), 'utf8'),
) as Vectors

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i)
}

function run(rnd: PyRandom, op: Op): unknown {
  switch (op.op) {
    case 'getrandbits': return rnd.getrandbits(op.k!).toString()
    case 'random': return rnd.random()
    case 'randbelow': return rnd.randbelow(op.n!)
    case 'randrange': return op.stop === null ? rnd.randrange(op.start!) : rnd.randrange(op.start!, op.stop)
    case 'sample': return rnd.sample(range(op.n!), op.k!)
    case 'choices': return rnd.choices(range(op.n!), op.k!)
    case 'shuffle': {
      const x = range(op.n!)
      rnd.shuffle(x)
      return x
    }
  }
}

describe('PyRandom (spec vectors)', () => {
  it('Random(1234) getrandbits(32) and random()', () => {
    const r = new PyRandom(1234)
    expect([r.getrandbits(32), r.getrandbits(32), r.getrandbits(32)]).toEqual([4150886329n, 3342196574n, 1892932127n])
    expect(new PyRandom(1234).random()).toBe(0.9664535356921388)
  })

  it('Random(0).choices(range(5), k=5)', () => {
    expect(new PyRandom(0).choices(range(5), 5)).toEqual([4, 3, 2, 1, 2])
  })

  it('few-shot samples of hellaswag and arc_challenge', () => {
    const r = new PyRandom(1234)
    expect(r.sample(range(39905), 11)).toEqual([28883, 7657, 490, 5940, 38156, 2288, 5500, 6450, 23241, 15519, 1142])
    expect(r.sample(range(39905), 11)).toEqual([2019, 1038, 22681, 31735, 30379, 9735, 5982, 11999, 7498, 958, 32970])
    expect(new PyRandom(1234).sample(range(1119), 25)).toEqual(
      [902, 239, 15, 185, 71, 171, 201, 726, 484, 35, 63, 32, 708, 991, 949, 304, 186, 374, 234, 29, 1030, 996, 511, 132, 1108],
    )
  })

  it('same seed as number and bigint; sign ignored', () => {
    expect(new PyRandom(42n).random()).toBe(new PyRandom(42).random())
    expect(new PyRandom(-7).random()).toBe(new PyRandom(7).random())
  })

  it('rejects bad arguments like Python', () => {
    expect(() => new PyRandom(0).sample([1, 2], 3)).toThrow(RangeError)
    expect(() => new PyRandom(0).sample([1, 2], -1)).toThrow(RangeError)
    expect(() => new PyRandom(0).randrange(0)).toThrow(RangeError)
    expect(() => new PyRandom(0).randrange(3, 3)).toThrow(RangeError)
    expect(() => new PyRandom(0).choices([], 1)).toThrow(RangeError)
    expect(() => new PyRandom(1.5)).toThrow(RangeError)
  })

  it('sample does not modify the population', () => {
    const pop = range(10)
    new PyRandom(5).sample(pop, 10)
    expect(pop).toEqual(range(10))
  })
})

describe(`PyRandom (golden vectors from Python ${vectors.python})`, () => {
  for (const [i, c] of vectors.cases.entries()) {
    it(`case ${i}: seed ${c.seed}, ${c.ops.length} calls`, () => {
      const rnd = new PyRandom(BigInt(c.seed))
      const got = c.ops.map((op) => run(rnd, op))
      expect(got).toEqual(c.ops.map((op) => op.out))
    })
  }
})
