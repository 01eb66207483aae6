/**
 * Fault injection, in process (issue 17): generated bad inputs — every file format cut at each of its sections,
 * malformed dataset rows, hostile templates, regexes and YAML — each either accepted as valid or refused with
 * one line naming the input; never a crash, a raw error, a hang or a silently wrong value. The per-class counts
 * are printed when the file ends.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSafetensorsHeader, readTensor } from '../../src/backends/safetensors/safetensors-file.ts'
import { bytesSource as ggufSource, readGgufHeader, readTensorBytes } from '../../src/backends/gguf/gguf-file.ts'
import { parseRun } from '../../src/core/compare/run-data.ts'
import { parseCsv } from '../../src/data/parse-csv.ts'
import { parseJsonl } from '../../src/data/parse-jsonl.ts'
import { renderTemplate, TemplateError } from '../../src/core/template/index.ts'
import { pyRegex } from '../../src/core/python/regex.ts'
import { loadTaskYaml } from '../../src/core/tasks/yaml/task-yaml-loader.ts'
import { planTask } from '../../src/core/tasks/task-plan.ts'
import { catalogueWithYaml } from '../../src/core/tasks/yaml/yaml-catalogue.ts'
import { resolveSelection } from '../../src/core/tasks/registry.ts'
import { builtinCatalogue } from '../../src/core/catalogue.ts'
import { HarnessError } from '../../src/core/errors.ts'
import type { Doc, DocSource } from '../../src/core/source.ts'
import type { TaskSpec } from '../../src/core/tasks/task-spec.ts'
import { safetensorsFolder, tinyWeights, TINY } from '../backends/checkpoint/convert-files.ts'
import { llamaGguf } from '../backends/gguf/fixtures/llama-gguf.ts'
import { cutPoints, fault, tally, tallyLines } from './fault-contract.ts'

const ROOT = join(import.meta.dirname, '../..')
const EVALZ_OUT = join(ROOT, 'tests/core/compare/fixtures/evalz-out')

afterAll(() => {
  console.log(tallyLines('fault suite (inputs)').join('\n'))
})

/** Offsets at which each line of a text starts and the middle of each line. */
function lineCuts(text: string): number[] {
  const out: number[] = []
  let at = 0
  for (const line of text.split('\n')) {
    out.push(at, at + Math.floor(line.length / 2))
    at += line.length + 1
  }
  return [...new Set(out)].filter(n => n > 0 && n < text.length)
}

