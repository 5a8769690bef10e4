import { describe, expect, it } from 'vitest';
import {
  claimedAbsent,
  comparePresence,
  presenceOfBucket,
  presencePatterns,
} from '../../../src/core/faithfulness/presence';
import { saeAgreement, tabulate, type CheckedFeature } from '../../../src/core/faithfulness/sae-agreement';

const T = true;
const F = false;

describe('presence patterns of lifecycle categories (from src/shared/lifecycle.ts)', () => {
  it('2 checkpoints: emerged [·,B], discontinued [A,·], maintained [A,B]', () => {
    expect(presencePatterns('emerged', 2)).toEqual([[F, T]]);
    expect(presencePatterns('discontinued', 2)).toEqual([[T, F]]);
    expect(presencePatterns('maintained', 2)).toEqual([[T, T]]);
    expect(presencePatterns('emerged-late', 2)).toEqual([]);
  });

  it('3 checkpoints: every bucket that maps to the category', () => {
    expect(presencePatterns('emerged-late', 3)).toEqual([[F, F, T]]);
    expect(presencePatterns('emerged-mid', 3)).toEqual([
      [F, T, F],
      [F, T, T],
    ]);
    expect(presencePatterns('maintained', 3)).toEqual([[T, T, T]]);
    expect(presencePatterns('discontinued', 3)).toEqual([
      [T, F, F],
      [T, T, F],
    ]);
    expect(presencePatterns('transient-gap', 3)).toEqual([[T, F, T]]);
    expect(presencePatterns('other', 3)).toEqual([]);
    expect(presencePatterns('undefined', 3)).toEqual([]);
    expect(presencePatterns('emerged', 3)).toEqual([]);
  });

  it('buckets give one exact pattern; claimed absence is absence in every admitted pattern', () => {
    expect(presenceOfBucket('B-C', 3)).toEqual([F, T, T]);
    expect(presenceOfBucket('A-B', 2)).toEqual([T, T]);
    expect(presenceOfBucket('other', 3)).toBeNull();
    expect(() => presenceOfBucket('C', 2)).toThrow(/needs 3 checkpoints/);
    expect(claimedAbsent(presencePatterns('discontinued', 3), 3)).toEqual([F, F, T]);
    expect(claimedAbsent(presencePatterns('emerged-mid', 3), 3)).toEqual([T, F, F]);
    expect(claimedAbsent(presencePatterns('maintained', 3), 3)).toEqual([F, F, F]);
    expect(claimedAbsent([], 2)).toEqual([F, F]);
  });
});

describe('comparePresence', () => {
  const discontinued = presencePatterns('discontinued', 3);
  it('agrees with any admitted pattern; more, fewer, other otherwise', () => {
    expect(comparePresence([T, F, F], discontinued)).toBe('agrees');
    expect(comparePresence([T, T, F], discontinued)).toBe('agrees');
    expect(comparePresence([T, T, T], discontinued)).toBe('present-in-more');
    expect(comparePresence([F, F, F], discontinued)).toBe('present-in-fewer');
    expect(comparePresence([F, T, F], discontinued)).toBe('present-in-fewer');
    expect(comparePresence([F, T, T], discontinued)).toBe('other-pattern');
    expect(comparePresence([T, F, T], [[F, T, F]])).toBe('other-pattern');
    expect(comparePresence([T, T], [])).toBeNull();
    expect(() => comparePresence([T, T], [[T, T, T]])).toThrow(/another length/);
  });
});

/** Unit vector e_k in R^d. */
const e = (k: number, d: number, scale = 1): number[] =>
  Array.from({ length: d }, (_, i) => (i === k ? scale : 0));

