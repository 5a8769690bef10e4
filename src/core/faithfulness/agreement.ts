import type { MatchPair } from './matching';

// Agreement of two label sequences (lifecycle categories of matched features across two runs): a
// confusion table and Cohen's κ.
// Source: J. Cohen (1960), "A coefficient of agreement for nominal scales", Educational and Psychological
// Measurement 20(1), 37–46: κ = (p_o − p_e) / (1 − p_e), p_o = Σ_k n_kk / n, p_e = Σ_k (n_k· / n)(n_·k / n).

export interface ConfusionTable {
  /** Labels of the first sequence (rows) and the second (columns). */
  rowLabels: string[];
  colLabels: string[];
  /** counts[r][c]: items labelled rowLabels[r] by the first and colLabels[c] by the second. */
  counts: number[][];
  total: number;
}

const sortedUnion = (...lists: (readonly string[])[]): string[] => [...new Set(lists.flat())].sort();

/**
 * Cross-tabulation of two equally long label sequences. Labels default to the sorted distinct values of
 * each sequence; given labels fix the order (and may include unused ones); a value outside them throws.
 */
export function confusionTable(
  a: readonly string[],
  b: readonly string[],
  labels: { rows?: readonly string[]; cols?: readonly string[] } = {},
): ConfusionTable {
  if (a.length !== b.length) throw new Error(`label sequences differ in length: ${a.length} vs ${b.length}`);
  const rowLabels = labels.rows ? [...labels.rows] : sortedUnion(a);
  const colLabels = labels.cols ? [...labels.cols] : sortedUnion(b);
  const index = (list: string[], side: string) => {
    const map = new Map(list.map((l, i) => [l, i]));
    if (map.size !== list.length) throw new Error(`${side} labels repeat a label`);
    return (v: string, at: number): number => {
      const i = map.get(v);
      if (i === undefined)
        throw new Error(`${side} label "${v}" at ${at} is not one of [${list.join(', ')}]`);
      return i;
    };
  };
  const rowOf = index(rowLabels, 'row');
  const colOf = index(colLabels, 'column');
  const counts = rowLabels.map(() => colLabels.map(() => 0));
  a.forEach((v, i) => counts[rowOf(v, i)]![colOf(b[i]!, i)]!++);
  return { rowLabels, colLabels, counts, total: a.length };
}

export type KappaResult =
  | {
      value: number;
      /** p_o and p_e. */
      observed: number;
      expected: number;
      n: number;
    }
  | { value: null; reason: string; n: number };

/**
 * Cohen's κ from a square table (same labels on both axes, in the same order). Undefined (null) with no
 * items, or when p_e = 1 (both raters used one and the same label for everything: κ = 0/0); p_e = 1 is
 * decided on integer sums, not floats.
 */
export function kappaFromCounts(counts: readonly (readonly number[])[]): KappaResult {
  const k = counts.length;
  counts.forEach((row, r) => {
    if (row.length !== k)
      throw new Error(`κ needs a square table: row ${r} has ${row.length} cells, expected ${k}`);
    row.forEach((x) => {
      if (!Number.isInteger(x) || x < 0) throw new Error(`κ needs counts (non-negative integers), got ${x}`);
    });
  });
  const n = counts.reduce((a, row) => a + row.reduce((s, x) => s + x, 0), 0);
  if (n === 0) return { value: null, reason: 'no items to compare', n };
  let diagonal = 0;
  let chance = 0; // Σ_k n_k· n_·k, an integer
  for (let i = 0; i < k; i++) {
    diagonal += counts[i]![i]!;
    const rowSum = counts[i]!.reduce((s, x) => s + x, 0);
    const colSum = counts.reduce((s, row) => s + row[i]!, 0);
    chance += rowSum * colSum;
  }
  if (chance === n * n)
    return { value: null, reason: 'both sides give every item the same single label (p_e = 1)', n };
  const observed = diagonal / n;
  const expected = chance / (n * n);
  return { value: (observed - expected) / (1 - expected), observed, expected, n };
}

/** Cohen's κ of two label sequences over the union of their labels (or the given ones). */
export function cohenKappa(
  a: readonly string[],
  b: readonly string[],
  labels?: readonly string[],
): KappaResult & { table: ConfusionTable } {
  const all = labels ? [...labels] : sortedUnion(a, b);
  const table = confusionTable(a, b, { rows: all, cols: all });
  return { ...kappaFromCounts(table.counts), table };
}

/**
 * Lifecycle agreement on matched features: κ and the confusion table over the pairs with similarity ≥
 * threshold, labelled by `labelA(row)` and `labelB(col)`. For a reordered run, B's labels must come from
 * its IE put back into A's checkpoint order (decoder-matching.ts `toOrderOf`).
 */
export function matchedLabelAgreement(
  pairs: readonly MatchPair[],
  threshold: number,
  labelA: (row: number) => string,
  labelB: (col: number) => string,
  labels?: readonly string[],
): KappaResult & { table: ConfusionTable } {
  const kept = pairs.filter((p) => p.similarity >= threshold);
  return cohenKappa(
    kept.map((p) => labelA(p.row)),
    kept.map((p) => labelB(p.col)),
    labels,
  );
}
