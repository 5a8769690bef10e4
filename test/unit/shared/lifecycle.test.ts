import { describe, expect, it } from 'vitest';
import {
  assertThresholds,
  bucketOf,
  categoryOf,
  lifecycleOf,
  relativeShares,
  selectTopFeatures,
} from '../../../src/shared/lifecycle';

describe('RelIE and lifecycle categories', () => {
  it('shares |IE| across checkpoints, undefined when all zero', () => {
    expect(relativeShares([1, -3])).toEqual([0.25, 0.75]);
    expect(relativeShares([0, 0, 0])).toBeNull();
  });

  it('2-way: RelIE < low → A (discontinued), > high → B (emerged), between → maintained', () => {
    expect(lifecycleOf([[3], [1]], 0)).toMatchObject({ relIE: 0.25, bucket: 'A', category: 'discontinued' });
    expect(lifecycleOf([[1], [-3]], 0)).toMatchObject({ relIE: 0.75, bucket: 'B', category: 'emerged' });
    expect(lifecycleOf([[1], [1]], 0)).toMatchObject({ relIE: 0.5, bucket: 'A-B', category: 'maintained' });
    expect(lifecycleOf([[0], [0]], 0)).toMatchObject({ relIE: null, bucket: null, category: 'undefined' });
    // Boundaries are inclusive for "shared", as in the released tables.
    expect(bucketOf([0.7, 0.3])).toBe('A-B');
  });

  it('3-way: specific, then shared groups, then other (METHOD-REFERENCE §6 examples)', () => {
    expect(bucketOf([0.8, 0.1, 0.1])).toBe('A');
    expect(bucketOf([0.1, 0.1, 0.8])).toBe('C');
    expect(bucketOf([0.34, 0.33, 0.33])).toBe('A-B-C');
    expect(bucketOf([0.5, 0.45, 0.05])).toBe('A-B');
    expect(bucketOf([0.45, 0.1, 0.45])).toBe('A-C');
    expect(bucketOf([0.05, 0.5, 0.45])).toBe('B-C');
    expect(bucketOf([0.6, 0.25, 0.15])).toBe('other');
    expect(
      ['A', 'B', 'C', 'A-B', 'A-C', 'B-C', 'A-B-C', 'other'].map((b) => categoryOf(b as never, 3)),
    ).toEqual([
      'discontinued',
      'emerged-mid',
      'emerged-late',
      'discontinued',
      'transient-gap',
      'emerged-mid',
      'maintained',
      'other',
    ]);
    // Thresholds move the boundaries.
    expect(bucketOf([0.1, 0.25, 0.65], { low: 0.2, high: 0.6 })).toBe('C');
  });

  it('selects the union of the per-checkpoint top-k by |IE|, ignoring zeros', () => {
    const ie = [
      [5, 0, -4, 1, 0],
      [0, 3, 0, -6, 0],
    ];
    expect(selectTopFeatures(ie, 2)).toEqual([0, 1, 2, 3]);
    expect(selectTopFeatures(ie, 1)).toEqual([0, 3]);
    expect(selectTopFeatures([[0, 0]], 3)).toEqual([]);
  });

  it('rejects thresholds with low ≥ high', () => {
    expect(() => assertThresholds({ low: 0.7, high: 0.3 })).toThrow(/0 ≤ low < high ≤ 1/);
  });
});
