import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cohenKappa,
  confusionTable,
  kappaFromCounts,
  matchedLabelAgreement,
} from '../../../src/core/faithfulness/agreement';

interface KappaCase {
  a: string[];
  b: string[];
  labels: string[];
  counts: number[][];
  observed: number | null;
  expected: number | null;
  kappa: number | null;
}
const reference = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'faithfulness-reference.json'), 'utf8'),
) as { kappa: KappaCase[] };

/** Expand a 2×2 table into two label sequences (rater A rows, rater B columns). */
function sequences(counts: number[][], labels: string[]): [string[], string[]] {
  const a: string[] = [];
  const b: string[] = [];
  counts.forEach((row, r) =>
    row.forEach((n, c) => {
      for (let i = 0; i < n; i++) {
        a.push(labels[r]!);
        b.push(labels[c]!);
      }
    }),
  );
  return [a, b];
}

describe("Cohen's κ against published worked examples", () => {
  it('Wikipedia, "Cohen\'s kappa", simple example: 50 proposals, 20/5/10/15 → p_o 0.7, p_e 0.5, κ 0.4', () => {
    const [a, b] = sequences(
      [
        [20, 5],
        [10, 15],
      ],
      ['yes', 'no'],
    );
    const k = cohenKappa(a, b, ['yes', 'no']);
    if (k.value === null) throw new Error(k.reason);
    expect(k.observed).toBeCloseTo(0.7, 12);
    expect(k.expected).toBeCloseTo(0.5, 12);
    expect(k.value).toBeCloseTo(0.4, 12);
    expect(k.table.counts).toEqual([
      [20, 5],
      [10, 15],
    ]);
  });

  it('Wikipedia, same p_o = 0.60 but different marginals: κ 0.1304 and 0.2593', () => {
    // By hand: p_e = (60·70 + 40·30)/100² = 0.54 → 0.06/0.46; p_e = (60·30 + 40·70)/100² = 0.46 → 0.14/0.54.
    expect(
      kappaFromCounts([
        [45, 15],
        [25, 15],
      ]).value,
    ).toBeCloseTo(0.1304, 4);
    expect(
      kappaFromCounts([
        [25, 35],
        [5, 35],
      ]).value,
    ).toBeCloseTo(0.2593, 4);
  });

  it('Fleiss, Levin & Paik (2003), Statistical Methods for Rates and Proportions, ch. 18: 3 diagnoses, κ 0.676', () => {
    // Proportions ×100 (psychotic, neurotic, organic): p_o = .89, p_e = .8·.8 + .1·.05 + .1·.15 = .66.
    const k = kappaFromCounts([
      [75, 1, 4],
      [5, 4, 1],
      [0, 0, 10],
    ]);
    if (k.value === null) throw new Error(k.reason);
    expect(k.observed).toBeCloseTo(0.89, 12);
    expect(k.expected).toBeCloseTo(0.66, 12);
    expect(k.value).toBeCloseTo(0.676, 3);
  });

  it('perfect agreement is 1, agreement at chance level is 0, systematic disagreement is negative', () => {
    expect(cohenKappa(['a', 'b', 'c'], ['a', 'b', 'c']).value).toBe(1);
    expect(
      kappaFromCounts([
        [1, 1],
        [1, 1],
      ]).value,
    ).toBe(0);
    expect(cohenKappa(['a', 'b'], ['b', 'a']).value).toBe(-1);
  });
});

describe("Cohen's κ against the numpy reference", () => {
  it('tables, p_o, p_e and κ of seeded random label pairs', () => {
    for (const c of reference.kappa) {
      const k = cohenKappa(c.a, c.b, c.labels);
      expect(k.table.counts).toEqual(c.counts);
      if (c.kappa === null) {
        expect(k.value).toBeNull();
        continue;
      }
      if (k.value === null) throw new Error(k.reason);
      expect(k.observed).toBeCloseTo(c.observed!, 12);
      expect(k.expected).toBeCloseTo(c.expected!, 12);
      expect(k.value).toBeCloseTo(c.kappa, 12);
    }
  });
});

describe('undefined κ and bad input', () => {
  it('no items, or every item the same single label on both sides (p_e = 1): null with a reason', () => {
    const empty = cohenKappa([], []);
    expect(empty).toMatchObject({ value: null, n: 0, reason: expect.stringMatching(/no items/) });
    const same = cohenKappa(['maintained', 'maintained'], ['maintained', 'maintained']);
    expect(same).toMatchObject({ value: null, reason: expect.stringMatching(/p_e = 1/) });
    // One side constant but the other not: p_e < 1, κ defined (0).
    expect(cohenKappa(['a', 'a', 'a', 'a'], ['a', 'b', 'a', 'b']).value).toBe(0);
  });

  it('refuses unequal lengths, labels outside the given list, non-square tables and non-counts', () => {
    expect(() => cohenKappa(['a'], [])).toThrow(/differ in length: 1 vs 0/);
    expect(() => cohenKappa(['a', 'z'], ['a', 'a'], ['a', 'b'])).toThrow(/"z" at 1 is not one of \[a, b\]/);
    expect(() => kappaFromCounts([[1, 2]])).toThrow(/square/);
    expect(() => kappaFromCounts([[1.5]])).toThrow(/counts/);
  });
});

describe('confusionTable', () => {
  it('rows and columns with their own labels (sorted by default, given order kept, unused labels kept)', () => {
    const t = confusionTable(['emerged', 'maintained', 'emerged'], ['x', 'y', 'y']);
    expect(t).toEqual({
      rowLabels: ['emerged', 'maintained'],
      colLabels: ['x', 'y'],
      counts: [
        [1, 1],
        [0, 1],
      ],
      total: 3,
    });
    const given = confusionTable(['b'], ['b'], { rows: ['b', 'a'], cols: ['c', 'b'] });
    expect(given.counts).toEqual([
      [0, 1],
      [0, 0],
    ]);
    expect(() => confusionTable(['a'], ['a'], { rows: ['a', 'a'] })).toThrow(/repeat/);
  });
});

describe('matchedLabelAgreement', () => {
  it('uses only pairs at or above the threshold, labelled through the two runs', () => {
    const pairs = [
      { row: 0, col: 2, similarity: 0.9 },
      { row: 1, col: 0, similarity: 0.7 },
      { row: 2, col: 1, similarity: 0.69 },
    ];
    const catA = ['emerged', 'maintained', 'emerged'];
    const catB = ['maintained', 'discontinued', 'emerged'];
    const k = matchedLabelAgreement(
      pairs,
      0.7,
      (i) => catA[i]!,
      (j) => catB[j]!,
    );
    expect(k.n).toBe(2);
    expect(k.table.total).toBe(2);
    // Pairs: (emerged, emerged), (maintained, maintained): perfect agreement.
    expect(k.value).toBe(1);
  });
});
