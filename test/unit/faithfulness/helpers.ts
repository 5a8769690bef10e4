import type { Assignment } from '../../../src/core/faithfulness/assignment';
import type { SeededRandom } from '../../../src/core/random';

/** Row-major [n, m] uniform weights in [lo, hi). */
export function randomWeights(random: SeededRandom, n: number, m: number, lo = -1, hi = 1): Float32Array {
  return Float32Array.from({ length: n * m }, () => lo + (hi - lo) * random.next());
}

/** [n, d] standard normal rows. */
export function randomMatrix(random: SeededRandom, n: number, d: number): Float32Array {
  return Float32Array.from({ length: n * d }, () => random.normal());
}

/** Maximum of Σ max(w, 0) over one-to-one partial matchings, by enumerating injective maps. */
export function bruteForceOptimum(w: Float32Array, n: number, m: number): number {
  if (n > m) {
    const t = new Float32Array(n * m);
    for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) t[j * n + i] = w[i * m + j]!;
    return bruteForceOptimum(t, m, n);
  }
  let best = 0;
  const used = new Array<boolean>(m).fill(false);
  const visit = (i: number, total: number): void => {
    if (i === n) {
      best = Math.max(best, total);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = true;
      visit(i + 1, total + Math.max(0, w[i * m + j]!));
      used[j] = false;
    }
  };
  visit(0, 0);
  return best;
}

/** Σ w over the assignment's pairs; throws if a column is used twice or a pair has weight ≤ 0. */
export function totalOf(a: Assignment, w: Float32Array, m: number): number {
  const seen = new Set<number>();
  let total = 0;
  a.colOfRow.forEach((j, i) => {
    if (j < 0) return;
    if (seen.has(j)) throw new Error(`column ${j} used twice`);
    seen.add(j);
    const x = w[i * m + j]!;
    if (!(x > 0)) throw new Error(`pair (${i}, ${j}) of weight ${x} formed`);
    total += x;
  });
  return total;
}

/**
 * LP duality check of optimality for the partial matching: p = −u ≥ 0, q = −v ≥ 0,
 * p_i + q_j ≥ max(w_ij, 0) for every pair, and Σp + Σq equal to the matched total. Returns the gap.
 */
export function dualGap(a: Assignment, w: Float32Array, n: number, m: number, tolerance = 1e-6): number {
  let dual = 0;
  for (let i = 0; i < n; i++) {
    const p = -a.u[i]!;
    if (p < -tolerance) throw new Error(`row ${i}: p = ${p} < 0`);
    dual += p;
  }
  for (let j = 0; j < m; j++) {
    const q = -a.v[j]!;
    if (q < -tolerance) throw new Error(`column ${j}: q = ${q} < 0`);
    dual += q;
  }
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < m; j++) {
      const slack = -a.u[i]! - a.v[j]! - Math.max(0, w[i * m + j]!);
      if (slack < -tolerance) throw new Error(`pair (${i}, ${j}) violates the dual by ${-slack}`);
    }
  }
  return dual - totalOf(a, w, m);
}
