/**
 * Column detection for auto-mapped dataset tasks (auto-map.ts): which column is the question, which hold the
 * choices, which is the gold answer and how it encodes the answer. Decisions look at a few sample rows only and
 * are deterministic: names are tried in the priority order of the lists below (matched case-insensitively,
 * the first column in row order wins for a name), and a column qualifies only when every sample row has a value
 * of the expected shape.
 *
 * Priorities:
 * - question: QUESTION_COLUMNS, a string in every row. A PASSAGE_COLUMNS column (another string column), when
 *   present, is put before the question (boolq / sciq layout).
 * - choices, first kind that fits:
 *   1. a list column named in CHOICE_COLUMNS whose values are lists of ≥ 2 strings → `doc_to_choice: <column>`;
 *   2. a dict column named in CHOICE_COLUMNS with a `text` list of ≥ 2 strings (and optionally a `label` list, ARC /
 *      OpenBookQA) → `{{col.text}}`;
 *   3. a family of string columns with a shared choice-like prefix (none, option, opt, choice, sol, ending, answer,
 *      op; `_` allowed after it) and a suffix run A, B, C… / a, b, c… / 0, 1, 2… / 1, 2, 3… of ≥ 2 columns
 *      (MMLU-style A–D, PIQA's sol1/sol2, MedMCQA's opa–opd, Winogrande's option1/option2) → `{{[A, B, C, D]}}`.
 * - gold: GOLD_COLUMNS in order (never a choice column); the first column with a rule that holds on every row:
 *   int index (0-based; 1-based only when 0-based cannot hold) → `<column>` / `{{col - 1}}`; a member of the
 *   dict's `label` list → `{{choices.label.index(col)}}`; a digit string → `{{col}}` / `{{col|int - 1}}`;
 *   one letter → `{{'ABC…'.index(col)}}`; the text of a choice → `{{<choices>.index(col)}}`.
 * - generation answer: GENERATION_ANSWER_COLUMNS, a string or number in every row → `{{col}}`.
 * Only columns whose names are Jinja identifiers can appear in templates; others are ignored.
 */
import type { Doc } from '../source.ts'

/** Question-like columns, most specific first. */
export const QUESTION_COLUMNS: readonly string[] = [
  'question', 'query', 'prompt', 'input', 'question_stem', 'goal', 'problem', 'instruction', 'sentence', 'text',
  'ctx', 'context', 'premise', 'stem',
]
/** Passage-like columns shown before the question when the question is another column. */
export const PASSAGE_COLUMNS: readonly string[] = ['passage', 'context', 'support', 'article', 'paragraph']
/** Names of list or dict columns holding the choices. */
export const CHOICE_COLUMNS: readonly string[] = ['choices', 'options', 'endings', 'answers', 'candidates', 'answer_choices', 'choice']
/** Gold-answer columns of a multiple-choice dataset. */
export const GOLD_COLUMNS: readonly string[] = [
  'answer', 'label', 'target', 'answerkey', 'answer_key', 'gold', 'correct', 'answer_idx', 'answer_index',
  'correct_answer', 'output',
]
/** Answer columns of a generation dataset. */
export const GENERATION_ANSWER_COLUMNS: readonly string[] = [
  'answer', 'target', 'output', 'solution', 'response', 'completion', 'gold', 'correct_answer', 'expected_answer',
  'final_answer',
]

/** How the choices of a row are found. */
export type ChoiceSource =
  | { readonly kind: 'list'; readonly column: string }
  | { readonly kind: 'dict'; readonly column: string; readonly hasLabels: boolean }
  | { readonly kind: 'columns'; readonly columns: readonly string[] }

/** How the gold answer is encoded. */
export type GoldRule = 'index' | 'index1' | 'label' | 'digit' | 'digit1' | 'letter' | 'text'

/** A gold column and its rule. */
export interface Gold {
  readonly column: string
  readonly rule: GoldRule
  /** letters are surrounded by whitespace in some row (the template strips them) */
  readonly strip: boolean
}

const JINJA_RESERVED = new Set(['true', 'false', 'none', 'True', 'False', 'None', 'and', 'or', 'not', 'in', 'is', 'if', 'else'])
const FAMILY = /^(option_?|opt_?|choice_?|sol|ending_?|answer_?|op)?([A-Za-z]|\d+)$/i
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

/** True when a column name can be written in a Jinja template as a bare variable. */
export function isTemplateName(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !JINJA_RESERVED.has(name)
}

