import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { brotliCompressSync } from 'node:zlib'
import { parquetWriteBuffer } from 'hyparquet-writer'
import { describe, expect, it } from 'vitest'
import { parseParquet } from '../../src/data/parse-parquet.ts'
import { failure } from '../rejection.ts'

const MIRROR = join(import.meta.dirname, 'fixtures', 'mirror', 'fixture-org')


describe('parseParquet', () => {
  it('reads the fixture written by fixtures/gen-parquet.ts: lists, structs, INT64, nulls', async () => {
    const file = join(MIRROR, 'parquet-set', 'default', 'test.parquet')
    const rows = await parseParquet(readFileSync(file), file)
    expect(rows).toEqual([
      {
        question: 'What is 2 + 2?',
        choices: ['3', '4', '5', '22'],
        labeled: { text: ['x', 'y'], label: ['A', 'B'] },
        answer: 1,
        score: 0.25,
        flag: true,
        note: null,
      },
      {
        question: 'Ünïcode, "quotes"\nand a newline',
        choices: ['a', 'b'],
        labeled: { text: [], label: [] },
        answer: 9007199254740991,
        score: null,
        flag: false,
        note: '',
      },
    ])
    expect(typeof rows[0].answer).toBe('number')
  })

  it('reads auto-typed columns from parquetWriteBuffer', async () => {
    const buf = parquetWriteBuffer({
      columnData: [
        { name: 'q', data: ['a', 'b'] },
        { name: 'n', data: [1, 2], type: 'INT32' },
        { name: 'big', data: [5n, -7n], type: 'INT64' },
      ],
    })
    expect(await parseParquet(new Uint8Array(buf), 'x.parquet')).toEqual([
      { q: 'a', n: 1, big: 5 },
      { q: 'b', n: 2, big: -7 },
    ])
  })

  it('refuses an INT64 beyond ±2^53, naming the column', async () => {
    const buf = parquetWriteBuffer({ columnData: [{ name: 'id', data: [1n, 2n ** 60n], type: 'INT64' }] })
    const err = await failure(parseParquet(new Uint8Array(buf), 'big.parquet'))
    expect(err.code).toBe('DATASET_PARSE_ERROR')
    expect(err.message).toMatch(/big\.parquet: row 1 column 'id' holds integer 1152921504606846976, outside ±2\^53/)
  })

  it('decodes GZIP (the fixture) and BROTLI columns with hyparquet-compressors', async () => {
    const file = join(MIRROR, 'parquet-gzip', 'default', 'test.parquet')
    expect(await parseParquet(readFileSync(file), file)).toEqual([{ answer: 1 }, { answer: 2 }, { answer: 3 }])
    const brotli = parquetWriteBuffer({
      codec: 'BROTLI',
      compressors: { BROTLI: (input: Uint8Array) => new Uint8Array(brotliCompressSync(input)) },
      columnData: [{ name: 'q', data: ['x', 'yy', 'Ünïcode'] }],
    })
    expect(await parseParquet(new Uint8Array(brotli), 'b.parquet')).toEqual([{ q: 'x' }, { q: 'yy' }, { q: 'Ünïcode' }])
  })

  it('names an unsupported compression codec and the supported ones', async () => {
    const lzo = parquetWriteBuffer({ codec: 'LZO', compressors: { LZO: (input: Uint8Array) => input }, columnData: [{ name: 'q', data: ['a'] }] })
    const err = await failure(parseParquet(new Uint8Array(lzo), 'lzo.parquet'))
    expect(err.code).toBe('DATASET_PARSE_ERROR')
    expect(err.message).toContain('lzo.parquet')
    expect(err.message).toMatch(/codec LZO.*supported: UNCOMPRESSED, SNAPPY, GZIP, BROTLI, ZSTD, LZ4, LZ4_RAW/)
  })

  it('names the file when the bytes are not Parquet', async () => {
    const err = await failure(parseParquet(new TextEncoder().encode('not parquet at all'), 'junk.parquet'))
    expect(err.code).toBe('DATASET_PARSE_ERROR')
    expect(err.message).toMatch(/^cannot parse junk\.parquet: not a readable Parquet file/)
  })
})
