/**
 * Data file formats a mirror split can be stored in, and parsing one by its format.
 */
import type { Doc } from '../core/source.ts'
import { parseCsv } from './parse-csv.ts'
import { parseJson } from './parse-json.ts'
import { parseJsonl } from './parse-jsonl.ts'
import { parseParquet } from './parse-parquet.ts'
import { decodeUtf8 } from './records.ts'

/** A data file format, named by its file extension (without the dot). */
export type DataFormat = 'jsonl' | 'json' | 'csv' | 'parquet'

/** Formats in the order a mirror looks for them: `<split>.jsonl` first, then .json, .csv, .parquet. */
export const DATA_FORMATS: readonly DataFormat[] = ['jsonl', 'json', 'csv', 'parquet']

/** Parses a data file's bytes; `file` names it in DATASET_PARSE_ERROR messages. */
export async function parseDataFile(bytes: Uint8Array, format: DataFormat, file: string): Promise<Doc[]> {
  switch (format) {
    case 'jsonl':
      return parseJsonl(decodeUtf8(bytes, file), file)
    case 'json':
      return parseJson(decodeUtf8(bytes, file), file)
    case 'csv':
      return parseCsv(decodeUtf8(bytes, file), file)
    case 'parquet':
      return parseParquet(bytes, file)
  }
}

/** The format of a file name like 'test.jsonl'; undefined for other extensions. */
export function formatOf(fileName: string): DataFormat | undefined {
  const dot = fileName.lastIndexOf('.')
  if (dot <= 0) return undefined
  const ext = fileName.slice(dot + 1)
  return (DATA_FORMATS as readonly string[]).includes(ext) ? (ext as DataFormat) : undefined
}