describe('truncated files', () => {
  it('safetensors cut at every section (length, header, each tensor) is refused naming the file', async () => {
    const bytes = safetensorsFolder(tinyWeights()).get('model.safetensors') as Uint8Array
    const headerLength = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true))
    const whole = await readSafetensorsHeader(ggufSource(bytes), 'model.safetensors')
    const bounds = [8, 8 + headerLength, ...[...whole.tensors.values()].flatMap(t => [t.offset, t.offset + t.byteLength])]
    for (const cut of cutPoints(bytes.length, bounds)) {
      const src = ggufSource(bytes.slice(0, cut))
      await fault('truncated safetensors', `cut at ${cut}`, async () => {
        const file = await readSafetensorsHeader(src, 'model.safetensors')
        for (const name of file.tensors.keys()) await readTensor(file, name)
        return file
      }, { mustName: 'model.safetensors', mustRefuse: true })
    }
  })

  it('GGUF cut at every section (magic, version, counts, each key, each tensor info, data) is refused', async () => {
    const { bytes } = llamaGguf(TINY, tinyWeights())
    const whole = await readGgufHeader(ggufSource(bytes))
    const bounds = [4, 8, 16, 24, whole.dataOffset, ...whole.tensors.map(t => whole.dataOffset + t.offset)]
    // every metadata key and tensor-info boundary: cut inside the header at many points
    const headerCuts = Array.from({ length: 40 }, (_, i) => Math.floor((whole.dataOffset * i) / 40))
    for (const cut of cutPoints(bytes.length, [...bounds, ...headerCuts])) {
      const src = ggufSource(bytes.slice(0, cut))
      await fault('truncated GGUF', `cut at ${cut}`, async () => {
        const file = await readGgufHeader(src)
        for (const t of file.tensors) await readTensorBytes(src, file, t)
        return file
      }, { mustName: /gguf/, mustRefuse: true })
    }
  })

  it("results.json and samples cut anywhere never pass for a whole run; a samples fault names the samples file's task", async () => {
    const results = readFileSync(join(EVALZ_OUT, 'results.json'), 'utf8')
    const samplesFiles = readdirSync(EVALZ_OUT).filter(f => f.startsWith('samples_'))
    const samples = Object.fromEntries(samplesFiles.map(f => [f.slice(8, -6), readFileSync(join(EVALZ_OUT, f), 'utf8')]))
    for (const cut of cutPoints(results.length, lineCuts(results).filter((_, i) => i % 7 === 0), 24)) {
      // a cut that removes only trailing whitespace leaves the whole file
      await fault('truncated results.json', `cut at ${cut}`, () => parseRun(results.slice(0, cut), samples), { mustRefuse: results.slice(cut).trim() !== '' })
    }
    for (const [task, text] of Object.entries(samples)) {
      for (const cut of lineCuts(text)) {
        await fault('truncated samples_*.jsonl', `${task} cut at ${cut}`, () => parseRun(results, { ...samples, [task]: text.slice(0, cut) }), {
          mustName: `task '${task}'`, mustRefuse: true,
        })
      }
    }
  })

  it('dataset files (jsonl, csv) cut anywhere: valid rows or one line naming the file', async () => {
    const dir = join(ROOT, 'public/datasets/evalz/demo-capitals/default')
    for (const f of readdirSync(dir)) {
      const text = readFileSync(join(dir, f), 'utf8')
      for (const cut of lineCuts(text).slice(0, 40)) {
        await fault('truncated dataset file', `${f} cut at ${cut}`, () => parseJsonl(text.slice(0, cut), `demo/${f}`), { mustName: `demo/${f}` })
      }
    }
    const csv = 'question,choices,label\n"What, then?","[""a"", ""b""]",0\nplain,"[""x""]",1\n'
    for (let cut = 1; cut < csv.length; cut++) {
      await fault('truncated dataset file', `csv cut at ${cut}`, () => parseCsv(csv.slice(0, cut), 'x/test.csv'), { mustName: 'x/test.csv' })
    }
  })
})

/** A source over in-memory splits. */
function source(rows: Doc[]): DocSource {
  return {
    description: 'memory',
    async hasSplit() { return true },
    async loadSplit() { return rows },
  }
}

describe('malformed rows', () => {
  const MC: TaskSpec = {
    task: 'rows_mc', dataset_path: 'rows', output_type: 'multiple_choice', test_split: 'test',
    doc_to_text: '{{question}}', doc_to_choice: 'choices', doc_to_target: 'label',
  }
  const values: unknown[] = [null, '', 'label', -1, 7, 1.5, true, [], {}, ['a'], 'x'.repeat(100_000)]
  it('each field replaced by each odd value: a plan with a valid gold, or one line naming the task', async () => {
    for (const field of ['question', 'choices', 'label', undefined]) {
      for (const v of values) {
        const row: Record<string, unknown> = { question: 'q?', choices: ['yes', 'no'], label: 0 }
        if (field === undefined) row.extra = v
        else if (v === undefined) delete row[field]
        else row[field] = v
        const rows = [{ question: 'ok', choices: ['a', 'b'], label: 1 }, row as Doc]
        // a gold that is neither a valid index nor one of the choices must be refused, not scored
        await fault('malformed rows', `${field}=${JSON.stringify(v)?.slice(0, 20)}`, () => planTask(MC, source(rows), { fewshotSeed: 1234 }), {
          mustName: "task 'rows_mc'",
          accept: plan => plan.docs.every(d => typeof d.target === 'number' || typeof d.target === 'boolean' ? Number(d.target) >= 0 && Number(d.target) < (d.choices?.length ?? 0) : typeof d.target === 'string' && (d.choices ?? []).includes(d.target)),
        })
      }
      const without: Record<string, unknown> = { question: 'q?', choices: ['yes', 'no'], label: 0 }
      if (field !== undefined) delete without[field]
      await fault('malformed rows', `${field} missing`, () => planTask(MC, source([without as Doc]), { fewshotSeed: 1234 }), {
        mustName: "task 'rows_mc'",
        accept: () => field === undefined,
      })
    }
  })
})

