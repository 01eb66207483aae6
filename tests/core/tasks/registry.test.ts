/**
 * Resolving user task names (issue 17): every unknown name is named in one line, with its suggestions.
 */
import { describe, expect, it } from 'vitest'
import { builtinCatalogue } from '../../../src/core/catalogue.ts'
import { resolveSelection } from '../../../src/core/tasks/registry.ts'

describe('resolveSelection', () => {
  it('names every unknown task in one line, each with its suggestions', () => {
    let err: unknown
    try {
      resolveSelection(builtinCatalogue(), ['nope1', 'demo', 'hellaswg', 'mmlu_nothing'])
    } catch (e) {
      err = e
    }
    expect((err as { code?: string }).code).toBe('TASK_UNKNOWN')
    const message = (err as Error).message
    expect(message).not.toContain('\n')
    expect(message).toMatch(/^3 unknown tasks: 'nope1', 'hellaswg' \(did you mean 'hellaswag'\?\), 'mmlu_nothing' \(did you mean 'mmlu'/)
    expect((err as { detail?: { names?: string[] } }).detail?.names).toEqual(['nope1', 'hellaswg', 'mmlu_nothing'])
  })

  it('one unknown task keeps its own message', () => {
    expect(() => resolveSelection(builtinCatalogue(), ['demo', 'hellaswg'])).toThrow(/^unknown task 'hellaswg': did you mean 'hellaswag'\?$/)
  })
})
