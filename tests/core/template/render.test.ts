import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { PyFloat } from '../../../src/core/python/json.ts'
import { pyRepr, pyTuple } from '../../../src/core/python/str.ts'
import { renderTemplate, renderTemplateValue, TemplateError } from '../../../src/core/template/index.ts'

/** One golden case rendered by Python's Jinja2 (tests/core/fixtures/template/gen.py). */
interface GoldenCase {
  template: string
  doc: string
  output?: string
  error?: string
  value_repr?: string
}

const golden = JSON.parse(readFileSync(new URL('../fixtures/template/golden.json', import.meta.url), 'utf8')) as {
  docs: Record<string, Record<string, unknown>>
  cases: GoldenCase[]
}

function label(c: GoldenCase): string {
  return `${c.doc}: ${JSON.stringify(c.template).slice(0, 90)}`
}

describe('renderTemplate matches Python Jinja2 (lm-eval environment)', () => {
  it('has a large corpus', () => {
    expect(golden.cases.length).toBeGreaterThanOrEqual(80)
  })
  for (const c of golden.cases) {
    it(label(c), () => {
      const doc = golden.docs[c.doc] as Record<string, unknown>
      if (c.error !== undefined) {
        expect(() => renderTemplate(c.template, doc)).toThrow(TemplateError)
        return
      }
      expect(renderTemplate(c.template, doc)).toBe(c.output)
      if (c.value_repr !== undefined) expect(pyRepr(renderTemplateValue(c.template, doc))).toBe(c.value_repr)
    })
  }
})

describe('renderTemplateValue', () => {
  const doc = { choices: { text: ['a', "b's"], label: ['A', 'B'] }, answerKey: 'B', n: 3 }

  it('returns the Python value of a lone expression', () => {
    expect(renderTemplateValue('{{choices.text}}', doc)).toEqual(['a', "b's"])
    expect(renderTemplateValue('{{choices.label.index(answerKey)}}', doc)).toBe(1)
    expect(renderTemplateValue('{{ n / 3 }}', doc)).toEqual(new PyFloat(1))
    expect(renderTemplateValue('{{ (1, "x") }}', doc)).toEqual(pyTuple([1, 'x']))
  })

  it('returns the rendered string when there is other text', () => {
    expect(renderTemplateValue('{{ n }} ', doc)).toBe('3 ')
    expect(renderTemplateValue('x{{ choices.text }}', doc)).toBe("x['a', \"b's\"]")
    expect(renderTemplateValue('{{ range(2) }}', doc)).toBe('range(0, 2)')
  })

  it('fails on undefined values', () => {
    expect(() => renderTemplateValue('{{ missing }}', doc)).toThrow(TemplateError)
  })
})

describe('TemplateError', () => {
  it('names the problem and carries the template', () => {
    try {
      renderTemplate('Q: {{ question.foo() }}', { question: 'x' })
      expect.unreachable()
    } catch (e) {
      expect(e).toBeInstanceOf(TemplateError)
      expect((e as TemplateError).template).toBe('Q: {{ question.foo() }}')
      expect((e as Error).message).toContain("'str object' has no attribute 'foo'")
    }
    expect(() => renderTemplate('{{ nope }}', {})).toThrow("'nope' is undefined")
    expect(() => renderTemplate('{{ x|bogus }}', { x: 1 })).toThrow("no filter named 'bogus'")
  })

  it('treats PyFloat, Map and tuples as Python values', () => {
    const ctx = { f: new PyFloat(2), m: new Map<unknown, unknown>([[1, 'one'], ['k', [1.5, null]]]), t: pyTuple(['a']) }
    expect(renderTemplate('{{ f }} {{ m }} {{ t }} {{ m[1] }} {{ f * 2 }}', ctx)).toBe("2.0 {1: 'one', 'k': [1.5, None]} ('a',) one 4.0")
  })
})
