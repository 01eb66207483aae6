/**
 * YAML that PyYAML reads reads the same in evalz: own quirk fixtures against committed PyYAML output
 * (fixtures/yaml-quirks/gen_golden.py), and the lm-eval task files the `yaml` package alone rejects against
 * python3's PyYAML run now (skipped, saying so, when ../shared or PyYAML is absent).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { FunctionTag, parseYaml } from '../../../../src/core/tasks/yaml/yaml-parse.ts'
import { indentQuotedContinuations } from '../../../../src/core/tasks/yaml/quoted-continuations.ts'

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/yaml-quirks')
const TREE = resolve(import.meta.dirname, '../../../../../shared/lm-eval/tasks')

/** Parsed YAML as PyYAML's json.dumps would give it (`!function x` as the string '!function x'). */
function plain(v: unknown): unknown {
  if (v instanceof FunctionTag) return `!function ${v.spec}`
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x)]))
  if (Array.isArray(v)) return v.map(plain)
  return v
}

/** The lm-eval files whose quoted scalars continue at a lower indentation (the `yaml` package alone rejects them). */
const LENIENT_FILES = [
  'acpbench/boolq_cot_2shot/just.yaml', 'acpbench/boolq_cot_2shot/land.yaml', 'acpbench/boolq_cot_2shot/reach.yaml',
  ...['adg_group_p1', 'adg_group_p2', 'fic_group_p2', 'wn_group_p1', 'wn_group_p2'].map(s => `evalita_llm/_evalita-mp_ner-${s}.yaml`),
  ...['adg_p1', 'adg_p2', 'fic_p1', 'fic_p2', 'wn_p1', 'wn_p2'].map(s => `evalita_llm/_evalita-mp_ner_${s}.yaml`),
  'evalita_llm/_evalita-mp_re_p1.yaml', 'evalita_llm/_evalita-mp_re_p2.yaml',
  ...['easy', 'medium', 'hard'].map(s => `jsonschema_bench/jsonschema_bench_${s}.yaml`),
  'xnli_eu/xnli_eu.yaml', 'xnli_eu/xnli_eu_mt.yaml', 'xnli_eu/xnli_eu_native.yaml',
]

function pyYamlAvailable(): boolean {
  try {
    execFileSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

const haveTree = existsSync(join(TREE, 'xnli_eu/xnli_eu.yaml'))
const havePy = haveTree && pyYamlAvailable()
if (!haveTree) console.log(`skipping the lm-eval tree YAML check: ${TREE} is absent`)
else if (!havePy) console.log('skipping the lm-eval tree YAML check: python3 with PyYAML is absent')

describe('PyYAML leniency: quoted scalars continued at any indentation', () => {
  it('reads the quirk fixtures as PyYAML does (golden.json from gen_golden.py)', () => {
    const golden = JSON.parse(readFileSync(join(FIXTURES, 'golden.json'), 'utf8')) as Record<string, unknown>
    for (const [name, want] of Object.entries(golden)) {
      expect(plain(parseYaml(readFileSync(join(FIXTURES, name), 'utf8'), name)), name).toEqual(want)
    }
  })
  it('only ever adds indentation to continuation lines of quoted scalars', () => {
    const text = readFileSync(join(FIXTURES, 'continuations.yaml'), 'utf8')
    const fixed = indentQuotedContinuations(text)
    const a = text.split('\n')
    const b = fixed.split('\n')
    expect(b.length).toBe(a.length)
    const changed = a.flatMap((line, i) => (b[i] === line ? [] : [i + 1]))
    expect(changed).toEqual([4, 6, 7, 9, 14, 20, 23])
    for (const n of changed) expect(b[n - 1].trimStart()).toBe(a[n - 1].trimStart())
  })
  it.skipIf(!havePy)('reads the lm-eval tree files the `yaml` package alone rejects exactly as python3 PyYAML does', () => {
    const files = LENIENT_FILES.map(f => join(TREE, f))
    const script = [
      'import sys, json, yaml',
      'class L(yaml.SafeLoader): pass',
      "L.add_constructor('!function', lambda l, n: '!function ' + l.construct_scalar(n))",
      'print(json.dumps([yaml.load(open(f, "rb"), Loader=L) for f in sys.argv[1:]]))',
    ].join('\n')
    const want = JSON.parse(execFileSync('python3', ['-c', script, ...files], { encoding: 'utf8', maxBuffer: 1 << 26 })) as unknown[]
    files.forEach((f, i) => expect(plain(parseYaml(readFileSync(f, 'utf8'), f)), f).toEqual(want[i]))
  })
})
