import { createHash } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { Sha256, sha256Hex } from '../../src/core/hash.ts'
import { PyRandom } from '../../src/core/python/random.ts'

function nodeSha(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

describe('sha256Hex', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855')
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
  })

  it('matches node:crypto on strings around block boundaries and non-ASCII text', () => {
    const texts = ['', 'a', 'Ünïcödé ✓ 漢字 🙂', '\u0000\uffff', 'x'.repeat(1000)]
    for (let n = 50; n <= 130; n++) texts.push('b'.repeat(n))
    for (const t of texts) expect(sha256Hex(t), JSON.stringify(t.slice(0, 20))).toBe(nodeSha(t))
  })

  it('matches node:crypto on random bytes of many lengths', () => {
    const rnd = new PyRandom(7)
    for (let len = 0; len < 300; len += 1 + rnd.randbelow(7)) {
      const bytes = new Uint8Array(len)
      for (let i = 0; i < len; i++) bytes[i] = rnd.randbelow(256)
      expect(sha256Hex(bytes)).toBe(nodeSha(bytes))
    }
    const big = new Uint8Array(100_003).map((_, i) => (i * 31 + 7) & 0xff)
    expect(sha256Hex(big)).toBe(nodeSha(big))
  })

  it('hashes random strings with surrogate pairs as UTF-8', () => {
    const rnd = new PyRandom(11)
    for (let i = 0; i < 50; i++) {
      let s = ''
      const len = rnd.randbelow(200)
      for (let j = 0; j < len; j++) {
        const cp = [rnd.randbelow(0x80), 0x80 + rnd.randbelow(0x780), 0x4e00 + rnd.randbelow(0x5000), 0x1f300 + rnd.randbelow(0x300)][rnd.randbelow(4)]
        s += String.fromCodePoint(cp)
      }
      expect(sha256Hex(s)).toBe(nodeSha(s))
    }
  })
})

describe('Sha256 (incremental)', () => {
  it('gives the one-shot digest however the bytes are split', () => {
    const rnd = new PyRandom(3)
    for (const len of [0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4099]) {
      const bytes = new Uint8Array(len).map(() => rnd.randbelow(256))
      const want = nodeSha(bytes)
      for (let trial = 0; trial < 6; trial++) {
        const h = new Sha256()
        let at = 0
        while (at < len) {
          const n = Math.min(len - at, [1, 3, 63, 64, 65, 200][rnd.randbelow(6)])
          h.update(bytes.subarray(at, at + n))
          at += n
        }
        expect(h.hex(), `length ${len} trial ${trial}`).toBe(want)
      }
    }
  })

  it('hashes views into a larger buffer at odd offsets, and strings as UTF-8', () => {
    const buf = new Uint8Array(300).map((_, i) => (i * 7 + 1) & 0xff)
    const view = buf.subarray(3, 203)
    expect(new Sha256().update(view.subarray(0, 70)).update(view.subarray(70)).hex()).toBe(nodeSha(view))
    expect(new Sha256().update('Ünï').update('cödé ✓').hex()).toBe(nodeSha('Ünïcödé ✓'))
  })

  it('returns the same digest again and refuses more input after hex()', () => {
    const h = new Sha256().update('abc')
    expect(h.hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(h.hex()).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad')
    expect(() => h.update('d')).toThrow(/after hex/)
  })
})
