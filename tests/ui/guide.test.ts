import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { builtinCatalogue } from '../../src/core/catalogue.ts'
import { memberName } from '../../src/core/tasks/task-spec.ts'
import type { Block } from '../../src/ui/guide-markdown.ts'
import { escapeHtml, inlineHtml, markdownToHtml, parseMarkdown } from '../../src/ui/guide-markdown.ts'
import { guideForWeb, tickPlaceholder } from '../../src/ui/guide-audience.ts'

const ROOT = resolve(import.meta.dirname, '../..')
const GUIDE = readFileSync(join(ROOT, 'docs/guide.md'), 'utf8')
const SHARED = resolve(ROOT, '../shared')
const HF = join(SHARED, 'hf-data')

describe('guide markdown renderer', () => {
  it('escapes HTML in every kind of block and inline run', () => {
    const evil = '<img src=x onerror="alert(1)">&\''
    const md = [
      `# Title ${evil}`, '', `A paragraph ${evil} with \`code ${evil}\` and **bold ${evil}**.`, '',
      `- item ${evil}`, '', `| h ${evil} |`, '| --- |', `| cell ${evil} |`, '', '```html', `<script>${evil}</script>`, '```',
      '', `> quote ${evil}`,
    ].join('\n')
    const out = markdownToHtml(md)
    expect(out).not.toMatch(/<img|<script|onerror="/)
    expect(out).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;')
    expect(out.match(/&lt;img/g)).toHaveLength(9) // heading, text, code span, bold, item, th, td, code block, quote
    expect(escapeHtml('a<b>"c"&\'d\'')).toBe('a&lt;b&gt;&quot;c&quot;&amp;&#39;d&#39;')
  })

  it('keeps only http(s), mailto and # links, with escaped attributes', () => {
    expect(inlineHtml('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))')
    expect(inlineHtml('[click](javascript:alert)')).toBe('click')
    expect(inlineHtml('[rel](../README.md)')).toBe('rel')
    expect(inlineHtml('[a](https://x.org/?q="1"&r=<2>)')).toBe(
      '<a href="https://x.org/?q=&quot;1&quot;&amp;r=&lt;2&gt;" target="_blank" rel="noopener noreferrer">a</a>')
    expect(inlineHtml('[`code` <b>](#sec)')).toBe('<a href="#sec"><code>code</code> &lt;b&gt;</a>')
  })

  it('renders headings (shifted, with ids), paragraphs, lists, tables, code and quotes', () => {
    const md = [
      '# A guide', '', '## Which `acc` to read?', '', 'Line one', 'line two.', '',
      '- first', '  continued', '- second', '', '1. one', '2. two', '',
      '| task | chance | note |', '| --- | ---: | :---: |', '| `boolq` | 0.5 | a \\| b |', '| short |', '',
      '```yaml', 'task: x', '  a: "b"', '```', '', '> careful', '', 'After.',
    ].join('\n')
    expect(markdownToHtml(md, { headingShift: 1 }).split('\n')).toEqual([
      '<h2 id="a-guide">A guide</h2>',
      '<h3 id="which-acc-to-read">Which <code>acc</code> to read?</h3>',
      '<p>Line one line two.</p>',
      '<ul><li>first continued</li><li>second</li></ul>',
      '<ol><li>one</li><li>two</li></ol>',
      '<table><thead><tr><th>task</th><th style="text-align: right">chance</th><th style="text-align: center">note</th></tr></thead>' +
        '<tbody><tr><td><code>boolq</code></td><td style="text-align: right">0.5</td><td style="text-align: center">a | b</td></tr>' +
        '<tr><td>short</td><td style="text-align: right"></td><td style="text-align: center"></td></tr></tbody></table>',
      '<pre><code class="language-yaml">task: x', '  a: &quot;b&quot;</code></pre>',
      '<blockquote><p>careful</p></blockquote>',
      '<p>After.</p>',
    ])
    expect(markdownToHtml('###### deep', { headingShift: 2 })).toBe('<h6 id="deep">deep</h6>')
  })

  it('parses the whole guide into the kinds it uses', () => {
    const kinds = new Set(parseMarkdown(GUIDE).map(b => b.kind))
    for (const k of ['code', 'heading', 'list', 'paragraph', 'table']) expect(kinds.has(k as Block['kind']), k).toBe(true)
  })
})

/** Whether `name` appears in the guide as a whole word (task names contain `_`, `-`). */
function mentioned(name: string): boolean {
  const esc = name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return new RegExp(`(^|[^\\w-])${esc}($|[^\\w-])`).test(GUIDE)
}

describe('the guide covers the built-in catalogue', () => {
  const cat = builtinCatalogue()
  /** task, tag or group → the groups and tags that list it */
  const parents = new Map<string, string[]>()
  const link = (member: string, parent: string): void => { parents.set(member, [...(parents.get(member) ?? []), parent]) }
  for (const g of cat.groups.values()) for (const m of g.task) link(memberName(m), g.group)
  for (const [tag, members] of cat.tags) for (const m of members) link(m, tag)
  const ancestors = (name: string): string[] => (parents.get(name) ?? []).flatMap(p => [p, ...ancestors(p)])

  it('names every task that is not a demo, or a group it belongs to (the per-subject mmlu tasks)', () => {
    const missing = [...cat.tasks.keys()]
      .filter(t => !t.startsWith('demo_'))
      .filter(t => !mentioned(t) && !ancestors(t).some(mentioned))
    expect(missing).toEqual([])
    for (const t of ['arc_easy', 'truthfulqa_mc1', 'truthfulqa_mc2', 'lambada_openai', 'wikitext']) expect(mentioned(t), t).toBe(true)
    expect(mentioned('mmlu_anatomy_x')).toBe(false)
  })

  it('names every top-level group', () => {
    const top = [...cat.groups.keys()].filter(g => !(parents.get(g) ?? []).some(p => cat.groups.has(p)))
    expect(top.length).toBeGreaterThan(0)
    expect(top.filter(g => !mentioned(g))).toEqual([])
  })
})

describe('the guide\'s BIG-Bench Hard chance level', () => {
  const bbh = [...builtinCatalogue().tasks.values()].filter(t => t.task.startsWith('leaderboard_bbh_'))
  it.skipIf(bbh.length === 0)('is the mean over the subtasks of 1/(number of choices)', () => {
    const row = benchmarkRows('leaderboard_bbh').get('leaderboard_bbh')!
    const expected = bbh.reduce((s, t) => s + 1 / (t.doc_to_choice as readonly string[]).length, 0) / bbh.length
    expect(row.chance).toMatch(new RegExp(`^${expected.toFixed(4)} \\(mean of the ${bbh.length} subtasks`))
  })
})

/** The guide's benchmark table holding `first`: task name → its cells by header. */
function benchmarkRows(first = 'arc_easy'): Map<string, Record<string, string>> {
  const table = parseMarkdown(GUIDE).find((b): b is Extract<Block, { kind: 'table' }> =>
    b.kind === 'table' && b.header[0] === 'task' && b.rows.some(r => r[0] === `\`${first}\``))
  if (!table) throw new Error('no benchmark table in docs/guide.md')
  return new Map(table.rows.map(r => [r[0].replace(/`/g, ''), Object.fromEntries(table.header.map((h, i) => [h, r[i]]))]))
}

function jsonl(path: string): Record<string, unknown>[] {
  return readFileSync(join(HF, path), 'utf8').split('\n').filter(l => l.trim() !== '').map(l => JSON.parse(l) as Record<string, unknown>)
}

/** A dataset row as parsed JSON; each task's accessor below knows its fields. */
type Doc = Record<string, any>

/** Per task: its data file in the mirror, choices per doc, and (mc2) the score of a model with no preference. */
const DATA: Record<string, { file: string; choices: (d: Doc) => number; uniformScore?: (d: Doc) => number }> = {
  arc_easy: { file: 'allenai/ai2_arc/ARC-Easy/test.jsonl', choices: d => d.choices.text.length },
  arc_challenge: { file: 'allenai/ai2_arc/ARC-Challenge/test.jsonl', choices: d => d.choices.text.length },
  boolq: { file: 'aps/super_glue/boolq/validation.jsonl', choices: () => 2 },
  piqa: { file: 'baber/piqa/default/validation.jsonl', choices: () => 2 },
  openbookqa: { file: 'allenai/openbookqa/main/test.jsonl', choices: d => d.choices.text.length },
  hellaswag: { file: 'Rowan/hellaswag/default/validation.jsonl', choices: d => d.endings.length },
  winogrande: { file: 'allenai/winogrande/winogrande_xl/validation.jsonl', choices: () => 2 },
  truthfulqa_mc1: { file: 'truthfulqa/truthful_qa/multiple_choice/validation.jsonl', choices: d => d.mc1_targets.choices.length },
  truthfulqa_mc2: {
    file: 'truthfulqa/truthful_qa/multiple_choice/validation.jsonl', choices: d => d.mc2_targets.choices.length,
    uniformScore: d => (d.mc2_targets.labels as number[]).filter(l => l === 1).length / d.mc2_targets.labels.length,
  },
}

describe.skipIf(!existsSync(HF))('the guide\'s chance levels and sizes match ../shared/hf-data', () => {
  const rows = benchmarkRows()
  for (const [task, d] of Object.entries(DATA)) {
    it(task, () => {
      const docs = jsonl(d.file)
      const row = rows.get(task)
      expect(row, `${task} has a row`).toBeDefined()
      const chance = (d.uniformScore ?? ((doc: Doc) => 1 / d.choices(doc)))
      const expected = docs.reduce((s, doc) => s + chance(doc), 0) / docs.length
      expect(Math.abs(Number(/\d\.\d+/.exec(row!.chance)![0]) - expected)).toBeLessThan(6e-5)
      const requests = docs.reduce((s, doc) => s + d.choices(doc), 0)
      expect(row!.size).toMatch(new RegExp(`^${docs.length} \\(${requests}[ )]`))
    })
  }
  it('mmlu (all 57 subjects)', () => {
    const subjects = [...builtinCatalogue().tasks.values()].filter(t => t.dataset_path === 'cais/mmlu')
    expect(subjects).toHaveLength(57)
    const docs = subjects.flatMap(t => jsonl(`cais/mmlu/${t.dataset_name}/test.jsonl`))
    const row = rows.get('mmlu')!
    expect(Number(/\d\.\d+/.exec(row.chance)![0])).toBe(docs.reduce((s, doc: Doc) => s + 1 / doc.choices.length, 0) / docs.length)
    expect(row.size).toBe(`${docs.length} (${docs.length * 4})`)
  })
  it('lambada_openai and gsm8k sizes', () => {
    expect(rows.get('lambada_openai')!.size).toMatch(new RegExp(`^${jsonl('EleutherAI/lambada_openai/default/test.jsonl').length} `))
    expect(rows.get('gsm8k')!.size).toMatch(new RegExp(`^${jsonl('openai/gsm8k/main/test.jsonl').length} `))
  })
})

describe.skipIf(!existsSync(join(SHARED, 'data/boolq/val.jsonl')))('the guide\'s boolq majority baseline', () => {
  it('is the share of "yes" answers in the original BoolQ dev file', () => {
    const labels = readFileSync(join(SHARED, 'data/boolq/val.jsonl'), 'utf8').split('\n').filter(Boolean)
      .map(l => String((JSON.parse(l) as { label: unknown }).label))
    const yes = labels.filter(l => l === 'true').length
    const share = (yes / labels.length).toFixed(4)
    expect(benchmarkRows().get('boolq')!.chance).toContain(`always "yes": ${share}`)
    expect(GUIDE).toContain(`${yes} of the ${labels.length} answers are "yes"`)
  })
})

describe('the guide in the web app', () => {
  const web = guideForWeb(GUIDE)
  const htmlText = markdownToHtml(web.markdown, { headingShift: 1 })

  it('names no CLI flag or command', () => {
    expect(web.markdown.match(/(^|[\s(`])--[a-z]/gm) ?? []).toEqual([])
    expect(web.markdown).not.toMatch(/evalz (run|ls|export-task)/)
    expect(web.markdown).not.toContain('<!--')
    // the terminal's version keeps them
    expect(GUIDE).toContain('`--limit 200`')
  })

  it('turns each suggested task set into a button of real catalogue names', () => {
    const cat = builtinCatalogue()
    expect(web.ticks.map((t) => t.label)).toEqual(['Tick the quick check', 'Tick the v1 suite', 'Tick the language-modelling checks'])
    web.ticks.forEach((t, i) => {
      expect(htmlText.split(`<p>${tickPlaceholder(i)}</p>`)).toHaveLength(2)
      for (const name of t.tasks) expect(cat.tasks.has(name) || cat.groups.has(name) || cat.tags.has(name), name).toBe(true)
    })
  })
})
