import { describe, expect, it } from 'vitest';
import {
  assignDense,
  assignSparse,
  uncertifiedRows,
  type CandidateGraph,
} from '../../../src/core/faithfulness/assignment';
import { SeededRandom } from '../../../src/core/random';
import { bruteForceOptimum, dualGap, randomWeights, totalOf } from './helpers';

/** Every positive entry as a candidate edge (the sparse solver on the full graph). */
function fullGraph(w: Float32Array, n: number, m: number): CandidateGraph {
  const start = new Int32Array(n + 1);
  const col: number[] = [];
  const weight: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      if (w[i * m + j]! > 0) {
        col.push(j);
        weight.push(w[i * m + j]!);
      }
    }
    start[i + 1] = col.length;
  }
  return { rows: n, cols: m, start, col: Int32Array.from(col), weight: Float32Array.from(weight) };
}

describe('dense and sparse assignment against brute force', () => {
  const random = new SeededRandom(12);
  const shapes: [number, number][] = [
    [1, 1],
    [2, 2],
    [3, 5],
    [5, 3],
    [6, 6],
    [7, 4],
    [4, 7],
    [7, 7],
  ];
  for (const [n, m] of shapes) {
    it(`${n}×${m}: optimum, one-to-one, and a zero duality gap`, () => {
      for (let trial = 0; trial < 5; trial++) {
        const w = randomWeights(random, n, m);
        const expected = bruteForceOptimum(w, n, m);
        const dense = assignDense(w, n, m);
        const sparse = assignSparse(fullGraph(w, n, m));
        expect(totalOf(dense, w, m)).toBeCloseTo(expected, 5);
        expect(totalOf(sparse, w, m)).toBeCloseTo(expected, 5);
        expect(Math.abs(dualGap(dense, w, n, m))).toBeLessThan(1e-5);
        expect(Math.abs(dualGap(sparse, w, n, m))).toBeLessThan(1e-5);
      }
    });
  }
});

describe('assignment edge cases', () => {
  it('a hand-made 3×3 where greedy is wrong: optimum 1.7 (0.9 + 0.8), greedy would take 1.0 + 0', () => {
    // Greedy takes (0,0)=1.0 first, then row 1 has only column 0 → total 1.0 (+ (2,2)=0.0).
    const w = Float32Array.from([1.0, 0.9, 0, 0.8, 0, 0, 0, 0, 0]);
    const a = assignDense(w, 3, 3);
    expect(Array.from(a.colOfRow)).toEqual([1, 0, -1]);
    expect(totalOf(a, w, 3)).toBeCloseTo(1.7, 6);
    expect(Array.from(assignSparse(fullGraph(w, 3, 3)).colOfRow)).toEqual([1, 0, -1]);
  });

  it('never forms a pair of weight ≤ 0: all-negative and all-zero matrices leave everyone unmatched', () => {
    for (const fill of [-0.5, 0]) {
      const w = new Float32Array(12).fill(fill);
      expect(Array.from(assignDense(w, 3, 4).colOfRow)).toEqual([-1, -1, -1]);
      expect(Array.from(assignSparse(fullGraph(w, 3, 4)).colOfRow)).toEqual([-1, -1, -1]);
    }
  });

  it('ties: identical rows get distinct columns and the total is still optimal', () => {
    const w = Float32Array.from([0.5, 0.5, 0.5, 0.5, 0.5, 0.5]);
    const a = assignDense(w, 2, 3);
    expect(new Set(a.colOfRow).size).toBe(2);
    expect(totalOf(a, w, 3)).toBeCloseTo(1, 6);
  });

  it('empty problems', () => {
    expect(assignDense(new Float32Array(0), 0, 5).colOfRow.length).toBe(0);
    expect(Array.from(assignDense(new Float32Array(0), 3, 0).colOfRow)).toEqual([-1, -1, -1]);
    const empty: CandidateGraph = {
      rows: 2,
      cols: 0,
      start: new Int32Array(3),
      col: new Int32Array(0),
      weight: new Float32Array(0),
    };
    expect(Array.from(assignSparse(empty).colOfRow)).toEqual([-1, -1]);
  });

  it('refuses weights of the wrong size', () => {
    expect(() => assignDense(new Float32Array(5), 2, 3)).toThrow(/expected 2×3/);
  });
});

describe('the sparse certificate', () => {
  it('proves a complete candidate list, and catches a truncated one that hides the optimum', () => {
    // Row 0 prefers column 0 (1.0) over 1 (0.9); row 1 only has column 0 (0.8). With top-1 lists row 0
    // keeps column 0 and row 1 loses: total 1.0 instead of 1.7. The certificate must reject row 0.
    const w = Float32Array.from([1.0, 0.9, 0.8, 0]);
    const truncated: CandidateGraph = {
      rows: 2,
      cols: 2,
      start: Int32Array.from([0, 1, 2]),
      col: Int32Array.from([0, 0]),
      weight: Float32Array.from([1.0, 0.8]),
    };
    const a = assignSparse(truncated);
    expect(totalOf(a, w, 2)).toBeCloseTo(1.0, 6);
    expect(uncertifiedRows(a, Float64Array.from([0.9, -Infinity]))).toEqual([0]);
    const full = assignSparse(fullGraph(w, 2, 2));
    expect(totalOf(full, w, 2)).toBeCloseTo(1.7, 6);
    expect(uncertifiedRows(full, Float64Array.from([-Infinity, -Infinity]))).toEqual([]);
  });

  it('certifies a truncated list when what was left out cannot improve the matching', () => {
    // Row 0: 0.9 kept, 0.1 left out; row 1: 0.8 kept. Nothing contends: optimal, and proven so.
    const truncated: CandidateGraph = {
      rows: 2,
      cols: 3,
      start: Int32Array.from([0, 1, 2]),
      col: Int32Array.from([0, 1]),
      weight: Float32Array.from([0.9, 0.8]),
    };
    expect(uncertifiedRows(assignSparse(truncated), Float64Array.from([0.1, 0.05]))).toEqual([]);
  });
});
