/**
 * lm-eval's corpus aggregations: bleu / chrf / ter against sacrebleu's own published test vectors (its test suite:
 * test_bleu.py, test_chrf.py, test_ter.py; sacrebleu is not installed here) and hand-computed cases; f1 / mcc and
 * their bootstrap stderr against fixtures/metrics/corpus/gen_classification.py (CPython: scikit-learn's formulas and
 * lm-eval's bootstrap_stderr).
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { corpusAggregate, corpusStderr } from '../../../src/core/metrics/corpus-metrics.ts'
import { chrfScore, chrfSegmentStats, tokenize13a, translationEditRate } from '../../../src/core/metrics/translation.ts'

const pairs = (refs: readonly string[], hyps: readonly string[]) => refs.map((r, i) => [r, hyps[i]])

describe('bleu (sacrebleu corpus_bleu defaults: 13a, exp smoothing)', () => {
  const refs1 = ['The dog bit the man.', 'It was not unexpected.', 'The man bit him first.']
  const refs2 = ['The dog had bit the man.', 'No one was surprised.', 'The man had bitten the dog.']
  const hyps = ['The dog bit the man.', "It wasn't surprising.", 'The man had just bitten him.']

  it('matches sacrebleu\'s README example (two reference streams) and empty hypotheses', () => {
    const items = hyps.map((h, i) => [[refs1[i], refs2[i]], h])
    expect(corpusAggregate('bleu', items)).toBeCloseTo(48.530827, 6)
    expect(corpusAggregate('bleu', refs1.map((r, i) => [[r, refs2[i]], '']))).toBe(0)
  })

  it('scores a perfect corpus 100 and one without any match 0; the 13a tokenizer splits punctuation (not \' or a - after a letter)', () => {
    expect(corpusAggregate('bleu', pairs(['this is a test'], ['this is a test']))).toBeCloseTo(100, 12)
    expect(corpusAggregate('bleu', pairs(['ref1', 'ref2'], ['this is a test', 'another test']))).toBe(0)
    expect(tokenize13a('It wasn\'t 3,000.5-ish &amp; "ok".')).toBe('It wasn\'t 3,000.5 - ish & " ok " .')
    // one missing 4-gram: exp smoothing gives it 100 / (2 * 1); brevity penalty 1
    expect(corpusAggregate('bleu', pairs(['this is a test'], ['this is a fest']))).toBeCloseTo(Math.exp((Math.log(75) + Math.log(200 / 3) + Math.log(50) + Math.log(50)) / 4), 12)
  })
})

describe('chrf (sacrebleu corpus_chrf defaults: 6 character orders, whitespace removed, effective order)', () => {
  const score = (hyps: string[], refs: string[], beta: number) => {
    const stats = hyps.map((h, i) => chrfSegmentStats({ hyp: h, refs: [refs[i]] }, beta))
    return chrfScore(stats.reduce((a, b) => a.map((x, i) => x + b[i])), beta)
  }
  it('matches sacrebleu\'s effective-order test cases (β = 3)', () => {
    const cases: [string[], string[], number][] = [
      [['a'], ['a'], 100], [[''], ['reference'], 0], [['a b c'], ['a b c'], 100], [['a b c'], ['abc'], 100],
      [[''], ['c'], 0], [['a', 'b'], ['a', 'c'], 50], [['aa'], ['ab'], 25],
    ]
    for (const [h, r, want] of cases) expect(score(h, r, 3), `${h} | ${r}`).toBeCloseTo(want, 4)
  })
  it('is lm-eval\'s chrf with β = 2 (hand-computed: "aa" vs "ab", "abc" vs "abd")', () => {
    expect(corpusAggregate('chrf', pairs(['ab'], ['aa']))).toBeCloseTo(25, 12)
    // orders 1–3 (the 3-grams 'abc' and 'abd' count, unmatched): P = R = (2/3 + 1/2 + 0) / 3 = 7/18, so F = 7/18
    expect(corpusAggregate('chrf', pairs(['abd'], ['abc']))).toBeCloseTo(100 * 7 / 18, 12)
  })
})

describe('ter (sacrebleu corpus_ter defaults)', () => {
  it('matches sacrebleu\'s TER test cases', () => {
    const cases: [string[], string[], number][] = [
      [['aaaa bbbb cccc dddd'], ['aaaa bbbb cccc dddd'], 0], [['dddd eeee ffff'], ['aaaa bbbb cccc'], 1],
      [[''], ['a'], 1], [['a'], [''], 1], [[''], [''], 0], [['d e f g h a b c'], ['a b c d e f g h'], 1 / 8],
      [['A B C'], ['a b c'], 0],
    ]
    for (const [h, r, want] of cases) expect(corpusAggregate('ter', pairs(r, h)), `${h} | ${r}`).toBeCloseTo(100 * want, 3)
    expect(translationEditRate(['d', 'e', 'f', 'g', 'h', 'a', 'b', 'c'], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'])).toEqual([1, 8])
  })
  it('matches sacrebleu\'s realistic WMT case (0.136)', () => {
    const hyps = [
      'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit das Bild ungefähr dieselbe Größe aufweist wie die andere Größe .',
      'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
      'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie Werte für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " ein .',
      'Sie können beispielsweise ein Dokument erstellen , das ein Auto über die Bühne enthält .',
      'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
    ]
    const refs = [
      'wählen Sie " Bild neu berechnen , " um beim Ändern der Bildgröße Pixel hinzuzufügen oder zu entfernen , damit die Darstellung des Bildes in einer anderen Größe beibehalten wird .',
      'wenn Sie alle Aufgaben im aktuellen Dokument aktualisieren möchten , wählen Sie im Menü des Aufgabenbedienfelds die Option " Alle Aufgaben aktualisieren . "',
      'klicken Sie auf der Registerkarte " Optionen " auf die Schaltfläche " Benutzerdefiniert " und geben Sie für " Fehlerkorrektur-Level " und " Y / X-Verhältnis " niedrigere Werte ein .',
      'Sie können beispielsweise ein Dokument erstellen , das ein Auto enthalt , das sich über die Bühne bewegt .',
      'wählen Sie im Dialogfeld " Neu aus Vorlage " eine Vorlage aus und klicken Sie auf " Neu . "',
    ]
    expect(Math.abs(corpusAggregate('ter', pairs(refs, hyps)) - 13.6)).toBeLessThan(1e-3 * 100)
  })
  it('bootstraps bleu/chrf/ter with at most 100 replicates, and gives N/A without iterations or with one doc', () => {
    const items = pairs(['a b c d', 'e f g h', 'x y z'], ['a b c d', 'e f h g', 'x z'])
    expect(corpusStderr('ter', items, 100000)).toBe(corpusStderr('ter', items, 100))
    expect(corpusStderr('ter', items, 0)).toBe('N/A')
    expect(corpusStderr('bleu', items.slice(0, 1), 100)).toBe('N/A')
    expect(corpusStderr('chrf', items, 100)).toBeGreaterThan(0)
  })
})

describe('f1 and mcc (scikit-learn, over (gold, pred) pairs)', () => {
  interface Case { golds: number[]; preds: number[]; mcc: number; mcc_stderr_200: number; f1?: number; f1_stderr_200?: number }
  const golden = JSON.parse(readFileSync(join(import.meta.dirname, '../fixtures/metrics/corpus/classification.json'), 'utf8')) as { cases: Case[] }

  it('equal the CPython values and lm-eval\'s bootstrap stderr', () => {
    for (const c of golden.cases) {
      const items = c.golds.map((g, i) => [g, c.preds[i]])
      expect(corpusAggregate('matthews_corrcoef', items)).toBeCloseTo(c.mcc, 14)
      expect(corpusStderr('matthews_corrcoef', items, 200)).toBeCloseTo(c.mcc_stderr_200, 12)
      if (c.f1 === undefined) {
        expect(() => corpusAggregate('f1', items)).toThrow(/f1 \(scikit-learn's binary F1, as lm-eval computes it\) needs two labels/)
        continue
      }
      expect(corpusAggregate('f1', items)).toBe(c.f1)
      expect(corpusStderr('f1', items, 200)).toBeCloseTo(c.f1_stderr_200 as number, 12)
    }
  })
  it('gives 0 where scikit-learn does (no positive anywhere; a constant marginal)', () => {
    expect(corpusAggregate('f1', [[0, 0], [0, 0]])).toBe(0)
    expect(corpusAggregate('matthews_corrcoef', [[1, 1], [0, 1]])).toBe(0)
    expect(corpusAggregate('matthews_corrcoef', [[1, 1], [1, 1], [1, -1], [-1, 1]])).toBeCloseTo(-1 / 3, 14)
  })
})
