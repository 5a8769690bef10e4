// RelIE / RelDec, lifecycle buckets and categories, and the selection of features for annotation
// (../shared/METHOD.md "Attribution" and "Lifecycle categories").

export interface Thresholds {
  low: number;
  high: number;
}
export const defaultThresholds: Thresholds = { low: 0.3, high: 0.7 };

export function assertThresholds(t: Thresholds): void {
  if (!(t.low >= 0 && t.high <= 1 && t.low < t.high)) {
    throw new Error(`thresholds must satisfy 0 ≤ low < high ≤ 1 (got low ${t.low}, high ${t.high})`);
  }
}

/**
 * Each checkpoint's share of Σ_m |value_m| for one feature; null ("undefined") when all are zero.
 * For two checkpoints the scalar RelIE is the later checkpoint's share (element 1).
 */
export function relativeShares(values: readonly number[]): number[] | null {
  const total = values.reduce((a, v) => a + Math.abs(v), 0);
  return total > 0 ? values.map((v) => Math.abs(v) / total) : null;
}

/** Bucket names: which checkpoints (A earliest … C latest) the feature belongs to. */
export type Bucket = 'A' | 'B' | 'C' | 'A-B' | 'A-C' | 'B-C' | 'A-B-C' | 'other';

/** The first matching rule wins: specific (> high and the strict maximum), then sharing by ≥ low. */
export function bucketOf(shares: readonly number[], t: Thresholds = defaultThresholds): Bucket {
  if (shares.length === 2) {
    const later = shares[1]!;
    return later < t.low ? 'A' : later > t.high ? 'B' : 'A-B';
  }
  if (shares.length !== 3) throw new Error(`lifecycle buckets need 2 or 3 checkpoints, got ${shares.length}`);
  const names = ['A', 'B', 'C'] as const;
  for (let i = 0; i < 3; i++) {
    const v = shares[i]!;
    if (v > t.high && shares.every((w, j) => j === i || v > w)) return names[i]!;
  }
  const [a, b, c] = shares.map((v) => v >= t.low) as [boolean, boolean, boolean];
  if (a && b && c) return 'A-B-C';
  if (a && b) return 'A-B';
  if (a && c) return 'A-C';
  if (b && c) return 'B-C';
  return 'other';
}

/** Lifecycle category names shown to users and annotators. */
export type LifecycleCategoryName =
  | 'emerged'
  | 'emerged-mid'
  | 'emerged-late'
  | 'maintained'
  | 'discontinued'
  | 'transient-gap'
  | 'other'
  | 'undefined';

/**
 * 2 checkpoints: B → emerged, A → discontinued, A-B → maintained. 3 checkpoints: C → emerged late,
 * B or B-C → emerged mid, A-B-C → maintained, A or A-B → discontinued, A-C → transient-gap, other.
 */
export function categoryOf(bucket: Bucket | null, checkpoints: 2 | 3): LifecycleCategoryName {
  if (bucket === null) return 'undefined';
  if (checkpoints === 2) return bucket === 'B' ? 'emerged' : bucket === 'A' ? 'discontinued' : 'maintained';
  switch (bucket) {
    case 'C':
      return 'emerged-late';
    case 'B':
    case 'B-C':
      return 'emerged-mid';
    case 'A-B-C':
      return 'maintained';
    case 'A':
    case 'A-B':
      return 'discontinued';
    case 'A-C':
      return 'transient-gap';
    default:
      return 'other';
  }
}

/** Union over checkpoints of the top-k features by |IE_m| (only non-zero ones), in ascending index order. */
export function selectTopFeatures(ie: readonly (readonly number[])[], k: number): number[] {
  const selected = new Set<number>();
  for (const row of ie) {
    row
      .map((v, i) => [Math.abs(v), i] as const)
      .filter(([v]) => v > 0)
      .sort((x, y) => y[0] - x[0] || x[1] - y[1])
      .slice(0, k)
      .forEach(([, i]) => selected.add(i));
  }
  return [...selected].sort((a, b) => a - b);
}

export interface FeatureLifecycle {
  feature: number;
  ie: number[];
  /** 2 checkpoints: the later share (scalar); 3: the vector; null when IE is all zero. */
  relIE: number | number[] | null;
  bucket: Bucket | null;
  category: LifecycleCategoryName;
}

export function lifecycleOf(
  ie: readonly (readonly number[])[],
  feature: number,
  t: Thresholds = defaultThresholds,
): FeatureLifecycle {
  const values = ie.map((row) => row[feature]!);
  const shares = relativeShares(values);
  const m = values.length as 2 | 3;
  const bucket = shares === null ? null : bucketOf(shares, t);
  return {
    feature,
    ie: values,
    relIE: shares === null ? null : m === 2 ? shares[1]! : shares,
    bucket,
    category: categoryOf(bucket, m),
  };
}
