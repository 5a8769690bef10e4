import { describe, expect, it } from 'vitest';
import { createRng, deriveSeed } from '../../../../scripts/demo/random';

const draws = (seed: number, n: number): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.nextUint32());
};

describe('demo random', () => {
  it('gives the same sequence for the same seed, pinned so that a change of algorithm shows', () => {
    expect(draws(42, 3)).toEqual([3956124197, 3132207003, 3507750608]);
    expect(draws(42, 100)).toEqual(draws(42, 100));
    expect(deriveSeed(42, 'corpus')).toBe(203299972);
  });

  it('gives unrelated sequences for neighbouring seeds and for different stream labels', () => {
    expect(draws(1, 20)).not.toEqual(draws(2, 20));
    expect(deriveSeed(1, 'corpus')).not.toBe(deriveSeed(1, 'tasks'));
    expect(deriveSeed(1, 'corpus')).not.toBe(deriveSeed(2, 'corpus'));
  });

  it('keeps next() in [0, 1) and int(n) in [0, n) with roughly uniform counts', () => {
    const rng = createRng(7);
    const counts = new Array<number>(10).fill(0);
    let outside = 0;
    for (let i = 0; i < 50_000; i++) {
      const x = rng.next();
      if (!(x >= 0 && x < 1)) outside++;
      const k = rng.int(10);
      counts[k] = counts[k]! + 1;
    }
    expect(outside).toBe(0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(50_000);
    for (const c of counts) expect(Math.abs(c - 5000)).toBeLessThan(300);
  });

  it('draws weighted items in proportion to their weights and never a zero-weight item', () => {
    const rng = createRng(3);
    const counts: Record<string, number> = { a: 0, b: 0, c: 0 };
    for (let i = 0; i < 40_000; i++) {
      const item = rng.weighted(['a', 'b', 'c'], [1, 3, 0]);
      counts[item] = counts[item]! + 1;
    }
    expect(counts['c']).toBe(0);
    expect(counts['b']! / 40_000).toBeCloseTo(0.75, 1);
  });

  it('rejects empty picks, bad weights and non-integer arguments', () => {
    const rng = createRng(1);
    expect(() => rng.pick([])).toThrow(/empty/);
    expect(() => rng.weighted(['a'], [1, 2])).toThrow(/as many weights/);
    expect(() => rng.weighted(['a', 'b'], [0, 0])).toThrow(/positive/);
    expect(() => rng.weighted(['a'], [-1])).toThrow(/≥ 0/);
    expect(() => rng.int(0)).toThrow();
    expect(() => createRng(1.5)).toThrow(/integer/);
  });

  it('shuffles into a permutation', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    const shuffled = createRng(5).shuffle(items);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
  });
});
