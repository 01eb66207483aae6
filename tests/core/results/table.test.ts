import { describe, expect, it } from 'vitest'
import { markdownTable, resultsTables, tableRows } from '../../../src/core/results/table.ts'
import { PyFloat } from '../../../src/core/python/json.ts'

describe("lm-eval's results table", () => {
  it('renders the layout of lm-eval make_table (centered headers, right-aligned numbers, arrows, ±)', () => {
    const results = {
      results: { hellaswag: { name: 'hellaswag', alias: 'hellaswag', 'acc,none': new PyFloat(0.5), 'acc_stderr,none': new PyFloat(0.5), 'acc_norm,none': new PyFloat(0.5), 'acc_norm_stderr,none': new PyFloat(0.5), sample_len: 2 } },
      versions: { hellaswag: new PyFloat(1) },
      'n-shot': { hellaswag: 0 },
      higher_is_better: { hellaswag: { acc: true, acc_norm: true } },
    }
    expect(resultsTables(results)).toBe([
      '|  Tasks  |Version|Filter|n-shot| Metric |   |Value |   |Stderr|',
      '|---------|------:|------|-----:|--------|---|-----:|---|-----:|',
      '|hellaswag|      1|none  |     0|acc     |↑  |0.5000|±  |0.5000|',
      '|         |       |none  |     0|acc_norm|↑  |0.5000|±  |0.5000|',
    ].join('\n'))
  })

  it('shows N/A stderr, down arrows, and sorts metric keys', () => {
    const rows = tableRows({
      results: { wikitext: { alias: 'wikitext', 'word_perplexity,none': new PyFloat(130.48), 'word_perplexity_stderr,none': 'N/A', 'bits_per_byte,none': new PyFloat(1.3394), 'bits_per_byte_stderr,none': 'N/A' } },
      versions: { wikitext: new PyFloat(2) },
      'n-shot': { wikitext: 0 },
      higher_is_better: { wikitext: { word_perplexity: false, bits_per_byte: false } },
    }, 'results')
    expect(rows).toEqual([
      ['wikitext', '2', 'none', '0', 'bits_per_byte', '↓', '1.3394', '±', '   N/A'],
      ['', '', 'none', '0', 'word_perplexity', '↓', '130.4800', '±', '   N/A'],
    ])
    expect(markdownTable(rows).split('\n')[0]).toContain('Metric')
  })
})