/** The columns of the sample rows, in first-seen order. */
export function columnsOf(rows: readonly Doc[]): string[] {
  const seen = new Set<string>()
  for (const row of rows) for (const k of Object.keys(row)) seen.add(k)
  return [...seen]
}

/** A short type name of a column's values over the rows: string, int, float, bool, list, dict, null or mixed. */
export function columnType(rows: readonly Doc[], column: string): string {
  const types = new Set(rows.map(r => typeName(r[column])))
  return types.size === 1 ? [...types][0] : 'mixed'
}

function typeName(v: unknown): string {
  if (v === null || v === undefined) return 'null'
  if (typeof v === 'string') return 'string'
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float'
  if (typeof v === 'boolean') return 'bool'
  if (Array.isArray(v)) return 'list'
  return typeof v === 'object' ? 'dict' : typeof v
}

/** The usable column for each priority name: exact name first, then a case-insensitive match, in row order. */
function byPriority(columns: readonly string[], names: readonly string[]): string[] {
  const out: string[] = []
  for (const name of names) {
    const hit = columns.find(c => c === name) ?? columns.find(c => c.toLowerCase() === name)
    if (hit !== undefined && isTemplateName(hit) && !out.includes(hit)) out.push(hit)
  }
  return out
}

function every(rows: readonly Doc[], test: (row: Doc) => boolean): boolean {
  return rows.length > 0 && rows.every(test)
}

function isStringList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length >= 2 && v.every(x => typeof x === 'string')
}

/** The question column: the first QUESTION_COLUMNS name holding a string in every row. */
export function findQuestion(rows: readonly Doc[], columns: readonly string[]): string | undefined {
  return byPriority(columns, QUESTION_COLUMNS).find(c => every(rows, r => typeof r[c] === 'string'))
}

/** A passage column distinct from the question, or undefined. */
export function findPassage(rows: readonly Doc[], columns: readonly string[], question: string): string | undefined {
  return byPriority(columns, PASSAGE_COLUMNS).find(c => c !== question && every(rows, r => typeof r[c] === 'string'))
}

/** The choices, trying list columns, dict columns, then column families. */
export function findChoices(rows: readonly Doc[], columns: readonly string[]): ChoiceSource | undefined {
  const named = byPriority(columns, CHOICE_COLUMNS)
  const list = named.find(c => every(rows, r => isStringList(r[c])))
  if (list !== undefined) return { kind: 'list', column: list }
  for (const c of named) {
    const dictOk = every(rows, r => {
      const v = r[c]
      return typeof v === 'object' && v !== null && !Array.isArray(v) && isStringList((v as Doc).text)
    })
    if (!dictOk) continue
    const hasLabels = every(rows, r => {
      const v = r[c] as Doc
      return Array.isArray(v.label) && v.label.length === (v.text as unknown[]).length && v.label.every(x => typeof x === 'string')
    })
    return { kind: 'dict', column: c, hasLabels }
  }
  const family = findFamily(columns)
  if (family && every(rows, r => family.every(c => typeof r[c] === 'string'))) return { kind: 'columns', columns: family }
  return undefined
}

/** The first run of ≥ 2 columns sharing a choice-like prefix with suffixes A, B, … / a, b, … / 0, 1, … / 1, 2, …. */
function findFamily(columns: readonly string[]): string[] | undefined {
  const groups = new Map<string, Map<string, string>>()
  for (const c of columns) {
    const m = FAMILY.exec(c)
    if (!m || !isTemplateName(c)) continue
    const prefix = m[1] ?? ''
    const suffixes = groups.get(prefix) ?? new Map<string, string>()
    suffixes.set(m[2], c)
    groups.set(prefix, suffixes)
  }
  for (const suffixes of groups.values()) {
    for (const start of ['A', 'a', '0', '1']) {
      const run: string[] = []
      for (let i = 0; ; i++) {
        const key = /\d/.test(start) ? String(Number(start) + i) : String.fromCharCode(start.charCodeAt(0) + i)
        const col = suffixes.get(key)
        if (col === undefined || i >= 26) break
        run.push(col)
      }
      if (run.length >= 2) return run
    }
  }
  return undefined
}

/** Choice texts of a row under a choice source. */
export function rowChoices(row: Doc, choices: ChoiceSource): string[] {
  switch (choices.kind) {
    case 'list': return row[choices.column] as string[]
    case 'dict': return (row[choices.column] as Doc).text as string[]
    case 'columns': return choices.columns.map(c => row[c] as string)
  }
}

