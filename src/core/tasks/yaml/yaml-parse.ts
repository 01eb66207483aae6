/**
 * Parses one lm-eval YAML file as PyYAML does (YAML 1.1 with PyYAML's own implicit resolvers), keeping mapping
 * order, and marks `!function module.fn` scalars (lm-eval.md §2.2).
 */
import { parseDocument } from 'yaml'
import type { ScalarTag, Tags } from 'yaml'
import { HarnessError } from '../../errors.ts'
import { indentQuotedContinuations } from './quoted-continuations.ts'

/** A `!function` scalar as written, e.g. 'utils.process_docs'. */
export class FunctionTag {
  constructor(readonly spec: string) {}
}

/** A parsed YAML value: mappings are Maps in source order (PyYAML dicts keep insertion order). */
export type YamlValue = null | boolean | number | string | FunctionTag | YamlValue[] | Map<YamlKey, YamlValue>

/** A mapping key (PyYAML allows int, float, bool and None keys). */
export type YamlKey = string | number | boolean | null

// PyYAML's implicit resolvers (yaml/resolver.py); note y/n and 1e5 are strings there.
const BOOL_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/
const BOOL_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/
const INT = /^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$/
const FLOAT = /^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9_]+(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/

function sexagesimal(digits: string): number {
  return digits.split(':').reduce((acc, part) => acc * 60 + Number(part), 0)
}

/** PyYAML's construct_yaml_int. */
function pyYamlInt(text: string): number {
  let s = text.replaceAll('_', '')
  let sign = 1
  if (s[0] === '-') sign = -1
  if (s[0] === '-' || s[0] === '+') s = s.slice(1)
  if (s === '0') return 0
  if (s.startsWith('0b')) return sign * Number.parseInt(s.slice(2), 2)
  if (s.startsWith('0x')) return sign * Number.parseInt(s.slice(2), 16)
  if (s[0] === '0') return sign * Number.parseInt(s, 8)
  if (s.includes(':')) return sign * sexagesimal(s)
  return sign * Number(s)
}

/** PyYAML's construct_yaml_float. */
function pyYamlFloat(text: string): number {
  let s = text.replaceAll('_', '').toLowerCase()
  let sign = 1
  if (s[0] === '-') sign = -1
  if (s[0] === '-' || s[0] === '+') s = s.slice(1)
  if (s === '.inf') return sign * Infinity
  if (s === '.nan') return NaN
  if (s.includes(':')) return sign * sexagesimal(s)
  return sign * Number(s)
}

const PY_TAGS: ScalarTag[] = [
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL_TRUE, identify: v => v === true, resolve: () => true },
  { tag: 'tag:yaml.org,2002:bool', default: true, test: BOOL_FALSE, identify: v => v === false, resolve: () => false },
  { tag: 'tag:yaml.org,2002:int', default: true, test: INT, identify: v => Number.isInteger(v), resolve: pyYamlInt },
  { tag: 'tag:yaml.org,2002:float', default: true, test: FLOAT, identify: v => typeof v === 'number', resolve: pyYamlFloat },
  { tag: '!function', resolve: (s: string) => new FunctionTag(s) },
]

const KEPT = new Set(['tag:yaml.org,2002:map', 'tag:yaml.org,2002:seq', 'tag:yaml.org,2002:str', 'tag:yaml.org,2002:null', 'tag:yaml.org,2002:merge'])

function pyYamlTags(tags: Tags): Tags {
  return [...tags.filter(t => typeof t !== 'string' && KEPT.has(t.tag)), ...PY_TAGS]
}

/** Parses YAML text as PyYAML's loader would; `file` names the file in errors. */
export function parseYaml(text: string, file: string): YamlValue {
  let doc = parseDocument(text, { version: '1.1', customTags: pyYamlTags, uniqueKeys: false, merge: true })
  if (doc.errors.length > 0) {
    // PyYAML also reads quoted scalars whose continuation lines are not indented past their key
    const lenient = parseDocument(indentQuotedContinuations(text), { version: '1.1', customTags: pyYamlTags, uniqueKeys: false, merge: true })
    if (lenient.errors.length === 0) doc = lenient
  }
  const problem = doc.errors[0] ?? doc.warnings.find(w => w.code === 'TAG_RESOLVE_FAILED')
  if (problem !== undefined) {
    const pos = problem.linePos?.[0]
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file
    throw new HarnessError('TASK_SPEC_INVALID', `${where}: YAML error: ${problem.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')}`, { file })
  }
  return doc.toJS({ mapAsMap: true, maxAliasCount: 10000 }) as YamlValue
}

/** True for a YAML mapping. */
export function isYamlMap(v: unknown): v is Map<YamlKey, YamlValue> {
  return v instanceof Map
}
