/**
 * Test support for tests/support/mock-hub.ts: JSON rows → Parquet the way the Hub's conversion stores them.
 * Column types are inferred from the rows: strings (UTF8), integers (INT64), other numbers (DOUBLE), booleans,
 * lists (3-level LIST) and objects (structs), nested to any depth; a column whose values disagree in kind is
 * written as a JSON BYTE_ARRAY. hyparquet reads the file back as the same rows, with INT64 as BigInt.
 */
import { parquetWriteBuffer } from 'hyparquet-writer'

/** A Parquet schema element as hyparquet-writer types it (it bundles its own hyparquet). */
type SchemaElement = NonNullable<Parameters<typeof parquetWriteBuffer>[0]['schema']>[number]

/** The inferred type of a column (or of a list item / struct field). */
export type ColType =
  | { kind: 'null' | 'string' | 'int' | 'float' | 'bool' | 'json' }
  | { kind: 'list'; item: ColType }
  | { kind: 'struct'; fields: [string, ColType][] }

/** A named top-level column. */
export interface Column {
  /** column name (the JSON key) */
  name: string
  /** its type over all rows */
  type: ColType
}

/** The type of one JSON value. */
function typeOf(v: unknown): ColType {
  if (v === null || v === undefined) return { kind: 'null' }
  if (typeof v === 'string') return { kind: 'string' }
  if (typeof v === 'boolean') return { kind: 'bool' }
  if (typeof v === 'number') return { kind: Number.isSafeInteger(v) ? 'int' : 'float' }
  if (Array.isArray(v)) return { kind: 'list', item: v.map(typeOf).reduce(merge, { kind: 'null' }) }
  if (typeof v === 'object') return { kind: 'struct', fields: Object.entries(v).map(([k, x]) => [k, typeOf(x)]) }
  return { kind: 'json' }
}

/** The narrowest type holding values of both types. */
function merge(a: ColType, b: ColType): ColType {
  if (a.kind === 'null') return b
  if (b.kind === 'null') return a
  if (a.kind === 'list' && b.kind === 'list') return { kind: 'list', item: merge(a.item, b.item) }
  if (a.kind === 'struct' && b.kind === 'struct') {
    const fields = new Map(a.fields)
    for (const [k, t] of b.fields) fields.set(k, merge(fields.get(k) ?? { kind: 'null' }, t))
    return { kind: 'struct', fields: [...fields] }
  }
  if (a.kind === b.kind) return a
  if ((a.kind === 'int' && b.kind === 'float') || (a.kind === 'float' && b.kind === 'int')) return { kind: 'float' }
  return { kind: 'json' }
}

/** Replaces types no value pinned down: all-null → string, empty struct → JSON. */
function settle(t: ColType): ColType {
  if (t.kind === 'null') return { kind: 'string' }
  if (t.kind === 'list') return { kind: 'list', item: settle(t.item) }
  if (t.kind === 'struct') return t.fields.length === 0 ? { kind: 'json' } : { kind: 'struct', fields: t.fields.map(([k, f]) => [k, settle(f)]) }
  return t
}

/** The columns of `rows`, in order of first appearance, with types inferred from every row. */
export function inferColumns(rows: readonly Record<string, unknown>[]): Column[] {
  const types = new Map<string, ColType>()
  for (const row of rows) for (const [k, v] of Object.entries(row)) types.set(k, merge(types.get(k) ?? { kind: 'null' }, typeOf(v)))
  return [...types].map(([name, type]) => ({ name, type: settle(type) }))
}

/** Schema elements of one field (depth-first, as Parquet lists them). */
function elements(name: string, t: ColType): SchemaElement[] {
  const repetition_type = 'OPTIONAL'
  switch (t.kind) {
    case 'string': return [{ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type }]
    case 'json': return [{ name, type: 'BYTE_ARRAY', converted_type: 'JSON', repetition_type }]
    case 'int': return [{ name, type: 'INT64', repetition_type }]
    case 'float': return [{ name, type: 'DOUBLE', repetition_type }]
    case 'bool': return [{ name, type: 'BOOLEAN', repetition_type }]
    case 'list': return [
      { name, repetition_type, converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      ...elements('element', t.item),
    ]
    case 'struct': return [{ name, repetition_type, num_children: t.fields.length }, ...t.fields.flatMap(([k, f]) => elements(k, f))]
    case 'null': throw new Error(`column ${name} has no settled type`)
  }
}

/** A JSON value as hyparquet-writer expects it for type `t` (integers as BigInt). */
function toCell(v: unknown, t: ColType): unknown {
  if (v === null || v === undefined) return null
  if (t.kind === 'int') return BigInt(v as number)
  if (t.kind === 'list') return (v as unknown[]).map(x => toCell(x, t.item))
  if (t.kind === 'struct') {
    const o = v as Record<string, unknown>
    return Object.fromEntries(t.fields.map(([k, f]) => [k, toCell(o[k], f)]))
  }
  return v
}

/** The 🤗 Datasets feature of a type, as the dataset-viewer and the Parquet `huggingface` metadata show it. */
export function feature(t: ColType): unknown {
  switch (t.kind) {
    case 'int': return { dtype: 'int64', _type: 'Value' }
    case 'float': return { dtype: 'float64', _type: 'Value' }
    case 'bool': return { dtype: 'bool', _type: 'Value' }
    case 'list': return { feature: feature(t.item), _type: 'List' }
    case 'struct': return Object.fromEntries(t.fields.map(([k, f]) => [k, feature(f)]))
    default: return { dtype: 'string', _type: 'Value' }
  }
}

/** Column name → feature. */
export function features(columns: readonly Column[]): Record<string, unknown> {
  return Object.fromEntries(columns.map(c => [c.name, feature(c.type)]))
}

/** The Parquet bytes of `rows` (snappy, row groups as hyparquet-writer's defaults). */
export function rowsToParquet(rows: readonly Record<string, unknown>[], columns: readonly Column[] = inferColumns(rows)): Uint8Array {
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }, ...columns.flatMap(c => elements(c.name, c.type))]
  const columnData = columns.map(c => ({ name: c.name, data: rows.map(r => toCell(r[c.name], c.type)) }))
  const kvMetadata = [{ key: 'huggingface', value: JSON.stringify({ info: { features: features(columns) } }) }]
  return new Uint8Array(parquetWriteBuffer({ schema, columnData, kvMetadata }))
}