describe('saeAgreement', () => {
  const d = 4;
  // SAE decoders per checkpoint (rows are SAE features): checkpoint A knows e0 and e1, B knows e1 and e2.
  const saes = [
    { dec_SD: Float32Array.from([...e(0, d), ...e(1, d)]) },
    { dec_SD: Float32Array.from([...e(1, d), ...e(2, d)]) },
  ];
  const feature = (
    id: number,
    category: CheckedFeature['category'],
    a: number[],
    b: number[],
  ): CheckedFeature => ({
    feature: id,
    category,
    dec_CD: Float32Array.from([...a, ...b]),
  });
  const features = [
    feature(0, 'maintained', e(1, d), e(1, d, 2)), // both SAEs have e1: agrees
    feature(1, 'emerged', e(2, d, 0.01), e(2, d)), // absent at A (query falls back to B's direction e2); A's SAE lacks e2: agrees
    feature(2, 'discontinued', e(0, d), e(0, d, 0.001)), // A has e0, B does not: agrees
    feature(3, 'discontinued', e(1, d), e(1, d, 0.001)), // e1 exists in both SAEs: present in more
    feature(4, 'maintained', e(0, d), e(0, d)), // B's SAE lacks e0: present in fewer
    feature(5, 'emerged', e(0, d, 0), e(3, d)), // nobody has e3: fewer
    feature(6, 'other', e(0, d), e(0, d)),
  ];

  it('best match per checkpoint: presence, cosines and the category × outcome table', () => {
    const r = saeAgreement(features, saes, d);
    expect(r.features.map((f) => f.outcome)).toEqual([
      'agrees',
      'agrees',
      'agrees',
      'present-in-more',
      'present-in-fewer',
      'present-in-fewer',
      null,
    ]);
    expect(r.features[1]!.saeFeature).toEqual([-1, 1]);
    expect(r.features[3]!.cosine).toEqual([1, 1]);
    expect(r.table).toEqual([
      {
        category: 'maintained',
        n: 2,
        counts: { agrees: 1, 'present-in-more': 0, 'present-in-fewer': 1, 'other-pattern': 0 },
        agreementShare: 0.5,
      },
      {
        category: 'emerged',
        n: 2,
        counts: { agrees: 1, 'present-in-more': 0, 'present-in-fewer': 1, 'other-pattern': 0 },
        agreementShare: 0.5,
      },
      {
        category: 'discontinued',
        n: 2,
        counts: { agrees: 1, 'present-in-more': 1, 'present-in-fewer': 0, 'other-pattern': 0 },
        agreementShare: 0.5,
      },
    ]);
    expect(r.skipped).toEqual({ other: 1 });
    expect(r.overallShare).toBe(0.5);
  });

  it('the threshold decides presence (cosine 0.6 is present at 0.5, not at 0.7)', () => {
    const tilted = [feature(0, 'maintained', [0.6, 0, 0, 0.8], [0, 1, 0, 0])];
    expect(saeAgreement(tilted, saes, d).features[0]!.observed).toEqual([F, T]);
    expect(saeAgreement(tilted, saes, d, { threshold: 0.5 }).features[0]!.observed).toEqual([T, T]);
  });

  it('one-to-one: two crosscoder features cannot both claim one SAE feature', () => {
    const twins = [feature(0, 'maintained', e(1, d), e(1, d)), feature(1, 'maintained', e(1, d), e(1, d))];
    const best = saeAgreement(twins, saes, d);
    expect(best.features.map((f) => f.outcome)).toEqual(['agrees', 'agrees']);
    const strict = saeAgreement(twins, saes, d, { isOneToOne: true });
    expect(strict.isOneToOne).toBe(true);
    expect(strict.features.filter((f) => f.outcome === 'agrees')).toHaveLength(1);
    expect(strict.features.filter((f) => f.outcome === 'present-in-fewer')).toHaveLength(1);
  });

  it('a given bucket replaces the category’s patterns (B-C is emerged-mid, exactly)', () => {
    const saes3 = [...saes, { dec_SD: Float32Array.from(e(1, d)) }];
    const f3: CheckedFeature = {
      feature: 0,
      category: 'emerged-mid',
      bucket: 'B',
      dec_CD: Float32Array.from([...e(1, d, 0), ...e(1, d), ...e(1, d, 0.01)]),
    };
    // e1 is in every SAE: observed [T, T, T]; bucket B admits only [F, T, F] → present in more.
    expect(saeAgreement([f3], saes3, d).features[0]!.outcome).toBe('present-in-more');
    expect(saeAgreement([{ ...f3, bucket: undefined }], saes3, d).features[0]!.outcome).toBe(
      'present-in-more',
    );
    expect(saeAgreement([{ ...f3, bucket: 'other' }], saes3, d).features[0]!.outcome).toBeNull();
  });

  it('empty input, and refusals of wrong shapes or checkpoint counts', () => {
    const empty = saeAgreement([], saes, d);
    expect(empty).toMatchObject({ table: [], overallShare: null, features: [] });
    expect(() => saeAgreement(features, [saes[0]!], d)).toThrow(/2 or 3 checkpoints/);
    expect(() => saeAgreement([feature(0, 'maintained', [1, 0], [1, 0])], saes, d)).toThrow(/not \[2, 4\]/);
    expect(() => saeAgreement([], [{ dec_SD: new Float32Array(3) }, saes[1]!], d)).toThrow(/SAE 0/);
  });

  it('tabulate counts per category in first-seen order', () => {
    const t = tabulate([
      { category: 'emerged', outcome: 'agrees' },
      { category: 'emerged', outcome: 'other-pattern' },
      { category: 'undefined', outcome: null },
    ]);
    expect(t.table.map((r) => [r.category, r.n, r.agreementShare])).toEqual([['emerged', 2, 0.5]]);
    expect(t.skipped).toEqual({ undefined: 1 });
  });
});
