import { describe, expect, it } from 'vitest'
import { renderTemplate, TemplateError } from '../../../src/core/template/index.ts'
import { withRenderBudget } from '../../../src/core/template/budget.ts'

/** The TemplateError a render throws (fails the test when it renders or throws anything else). */
function renderError(template: string, ctx: Record<string, unknown> = {}): TemplateError {
  try {
    renderTemplate(template, ctx)
  } catch (e) {
    expect(e).toBeInstanceOf(TemplateError)
    expect((e as Error).message).not.toContain('\n')
    return e as TemplateError
  }
  throw new Error(`expected ${template} to fail`)
}

describe('template render budgets (hostile task files fail in one line, never crash Node)', () => {
  it('a loop over range(10**9) fails before materialising it (issue 17: V8 fatal error, 2.1 GB)', () => {
    expect(renderError('{% for i in range(10**9) %}x{% endfor %}').message).toMatch(/range\(0, 1000000000, 1\).*render budget/)
  })

  const small = { maxSteps: 100_000, maxOutputChars: 1_000_000, maxItems: 1 << 24, maxMillis: 60_000 }

  it('nested loops that each fit are stopped by the step budget', () => {
    const t = '{% for i in range(10**4) %}{% for j in range(10**4) %}{% endfor %}{% endfor %}'
    expect(() => withRenderBudget(() => renderTemplate(t, {}), small)).toThrow(/render budget of 100000 steps/)
  })

  it('output beyond the limit fails (a large repeated string printed in a loop)', () => {
    const t = "{% for i in range(10**4) %}{{ 'x' * 10**5 }}{% endfor %}"
    expect(() => withRenderBudget(() => renderTemplate(t, {}), small)).toThrow(/output exceeds 1000000 characters/)
  })

  it('padding and indent widths are bounded before allocating', () => {
    expect(renderError("{{ 'a'.ljust(10**9) }}").message).toMatch(/ljust\(1000000000\).*render budget/)
    expect(renderError("{{ 'a' | indent(10**9) }}").message).toMatch(/indent\(1000000000\)/)
    expect(renderError("{{ '%1000000000s' % 'a' }}").message).toMatch(/printf width/)
  })

  it('deep nesting is a recursion error, not a crash', () => {
    const deep = `{{ ${'('.repeat(20000)}1${')'.repeat(20000)} }}`
    expect(renderError(deep).message).toMatch(/nests too deeply/)
    const ifs = `${'{% if 1 %}'.repeat(5000)}x${'{% endif %}'.repeat(5000)}`
    expect(renderError(ifs).message).toMatch(/nests too deeply/)
  })

  it('a tight custom budget applies to the whole render, and lengths of huge ranges need no items', () => {
    const limits = { maxSteps: 1000, maxOutputChars: 50, maxItems: 100, maxMillis: 60_000 }
    expect(() => withRenderBudget(() => renderTemplate('{% for i in range(60) %}x{% endfor %}', {}), limits)).toThrow(/50 characters/)
    expect(renderTemplate('{{ range(10**12) | length }} {{ 1 if range(10**12) else 0 }}', {})).toBe('1000000000000 1')
  })

  it('ordinary templates render unchanged, and the budget resets between renders', () => {
    for (let k = 0; k < 3; k++) {
      expect(renderTemplate('{% for i in range(100000) %}{% endfor %}{{ q }}', { q: 'ok' })).toBe('ok')
    }
    const long = 'y'.repeat(5_000_000)
    expect(renderTemplate('{{ text }}!', { text: long }).length).toBe(5_000_001)
  })
})
