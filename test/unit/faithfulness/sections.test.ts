import { describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../src/core/random';
import {
  checkedItems,
  compareRuns,
  decoderOf,
  saeCheck,
  strongestItems,
} from '../../../src/core/faithfulness/sections';
import { defaultThresholds } from '../../../src/shared/lifecycle';
import { randomMatrix } from './helpers';

// The runner's sections from hand-made runs: a reordered run that is the base run with its features
// shuffled and its checkpoints reversed must match completely and agree on every category.

const options = { threshold: 0.7, thresholds: defaultThresholds };

/** IE [3][F]: feature i is emerged-late when i % 3 = 0, discontinued when 1, maintained when 2. */
function baseIe(f: number): number[][] {
  const rows = [new Array<number>(f).fill(0), new Array<number>(f).fill(0), new Array<number>(f).fill(0)];
  for (let i = 0; i < f; i++) {
    const size = 1 + i;
    if (i % 3 === 0) rows[2]![i] = size;
    else if (i % 3 === 1) rows[0]![i] = -size;
    else [0, 1, 2].forEach((c) => (rows[c]![i] = size / 3));
  }
  return rows;
}

describe('checkedItems and strongestItems', () => {
  it('labels the top features of a task with their lifecycle category and Σ|IE|', () => {
    const items = checkedItems('t', baseIe(6), 1, defaultThresholds);
    // Top 1 per checkpoint: A → 4 (IE −5), B → 5 (5/3), C → 3 (4).
    expect(items).toEqual([
      { task: 't', feature: 3, category: 'emerged-late', bucket: 'C', size: 4 },
      { task: 't', feature: 4, category: 'discontinued', bucket: 'A', size: 5 },
      { task: 't', feature: 5, category: 'maintained', bucket: 'A-B-C', size: 6 },
    ]);
    const other = {
      task: 'u',
      feature: 3,
      category: 'maintained' as const,
      bucket: 'A-B-C' as const,
      size: 9,
    };
    expect(strongestItems([...items, other]).map((i) => [i.feature, i.task])).toEqual([
      [3, 'u'],
      [4, 't'],
      [5, 't'],
    ]);
  });
});

describe('compareRuns', () => {
  const f = 12;
  const d = 8;
  const checkpoints = ['s1', 's2', 's3'];
  const wDec = randomMatrix(new SeededRandom(3), f * 3, d);
  // The other run: feature i of the base is its feature perm[i], checkpoints stored as [s3, s2, s1].
  const perm = new SeededRandom(5).shuffle(Array.from({ length: f }, (_, i) => i));
  const wOther = new Float32Array(f * 3 * d);
  for (let i = 0; i < f; i++)
    for (let c = 0; c < 3; c++)
      wOther.set(wDec.subarray((i * 3 + c) * d, (i * 3 + c + 1) * d), (perm[i]! * 3 + (2 - c)) * d);
  const ie = baseIe(f);
  const otherIe = [2, 1, 0].map((c) => {
    const row = new Array<number>(f).fill(0);
    for (let i = 0; i < f; i++) row[perm[i]!] = ie[c]![i]!;
    return row;
  });
  const items = checkedItems('t', ie, 3, defaultThresholds);
  const base = { wDec_FCD: wDec, checkpoints, dModel: d };
  const other = { wDec_FCD: wOther, checkpoints: ['s3', 's2', 's1'], dModel: d };

  it('matches every feature and agrees on every category once the IE is put back in order', () => {
    const s = compareRuns('other', base, other, items, new Map([['t', otherIe]]), options);
    expect(s).toMatchObject({ runId: 'other', checkpointMap: [2, 1, 0], matched: f, shareMatched: 1 });
    expect(s.kappa).toMatchObject({ value: 1, n: items.length });
    expect(s.confusion.rowLabels).toEqual(['discontinued', 'emerged-late', 'maintained']);
    // Per item (the queue's badges): the partner is the shuffled feature, with the same category.
    expect(s.items).toHaveLength(items.length);
    for (const item of s.items!) {
      expect(item).toMatchObject({ task: 't', partner: perm[item.feature], isMatched: true });
      expect(item.similarity).toBeCloseTo(1, 5);
      expect(item.otherCategory).toBe(item.category);
    }
  });

  it('without the other run IE for the task, matches but leaves κ undefined', () => {
    const s = compareRuns('other', base, other, items, new Map(), options);
    expect(s.matched).toBe(f);
    expect(s.kappa).toMatchObject({ value: null, reason: 'no items to compare', n: 0 });
    expect(s.items!.every((i) => i.isMatched && i.otherCategory === null)).toBe(true);
  });

  it('reading the other IE in its own order (not put back) would swap emerged and discontinued', () => {
    const unmapped = [0, 1, 2].map((c) => otherIe[2 - c]!);
    const s = compareRuns('other', base, other, items, new Map([['t', unmapped]]), options);
    expect(s.kappa.value).toBeLessThan(0.5);
  });
});

describe('saeCheck', () => {
  it('finds a maintained feature in every SAE and an emerged-late one only in the last', () => {
    const d = 4;
    const e = (j: number) => Float32Array.from({ length: d }, (_, k) => (k === j ? 1 : 0));
    // Feature 0: decoder e0 at every checkpoint; feature 1: e1 at C only.
    const wDec = new Float32Array(2 * 3 * d);
    [0, 1, 2].forEach((c) => wDec.set(e(0), c * d));
    wDec.set(e(1), (3 + 2) * d);
    expect(Array.from(decoderOf(wDec, 1, 3, d))).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0]);
    const saes = [
      [e(0), e(2)],
      [e(0), e(3)],
      [e(0), e(1)],
    ].map((rows) => ({
      dec_SD: Float32Array.from(rows.flatMap((r) => Array.from(r))),
    }));
    const items = [
      { task: 't', feature: 0, category: 'maintained' as const, bucket: 'A-B-C' as const, size: 1 },
      { task: 't', feature: 1, category: 'emerged-late' as const, bucket: 'C' as const, size: 1 },
      { task: 't', feature: 1, category: 'other' as const, bucket: 'other' as const, size: 1 },
    ];
    const s = saeCheck('/saes', items, wDec, saes, d, 0.7);
    expect(s.overallShare).toBe(1);
    expect(s.table.map((r) => [r.category, r.agrees])).toEqual([
      ['maintained', 1],
      ['emerged-late', 1],
    ]);
    expect(s.skipped).toEqual({ other: 1 });
    expect(s.items!.map((i) => [i.feature, i.category, i.outcome])).toEqual([
      [0, 'maintained', 'agrees'],
      [1, 'emerged-late', 'agrees'],
      [1, 'other', null],
    ]);
  });
});
