/**
 * SHA-256 (FIPS 180-4) in plain JS, for content hashes (e.g. lm-eval's doc/prompt hashes) in the pure core,
 * where node:crypto is unavailable and crypto.subtle is async; `Sha256` hashes a stream piece by piece (model
 * downloads), which crypto.subtle cannot.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])

const INIT = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]

/** Incremental SHA-256: feed bytes with `update` in any number of pieces, then read the digest with `hex`. */
export class Sha256 {
  /** the eight 32-bit state words */
  private readonly h = Int32Array.from(INIT)
  /** the message schedule, reused for every block */
  private readonly w = new Int32Array(64)
  /** bytes of an unfinished 64-byte block */
  private readonly block = new Uint8Array(64)
  /** how many bytes of `block` are filled */
  private filled = 0
  /** total bytes fed so far */
  private length = 0
  /** the hex digest once `hex` has been called */
  private digest: string | undefined

  /** Adds bytes (or a string's UTF-8 encoding); returns this. Throws once `hex` has been read. */
  update(data: string | Uint8Array): this {
    if (this.digest !== undefined) throw new Error('Sha256.update after hex(): start a new Sha256')
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data
    this.length += bytes.length
    let at = 0
    if (this.filled > 0) {
      const take = Math.min(64 - this.filled, bytes.length)
      this.block.set(bytes.subarray(0, take), this.filled)
      this.filled += take
      at = take
      if (this.filled < 64) return this
      this.compress(this.block, 0)
      this.filled = 0
    }
    const whole = bytes.length - ((bytes.length - at) % 64)
    if (whole > at) this.compress(bytes, at, whole)
    at = whole
    if (at < bytes.length) {
      this.block.set(bytes.subarray(at), 0)
      this.filled = bytes.length - at
    }
    return this
  }

  /** The digest (64 lowercase hex chars) of everything fed; later calls return the same value. */
  hex(): string {
    if (this.digest !== undefined) return this.digest
    // Padding: 0x80, zeros, then the bit length as a 64-bit big-endian integer, to a multiple of 64 bytes.
    const bitLen = this.length * 8
    this.block[this.filled] = 0x80
    this.block.fill(0, this.filled + 1)
    if (this.filled + 1 > 56) {
      this.compress(this.block, 0)
      this.block.fill(0)
    }
    const view = new DataView(this.block.buffer)
    view.setUint32(56, Math.floor(bitLen / 4294967296))
    view.setUint32(60, bitLen >>> 0)
    this.compress(this.block, 0)
    let hex = ''
    for (const v of this.h) hex += (v >>> 0).toString(16).padStart(8, '0')
    this.digest = hex
    return hex
  }

  /** Runs the compression function over each 64-byte block of `bytes` from `off` up to `end`. */
  private compress(bytes: Uint8Array, off: number, end = off + 64): void {
    const h = this.h
    const w = this.w
    let h0 = h[0], h1 = h[1], h2 = h[2], h3 = h[3], h4 = h[4], h5 = h[5], h6 = h[6], h7 = h[7]
    for (let at = off; at < end; at += 64) {
      for (let t = 0, o = at; t < 16; t++, o += 4) w[t] = (bytes[o] << 24) | (bytes[o + 1] << 16) | (bytes[o + 2] << 8) | bytes[o + 3]
      for (let t = 16; t < 64; t++) {
        const x = w[t - 15]
        const y = w[t - 2]
        const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
        const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
        w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0
      }
      let a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, hh = h7
      for (let t = 0; t < 64; t++) {
        const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
        const ch = (e & f) ^ (~e & g)
        const t1 = (hh + S1 + ch + K[t] + w[t]) | 0
        const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
        const maj = (a & b) ^ (a & c) ^ (b & c)
        hh = g
        g = f
        f = e
        e = (d + t1) | 0
        d = c
        c = b
        b = a
        a = (t1 + S0 + maj) | 0
      }
      h0 = (h0 + a) | 0
      h1 = (h1 + b) | 0
      h2 = (h2 + c) | 0
      h3 = (h3 + d) | 0
      h4 = (h4 + e) | 0
      h5 = (h5 + f) | 0
      h6 = (h6 + g) | 0
      h7 = (h7 + hh) | 0
    }
    h[0] = h0
    h[1] = h1
    h[2] = h2
    h[3] = h3
    h[4] = h4
    h[5] = h5
    h[6] = h6
    h[7] = h7
  }
}

/** Hex SHA-256 digest (64 lowercase chars) of bytes, or of a string's UTF-8 encoding. */
export function sha256Hex(data: string | Uint8Array): string {
  return new Sha256().update(data).hex()
}