/** Renders as a task does: a TemplateError becomes the task's HarnessError (anything else stays a failure). */
function render(t: string): string {
  try {
    return renderTemplate(t, {})
  } catch (e) {
    if (e instanceof TemplateError) throw new HarnessError('TEMPLATE_ERROR', e.message)
    throw e
  }
}

describe('hostile templates', () => {
  const sizes = ['10**9', '2**40', '2**21', '10**4']
  const shapes: ((n: string) => string)[] = [
    n => `{% for i in range(${n}) %}x{% endfor %}`,
    n => `{% for i in range(${n}) %}{% for j in range(${n}) %}{% endfor %}{% endfor %}`,
    n => `{{ 'ab' * ${n} }}`,
    n => `{{ [1] * ${n} }}`,
    n => `{{ 'a'.ljust(${n}) }}`,
    n => `{{ 'a'.center(${n}) }}`,
    n => `{{ 'a' | indent(${n}) }}`,
    n => `{{ '%${n.replace(/\D.*/, '')}d' % 1 }}`,
    n => `{{ range(${n}) | list | length }}`,
    n => `{{ range(${n}) | join(',') }}`,
    n => `{% set x = range(${n}) | list %}{{ x | length }}`,
    n => `{{ (range(${n}) | map('string') | list)[0] }}`,
  ]
  it('loops, repetitions and paddings of every size fail in one line or render within the budget', async () => {
    for (const shape of shapes) {
      for (const n of sizes) {
        const t = shape(n)
        await fault('hostile templates', t, () => render(t), { accept: out => out.length < 1 << 28 })
      }
    }
    for (const depth of [100, 5000, 50_000]) {
      for (const [open, close] of [['(', ')'], ['[', ']'], ['{% if 1 %}', '{% endif %}'], ['{% for a in [1] %}', '{% endfor %}']]) {
        const inner = open.startsWith('{%') ? 'x' : '1'
        const t = open.startsWith('{%') ? open.repeat(depth) + inner + close.repeat(depth) : `{{ ${open.repeat(depth)}${inner}${close.repeat(depth)} }}`
        await fault('hostile templates', `nesting ${open} ×${depth}`, () => render(t))
      }
    }
  })
})

describe('hostile regexes', () => {
  const atoms = ['a', '\\w', '.', '[a-z]', '\\d', '(?:ab)', '\\s']
  const exponential = [(x: string) => `(${x}+)+$`, (x: string) => `(${x}*)*$`, (x: string) => `(${x}|${x})*$`,
    (x: string) => `(${x}+${x}+)+$`, (x: string) => `(?:${x}*${x}?)*!`, (x: string) => `((${x}+)*)+$`]
  const linear = [(x: string) => `(${x}+!)*$`, (x: string) => `${x}+$`, (x: string) => `(?:${x}|!)+`, (x: string) => `(${x}{2})*$`]
  it('nested and overlapping repeats are refused before matching; linear ones run on adversarial text', async () => {
    for (const atom of atoms) {
      for (const form of exponential) {
        const p = form(atom)
        await fault('hostile regexes', p, () => pyRegex(p), { mustName: JSON.stringify(p), mustRefuse: true })
      }
      for (const form of linear) {
        const p = form(atom)
        const attack = `${'a1 b'.repeat(500)}\u0000`
        await fault('hostile regexes', p, () => pyRegex(p).findall(attack))
      }
    }
  })
})

