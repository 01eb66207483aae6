/**
 * Parquet data files (the Hub's own conversion format), read with hyparquet.
 *
 * Values as a Hub dataset row holds them, made JSON-safe: INT64 (BigInt) → number (a value outside ±2^53 is a
 * DATASET_PARSE_ERROR); lists → arrays and structs → objects, recursively; byte arrays → UTF-8 strings
 * (hyparquet's default); fixed-length binary → arrays of byte values; timestamps and dates → ISO 8601 strings;
 * missing values → null. Codecs: UNCOMPRESSED, SNAPPY (what Hub conversions use), GZIP, BROTLI, ZSTD, LZ4 and
 * LZ4_RAW; any other codec is a DATASET_PARSE_ERROR naming it.
 */
import { parquetMetadata, parquetReadObjects } from 'hyparquet'
import type { Compressors, FileMetaData } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'
import type { Doc } from '../core/source.ts'
import { parseError } from './records.ts'

/**
 * Decoders for the codecs hyparquet lacks (hyparquet-compressors: gzip, brotli, zstd, lz4); snappy stays
 * hyparquet's own.
 */
export const PARQUET_COMPRESSORS: Compressors = { GZIP: compressors.GZIP, BROTLI: compressors.BROTLI, ZSTD: compressors.ZSTD, LZ4: compressors.LZ4, LZ4_RAW: compressors.LZ4_RAW }

/** Codecs evalz decodes. */
export const PARQUET_CODECS: readonly string[] = ['UNCOMPRESSED', 'SNAPPY', ...Object.keys(PARQUET_COMPRESSORS)]

/** Parses a whole Parquet file into rows, in file order. */
export async function parseParquet(bytes: Uint8Array, file: string): Promise<Doc[]> {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
  let metadata: FileMetaData
  try {
    metadata = parquetMetadata(buffer)
  } catch (e) {
    throw parseError(file, `not a readable Parquet file (${oneLine(e)})`)
  }
  checkCodecs(metadata, file)
  let rows: Record<string, unknown>[]
  try {
    rows = await parquetReadObjects({ file: buffer, metadata, compressors: PARQUET_COMPRESSORS })
  } catch (e) {
    throw parseError(file, `Parquet decoding failed (${oneLine(e)})`)
  }
  return rows.map((row, i) => {
    const out: Doc = {}
    for (const [k, v] of Object.entries(row)) out[k] = jsonSafe(v, file, k, i)
    return out
  })
}

/** Throws when a column chunk uses a codec outside PARQUET_CODECS; `advice` ends the message. */
export function checkCodecs(metadata: FileMetaData, file: string, advice = '; rewrite the file with snappy or no compression'): void {
  for (const group of metadata.row_groups) {
    for (const chunk of group.columns) {
      const meta = chunk.meta_data
      if (meta && !PARQUET_CODECS.includes(meta.codec)) {
        throw parseError(
          file,
          `column '${meta.path_in_schema.join('.')}' uses compression codec ${meta.codec}, which evalz cannot decode` +
            ` (supported: ${PARQUET_CODECS.join(', ')})${advice}`,
        )
      }
    }
  }
}

/** A hyparquet value → a JSON-safe value (see the module comment). */
export function jsonSafe(value: unknown, file: string, column: string, row: number): unknown {
  if (value === undefined || value === null) return null
  if (typeof value === 'bigint') {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw parseError(file, `row ${row} column '${column}' holds integer ${value}, outside ±2^53`)
    }
    return Number(value)
  }
  if (typeof value !== 'object') return value
  if (value instanceof Date) return value.toISOString()
  if (ArrayBuffer.isView(value)) {
    const items = value instanceof DataView ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : value
    return Array.from(items as unknown as ArrayLike<number | bigint>, (v) => jsonSafe(v, file, column, row))
  }
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, file, column, row))
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(value)) out[k] = jsonSafe(v, file, column, row)
  return out
}

function oneLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]
}
