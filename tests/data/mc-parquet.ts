/** Test helper: MMLU-like rows written as Parquet in the Hub's layout (choices a 3-level LIST of UTF8, answer INT64). */
import { parquetWriteBuffer } from 'hyparquet-writer'

/** One MMLU-like row. */
export interface McRow {
  question: string
  subject: string
  choices: string[]
  answer: number
}

/** The Parquet bytes of `rows`. */
export function mcParquetShard(rows: readonly McRow[]): Uint8Array {
  const schema = [
    { name: 'root', num_children: 4 },
    { name: 'question', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'subject', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'choices', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    { name: 'answer', type: 'INT64', repetition_type: 'OPTIONAL' },
  ] as Parameters<typeof parquetWriteBuffer>[0]['schema']
  return new Uint8Array(parquetWriteBuffer({
    schema,
    columnData: [
      { name: 'question', data: rows.map(r => r.question) },
      { name: 'subject', data: rows.map(r => r.subject) },
      { name: 'choices', data: rows.map(r => r.choices) },
      { name: 'answer', data: rows.map(r => BigInt(r.answer)) },
    ],
  }))
}
