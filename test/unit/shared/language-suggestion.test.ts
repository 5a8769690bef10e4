import { describe, expect, it } from 'vitest';
import type { FeatureItemEffect } from '../../../src/shared/annotation';
import {
  combineShares,
  describeSuggestion,
  isSuggestionApplied,
  languageShares,
  suggestFeatureLanguages,
  suggestFromShares,
  suggestionTags,
} from '../../../src/shared/language-suggestion';

const item = (ie: (number | null)[]): FeatureItemEffect => ({
  item: 0,
  good: 'g',
  bad: 'b',
  ie,
  rank: ie.map((v) => (v === null ? null : 1)),
});
const languageOf = (task: string): string | null => /\.([a-z]{3})$/.exec(task)?.[1] ?? null;

describe('language shares and the suggestion rule', () => {
  it('sums weights per language; unknown language counts in the total but is never suggested', () => {
    const shares = languageShares([
      { language: 'eng', weight: 6 },
      { language: 'fra', weight: 2 },
      { language: 'eng', weight: 2 },
      { language: null, weight: 10 },
      { language: 'hin', weight: Number.NaN },
      { language: 'spa', weight: -1 },
    ]);
    expect(shares).toEqual([
      { code: null, weight: 10, share: 0.5 },
      { code: 'eng', weight: 8, share: 0.4 },
      { code: 'fra', weight: 2, share: 0.1 },
    ]);
    expect(suggestFromShares(shares)).toEqual([{ code: 'eng', isTentative: true, share: 0.4 }]);
    expect(languageShares([])).toEqual([]);
    expect(languageShares([{ language: 'eng', weight: 0 }])).toEqual([]);
  });

  it('suggests from 20%, tentative below 50%, confident at 50% and above', () => {
    const at = (pairs: Array<[string, number]>) =>
      suggestFromShares(languageShares(pairs.map(([language, weight]) => ({ language, weight }))));
    expect(
      at([
        ['eng', 50],
        ['fra', 30],
        ['hin', 20 - 1e-9],
        ['arb', 1e-9],
      ]),
    ).toEqual([
      { code: 'eng', isTentative: false, share: 0.5 },
      { code: 'fra', isTentative: true, share: 0.3 },
    ]);
    expect(
      at([
        ['eng', 80],
        ['fra', 20],
      ]).map((t) => [t.code, t.isTentative]),
    ).toEqual([
      ['eng', false],
      ['fra', true],
    ]);
    expect(at([['eng', 1]])).toEqual([{ code: 'eng', isTentative: false, share: 1 }]);
    // Five languages at 19% and one at 5%: none reaches 20%.
    expect(
      at([
        ['a', 19],
        ['b', 19],
        ['c', 19],
        ['d', 19],
        ['e', 19],
        ['f', 5],
      ]),
    ).toEqual([]);
  });

  it('averages two sources (IE and top-context tokens) when both exist', () => {
    const ie = languageShares([
      { language: 'eng', weight: 3 },
      { language: 'fra', weight: 1 },
    ]);
    const contexts = languageShares([{ language: 'fra', weight: 1 }]);
    expect(combineShares(ie, contexts)).toEqual([
      { code: 'fra', share: 0.625, weight: 2 },
      { code: 'eng', share: 0.375, weight: 3 },
    ]);
    expect(combineShares(ie, [])).toEqual(ie);
  });

  it('formats, applies and compares a suggestion', () => {
    const tags = [
      { code: 'fra', isTentative: false, share: 0.62 },
      { code: 'eng', isTentative: true, share: 0.31 },
    ];
    expect(describeSuggestion({ tags })).toBe('fra 62%, eng* 31%');
    const applied = suggestionTags({ tags });
    expect(applied).toEqual([
      { code: 'fra', isTentative: false, isCustom: false },
      { code: 'eng', isTentative: true, isCustom: false },
    ]);
    expect(isSuggestionApplied({ tags }, [...applied].reverse(), false)).toBe(true);
    expect(isSuggestionApplied({ tags }, applied, true)).toBe(false);
    expect(isSuggestionApplied({ tags }, [{ code: 'fra', isTentative: true }, applied[1]!], false)).toBe(
      false,
    );
    expect(isSuggestionApplied({ tags }, applied.slice(0, 1), false)).toBe(false);
  });
});

describe('suggestFeatureLanguages (one feature over the indexed attributions)', () => {
  it('sums |IE| over the kept pairs of each task, grouped by the task’s language', () => {
    const suggestion = suggestFeatureLanguages(
      [
        // eng: |0.9| + |−0.3| + |0.6| = 1.8 over two pairs; fra: 0.6 + 0.6 = 1.2; unlabelled BLiMP: 0.
        {
          attributionId: 'a',
          task: 'sv.eng',
          ie: [1, 1, 1],
          items: [item([0.9, null, -0.3]), item([null, 0.6, null])],
        },
        { attributionId: 'b', task: 'sv.fra', ie: [9, 9, 9], items: [item([0.6, 0.6, null])] },
        { attributionId: 'c', task: 'regular_plural_1', ie: [5, 5, 5], items: [] },
      ],
      { languageOf, pairsOf: () => 100 },
    );
    expect(suggestion.basis).toBe('itemIe');
    expect(suggestion.hasContextLanguages).toBe(false);
    expect(suggestion.tasks).toEqual([
      { task: 'sv.eng', language: 'eng', weight: expect.closeTo(1.8, 10) },
      { task: 'sv.fra', language: 'fra', weight: expect.closeTo(1.2, 10) },
      { task: 'regular_plural_1', language: null, weight: 0 },
    ]);
    expect(suggestion.tags).toEqual([
      { code: 'eng', isTentative: false, share: expect.closeTo(0.6, 10) },
      { code: 'fra', isTentative: true, share: expect.closeTo(0.4, 10) },
    ]);
  });

  it('falls back to task-level |IE| × pairs when no attribution kept pairs; none without any effect', () => {
    const fallback = suggestFeatureLanguages(
      [
        { attributionId: 'a', task: 'sv.eng', ie: [0.1, -0.1], items: [] },
        { attributionId: 'b', task: 'sv.hin', ie: [0.3, 0.1], items: [] },
      ],
      { languageOf, pairsOf: (id) => (id === 'a' ? 100 : 50) },
    );
    // eng 100 × 0.2 = 20, hin 50 × 0.4 = 20.
    expect(fallback.basis).toBe('taskIe');
    expect(fallback.tags.map((t) => [t.code, t.isTentative])).toEqual([
      ['eng', false],
      ['hin', false],
    ]);
    const none = suggestFeatureLanguages([{ attributionId: 'a', task: 'sv.eng', ie: [0, 0], items: [] }], {
      languageOf,
      pairsOf: () => 10,
    });
    expect(none).toMatchObject({ basis: 'none', tags: [], shares: [] });
  });

  it('uses context tokens per language as a second source when given', () => {
    const s = suggestFeatureLanguages([{ attributionId: 'a', task: 'sv.eng', ie: [1], items: [item([1])] }], {
      languageOf,
      pairsOf: () => 1,
      contextEvidence: [{ language: 'fra', weight: 30 }],
    });
    expect(s.hasContextLanguages).toBe(true);
    expect(s.tags).toEqual([
      { code: 'eng', isTentative: false, share: 0.5 },
      { code: 'fra', isTentative: false, share: 0.5 },
    ]);
  });
});
