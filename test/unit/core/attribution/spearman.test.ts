import { describe, expect, it } from 'vitest';
import { spearman } from '../../../../src/core/attribution/ablation';

describe('spearman', () => {
  it('is 1 for monotone, −1 for reversed, handles ties with average ranks', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 45])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks x: 1, 2.5, 2.5, 4; y: 1, 2, 3, 4 → ρ = 0.9486832980505138 (hand-computed Pearson of ranks).
    expect(spearman([1, 2, 2, 3], [1, 2, 3, 4])).toBeCloseTo(0.9486832980505138, 12);
  });
  it('is undefined for fewer than 3 pairs or constant series', () => {
    expect(spearman([1, 2], [2, 1])).toBeNull();
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
  });
});
