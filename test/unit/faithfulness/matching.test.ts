import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cosineSimilarity,
  matchBySimilarity,
  matchDirections,
  normaliseRows,
  type SimilaritySource,
} from '../../../src/core/faithfulness/matching';
import { SeededRandom } from '../../../src/core/random';
import { randomMatrix } from './helpers';

interface MatchingCase {
  n: number;
  m: number;
  d: number;
  a: number[];
  b: number[];
  optimum: number;
}
const reference = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'faithfulness-reference.json'), 'utf8'),
) as { matching: MatchingCase[] };

/** b = a with rows permuted (b[perm[i]] = a[i]) plus noise. */
function permutedCopy(
  random: SeededRandom,
  a: Float32Array,
  d: number,
  noise: number,
): { b: Float32Array; perm: number[] } {
  const n = a.length / d;
  const perm = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [perm[i], perm[j]] = [perm[j]!, perm[i]!];
  }
  const b = new Float32Array(a.length);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < d; t++) b[perm[i]! * d + t] = a[i * d + t]! + noise * random.normal();
  }
  return { b, perm };
}

describe('matchDirections', () => {
  it('against the numpy brute-force optimum (fixtures: rectangular, zero vectors, duplicate columns)', () => {
    for (const c of reference.matching) {
      for (const method of ['dense', 'sparse'] as const) {
        const r = matchDirections(Float32Array.from(c.a), Float32Array.from(c.b), c.d, { method, topK: 2 });
        expect(r.totalSimilarity, `${c.n}×${c.m} ${method}`).toBeCloseTo(c.optimum, 5);
        expect(r.isExact).toBe(true);
        // Zero row 1 (n ≥ 3) is never matched.
        if (c.n >= 3) expect(r.pairs.some((p) => p.row === 1)).toBe(false);
      }
    }
  });

  it('recovers a permutation under noise, and the share above the threshold counts', () => {
    const random = new SeededRandom(1);
    const d = 16;
    const a = randomMatrix(random, 40, d);
    const { b, perm } = permutedCopy(random, a, d, 0.05);
    const r = matchDirections(a, b, d);
    expect(r.pairs.map((p) => p.col)).toEqual(perm);
    expect(r.matched).toBe(40);
    expect(r.shareMatched).toBe(1);
    // A threshold above every cosine: nothing counts as matched, yet the pairs are the same.
    const strict = matchDirections(a, b, d, { threshold: 1.01 });
    expect(strict.matched).toBe(0);
    expect(strict.shareMatched).toBe(0);
    expect(strict.pairs.map((p) => p.col)).toEqual(perm);
  });

  it('scale does not matter (directions are normalised); zero vectors never match', () => {
    const a = Float32Array.from([1, 0, 0, 0, 0, 1]);
    const b = Float32Array.from([0, 0, 0, 5, 0, 0]);
    const r = matchDirections(a, b, 3);
    expect(r.pairs).toEqual([{ row: 0, col: 1, similarity: 1 }]);
    expect(r.matched).toBe(1);
    expect(r.shareMatched).toBe(0.5);
    Array.from(normaliseRows(Float32Array.from([3, 4, 0, 0]), 2)).forEach((x, i) =>
      expect(x).toBeCloseTo([0.6, 0.8, 0, 0][i]!, 6),
    );
  });

  it('rectangular: share relative to the smaller set; empty sets give null', () => {
    const random = new SeededRandom(2);
    const a = randomMatrix(random, 5, 8);
    const b = new Float32Array(a.length * 2);
    b.set(a);
    b.set(randomMatrix(random, 5, 8), a.length);
    const r = matchDirections(a, b, 8);
    expect(r.pairs.map((p) => p.col)).toEqual([0, 1, 2, 3, 4]);
    expect(r.shareMatched).toBe(1);
    const flipped = matchDirections(b, a, 8);
    expect(flipped.pairs.map((p) => [p.row, p.col])).toEqual([0, 1, 2, 3, 4].map((i) => [i, i]));
    expect(matchDirections(new Float32Array(0), a, 8).shareMatched).toBeNull();
    expect(matchDirections(a, new Float32Array(0), 8).pairs).toEqual([]);
  });

  it('refuses a matrix that is not [n, d]', () => {
    expect(() => matchDirections(new Float32Array(5), new Float32Array(4), 2)).toThrow(/not \[n, 2\]/);
  });
});

describe('sparse matching and its certificate', () => {
  it('equals the dense optimum on random directions (hard case: no planted matches)', () => {
    const random = new SeededRandom(3);
    const d = 8;
    const a = randomMatrix(random, 120, d);
    const b = randomMatrix(random, 100, d);
    const dense = matchDirections(a, b, d, { method: 'dense' });
    const sparse = matchDirections(a, b, d, { method: 'sparse', topK: 2 });
    expect(sparse.method).toBe('sparse');
    expect(sparse.isExact).toBe(true);
    expect(sparse.totalSimilarity).toBeCloseTo(dense.totalSimilarity, 4);
  });

  it('without refinement, a too-short list is reported as not exact', () => {
    // Rows 0..2 all have column 0 first; with topK 1 and no refinement rows 1, 2 lose everything.
    const w = [
      [1.0, 0.9, 0.0],
      [0.95, 0.0, 0.9],
      [0.9, 0.0, 0.0],
    ];
    const src: SimilaritySource = {
      rows: 3,
      cols: 3,
      fill: (start, end, out) => {
        for (let i = start; i < end; i++) out.set(w[i]!, (i - start) * 3);
      },
    };
    const truncated = matchBySimilarity(src, { method: 'sparse', topK: 1, maxRefinements: 0 });
    expect(truncated.isExact).toBe(false);
    expect(truncated.uncertifiedRows).toBeGreaterThan(0);
    const refined = matchBySimilarity(src, { method: 'sparse', topK: 1 });
    expect(refined.isExact).toBe(true);
    expect(refined.totalSimilarity).toBeCloseTo(0.9 + 0.9 + 0.9, 6);
    expect(matchBySimilarity(src, { method: 'dense' }).totalSimilarity).toBeCloseTo(2.7, 6);
  });

  it('auto picks dense below denseMaxCells and sparse above', () => {
    const random = new SeededRandom(4);
    const a = randomMatrix(random, 10, 4);
    expect(matchDirections(a, a, 4).method).toBe('dense');
    const big = matchDirections(a, a, 4, { denseMaxCells: 50 });
    expect(big.method).toBe('sparse');
    expect(big.pairs.every((p) => p.row === p.col)).toBe(true);
  });
});

describe('cosineSimilarity', () => {
  it('fills blocks of rows with cosines (4-column unrolled kernel and its tail agree with a plain loop)', () => {
    const random = new SeededRandom(5);
    const d = 5;
    const a = randomMatrix(random, 3, d);
    const b = randomMatrix(random, 7, d);
    const src = cosineSimilarity(a, b, d);
    const out = new Float32Array(2 * 7);
    src.fill(1, 3, out);
    const na = normaliseRows(a, d);
    const nb = normaliseRows(b, d);
    for (let i = 1; i < 3; i++) {
      for (let j = 0; j < 7; j++) {
        let s = 0;
        for (let t = 0; t < d; t++) s += na[i * d + t]! * nb[j * d + t]!;
        expect(out[(i - 1) * 7 + j]).toBeCloseTo(s, 6);
      }
    }
  });
});