/** An in-memory folder of YAML files. */
function reader(files: Record<string, string>) {
  return {
    async list(dir: string) {
      const names = new Set<string>()
      for (const p of Object.keys(files)) {
        if (!p.startsWith(`${dir}/`)) continue
        const rest = p.slice(dir.length + 1)
        names.add(rest.includes('/') ? `${rest.split('/')[0]}/` : rest)
      }
      return [...names]
    },
    async read(path: string) {
      const text = files[path]
      if (text === undefined) throw new HarnessError('MODEL_NOT_FOUND', `no ${path}`)
      return text
    },
  }
}

describe('hostile YAML', () => {
  const base = 'task: y_task\ndataset_path: x\noutput_type: multiple_choice\ntest_split: test\ndoc_to_text: "{{q}}"\ndoc_to_choice: c\ndoc_to_target: 0\n'
  const laughs = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(9).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`)].join('\n')
  const hostile: Record<string, string> = {
    'billion laughs': `${laughs}\n${base}`,
    'no task key': 'dataset_path: x\noutput_type: multiple_choice\n',
    'task is a list': 'task: [1, 2]\n',
    'deep nesting': `task: deep\nx: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
    'include cycle': 'include: cyc.yaml\ntask: cyc\n',
    'include missing': 'include: nowhere.yaml\ntask: inc\n',
    'unknown function': `${base.replace('y_task', 'fn')}process_docs: !function utils.nope\n`,
    'bad output_type': base.replace('multiple_choice', 'telepathy'),
    'tab indentation': 'task: t\n\tdataset_path: x\n',
    'binary junk': '\u0000\u0001\u0002\ufffd: \u0000',
    'huge scalar': `task: big\ndoc_to_text: "${'x'.repeat(1_000_000)}"\n`,
  }
  it('each hostile file is refused naming it, or loads as a valid task', async () => {
    for (const [name, text] of Object.entries(hostile)) {
      const files = { 'root/cyc.yaml': 'include: cyc.yaml\ntask: cyc\n', 'root/t.yaml': text }
      await fault('hostile YAML', name, () => loadTaskYaml(reader(files), ['root'], { strict: true }), { mustName: /root\/(t|cyc)\.yaml/ })
    }
    // every truncation of a valid file
    for (let cut = 1; cut < base.length; cut += 3) {
      await fault('hostile YAML', `cut at ${cut}`, () => loadTaskYaml(reader({ 'root/t.yaml': base.slice(0, cut) }), ['root'], { strict: true }), { mustName: 'root/t.yaml' })
    }
  })

  it('a single YAML without task: is refused naming the file; in a folder it is skipped, as lm-eval does', async () => {
    const files = { 'root/t.yaml': hostile['no task key'] as string }
    await fault('hostile YAML', 'no task key (single file)', () => loadTaskYaml(reader(files), ['root'], { strict: true }), {
      mustName: /^root\/t\.yaml defines no task, group or tag/, mustRefuse: true,
    })
    expect((await loadTaskYaml(reader(files), ['root'])).tasks).toEqual([])
    expect(tally.size).toBeGreaterThan(0)
  })

  it('asking for the task of a file that did not parse (an alias bomb, a syntax error) names the file and why', async () => {
    const broken: Record<string, string> = {
      'alias bomb': hostile['billion laughs'] as string,
      'syntax error': base.replace('doc_to_choice: c', 'doc_to_choice: [c'),
    }
    for (const [name, text] of Object.entries(broken)) {
      const loaded = await loadTaskYaml(reader({ 'root/t.yaml': text }), ['root'])
      const catalogue = catalogueWithYaml(builtinCatalogue(), loaded)
      await fault('hostile YAML', `${name}: --tasks y_task`, () => resolveSelection(catalogue, ['y_task']), {
        mustName: /^root\/t\.yaml(:\d+:\d+)?: /, mustRefuse: true,
      })
    }
  })
})
