import { describe, expect, it } from 'vitest'
import { exactMatch } from '../../../src/core/metrics/exact-match.ts'
import { golden } from './golden.ts'

const GSM8K = { regexes_to_ignore: [',', '\\$', '(?s).*#### ', '\\.$'], ignore_case: true }

describe('exactMatch', () => {
  it('matches lm-eval exact_match_hf_evaluate on the golden cases', () => {
    for (const c of golden.exact_match) {
      expect([c.prediction, c.references, exactMatch(c.prediction, c.references, c.options)])
        .toEqual([c.prediction, c.references, c.expected])
    }
  })

  it('gsm8k spec vectors', () => {
    expect(exactMatch('72', 'Natalia sold 48 clips.\n#### 72', GSM8K)).toBe(1)
    expect(exactMatch('$1,234.50.', 'x\n#### 1234.50', GSM8K)).toBe(1)
    expect(exactMatch('-3.', 'y\n#### -3', GSM8K)).toBe(1)
    expect(exactMatch('[invalid]', 'y\n#### -3', GSM8K)).toBe(0)
  })

  it('uses Python $ (before a trailing newline)', () => {
    expect(exactMatch('72.\n', '72\n', { regexes_to_ignore: ['\\.$'] })).toBe(1)
  })

  it('scores 1 if any reference matches', () => {
    expect(exactMatch('Paris', ['London', 'paris'], { ignore_case: true })).toBe(1)
    expect(exactMatch('Paris', ['London', 'Rome'], { ignore_case: true })).toBe(0)
    expect(exactMatch('Paris', [])).toBe(0)
  })

  it('is plain string equality without options', () => {
    expect(exactMatch('a', 'a')).toBe(1)
    expect(exactMatch('a ', 'a')).toBe(0)
    expect(exactMatch('A', 'a')).toBe(0)
  })
})