function choiceColumns(choices: ChoiceSource): string[] {
  return choices.kind === 'columns' ? [...choices.columns] : [choices.column]
}

/** The gold column and rule: GOLD_COLUMNS in order, each with the rules in order; undefined when none holds. */
export function findGold(rows: readonly Doc[], columns: readonly string[], choices: ChoiceSource): Gold | undefined {
  const used = choiceColumns(choices)
  for (const column of byPriority(columns, GOLD_COLUMNS)) {
    if (used.includes(column)) continue
    const rule = goldRule(rows, column, choices)
    if (rule !== undefined) return rule
  }
  return undefined
}

function goldRule(rows: readonly Doc[], column: string, choices: ChoiceSource): Gold | undefined {
  const n = (r: Doc): number => rowChoices(r, choices).length
  const v = (r: Doc): unknown => r[column]
  const gold = (rule: GoldRule, strip = false): Gold => ({ column, rule, strip })
  const isInt = (x: unknown): x is number => typeof x === 'number' && Number.isInteger(x)
  if (every(rows, r => isInt(v(r)))) {
    if (rows.every(r => (v(r) as number) >= 0 && (v(r) as number) < n(r))) return gold('index')
    if (rows.every(r => (v(r) as number) >= 1 && (v(r) as number) <= n(r))) return gold('index1')
    return undefined
  }
  if (!every(rows, r => typeof v(r) === 'string')) return undefined
  const s = (r: Doc): string => v(r) as string
  if (choices.kind === 'dict' && choices.hasLabels && rows.every(r => ((r[choices.column] as Doc).label as string[]).includes(s(r)))) {
    return gold('label')
  }
  if (rows.every(r => /^[0-9]+$/.test(s(r)))) {
    if (rows.every(r => Number(s(r)) < n(r))) return gold('digit')
    if (rows.every(r => Number(s(r)) >= 1 && Number(s(r)) <= n(r))) return gold('digit1')
  }
  const trimmed = (r: Doc): string => s(r).trim()
  const upper = rows.every(r => /^[A-Z]$/.test(trimmed(r)))
  const lower = rows.every(r => /^[a-z]$/.test(trimmed(r)))
  if ((upper || lower) && rows.every(r => ALPHABET.indexOf(trimmed(r).toUpperCase()) < n(r))) {
    return gold('letter', rows.some(r => s(r) !== trimmed(r)))
  }
  if (rows.every(r => rowChoices(r, choices).includes(s(r)))) return gold('text')
  return undefined
}

/** The answer column of a generation dataset (strings or numbers), or undefined. */
export function findGenerationAnswer(rows: readonly Doc[], columns: readonly string[], question: string): string | undefined {
  return byPriority(columns, GENERATION_ANSWER_COLUMNS).find(c => c !== question && every(rows, r => {
    const x = r[c]
    return typeof x === 'string' || (typeof x === 'number' && Number.isFinite(x))
  }))
}

/** doc_to_choice for a choice source. */
export function choiceTemplate(choices: ChoiceSource): string {
  switch (choices.kind) {
    case 'list': return choices.column
    case 'dict': return `{{${choices.column}.text}}`
    case 'columns': return `{{[${choices.columns.join(', ')}]}}`
  }
}

/** doc_to_target for a gold rule over a choice source. */
export function targetTemplate(gold: Gold, choices: ChoiceSource, rows: readonly Doc[]): string {
  const col = gold.column
  switch (gold.rule) {
    case 'index': return col
    case 'index1': return `{{${col} - 1}}`
    case 'label': return `{{${(choices as { column: string }).column}.label.index(${col})}}`
    case 'digit': return `{{${col}}}`
    case 'digit1': return `{{${col}|int - 1}}`
    case 'letter': {
      const lower = rows.every(r => /^[a-z]$/.test(String(r[col]).trim()))
      const alphabet = lower ? ALPHABET.toLowerCase() : ALPHABET
      return `{{'${alphabet}'.index(${gold.strip ? `${col}.strip()` : col})}}`
    }
    case 'text': {
      const list = choices.kind === 'list' ? choices.column : choices.kind === 'dict' ? `${choices.column}.text` : `[${choices.columns.join(', ')}]`
      return `{{${list}.index(${col})}}`
    }
  }
}
