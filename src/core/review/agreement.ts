/**
 * Agreement between annotators on a units × coders matrix (units = features, coders = annotators;
 * `null` = the coder did not rate the unit).
 *
 * - Krippendorff's alpha, nominal and interval, with missing values.
 *   Source: K. Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", Annenberg School for
 *   Communication, University of Pennsylvania, https://repository.upenn.edu/asc_papers/43 (§C, §E).
 * - ICC(2,1): two-way random effects, absolute agreement, single rater, on the units every coder rated.
 *   Source: P. E. Shrout & J. L. Fleiss (1979), "Intraclass correlations: uses in assessing rater
 *   reliability", Psychological Bulletin 86(2), 420–428, Table 1 (case 2) and Table 2.
 * - Per-annotator bias and spread, and a per-unit disagreement score for "largest disagreement first".
 *
 * A statistic that is undefined (nothing pairable, zero variance) is `{ value: null, reason }`, never NaN.
 * Malformed input (ragged rows, non-finite interval values) throws: that is a caller's bug, not data.
 */

/** A rating: a category (nominal) or a number (interval); `null` = missing. */
export type Rating = string | number | null;
/** units × coders, every row the same length. */
export type RatingMatrix = readonly (readonly Rating[])[];
export type Level = 'nominal' | 'interval';

export type Statistic<D = object> = ({ value: number } & D) | { value: null; reason: string };

export interface AlphaDetails {
  /** Units with at least 2 values (Krippendorff: units with one value are not pairable and are dropped). */
  pairableUnits: number;
  /** n: pairable values, Σ_u m_u over those units. */
  pairableValues: number;
  /** Observed and expected disagreement D_o, D_e (α = 1 − D_o / D_e). */
  observed: number;
  expected: number;
}

/** Every row must have the same length; interval values must be finite numbers. */
function checkMatrix(matrix: RatingMatrix, level: Level): number {
  const coders = matrix[0]?.length ?? 0;
  matrix.forEach((row, u) => {
    if (row.length !== coders) throw new Error(`unit ${u} has ${row.length} ratings, unit 0 has ${coders}`);
    row.forEach((v, c) => {
      if (v === null) return;
      if (level === 'interval' && (typeof v !== 'number' || !Number.isFinite(v)))
        throw new Error(
          `interval rating at unit ${u}, coder ${c} must be a finite number (got ${String(v)})`,
        );
      if (typeof v === 'number' && !Number.isFinite(v))
        throw new Error(`rating at unit ${u}, coder ${c} is not finite (${v})`);
    });
  });
  return coders;
}

const present = (row: readonly Rating[]): (string | number)[] => row.filter((v) => v !== null);

/**
 * Σ_{i≠j} δ²(v_i, v_j) over the ordered pairs of distinct positions of `values`.
 * Nominal (δ² = [c ≠ k]): m² − Σ_c m_c². Interval (δ² = (c − k)²): 2m Σ (v − v̄)².
 */
function pairDisagreement(values: readonly (string | number)[], level: Level): number {
  const m = values.length;
  if (level === 'interval') {
    const xs = values as readonly number[];
    const mean = xs.reduce((a, x) => a + x, 0) / m;
    return 2 * m * xs.reduce((a, x) => a + (x - mean) ** 2, 0);
  }
  const counts = new Map<string | number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  let sumSquares = 0;
  for (const c of counts.values()) sumSquares += c * c;
  return m * m - sumSquares;
}

/**
 * Krippendorff's alpha. With the coincidence matrix o_ck = Σ_u (pairs (c,k) in u) / (m_u − 1),
 * n_c = Σ_k o_ck and n = Σ_c n_c (Krippendorff 2011, §E):
 *   D_o = (1/n) Σ_c Σ_k o_ck δ²_ck,   D_e = 1/(n(n−1)) Σ_c Σ_k n_c n_k δ²_ck,   α = 1 − D_o / D_e.
 * Σ_ck o_ck δ²_ck = Σ_u Σ_{i≠j in u} δ² / (m_u − 1), and Σ_ck n_c n_k δ²_ck = Σ_{i≠j} δ² over all n
 * pairable values, so both are computed from the values directly (no K×K matrix). Undefined when no
 * unit has 2 values, or when D_e = 0 (every pairable value the same: α = 0/0).
 */
export function krippendorffAlpha(matrix: RatingMatrix, level: Level): Statistic<AlphaDetails> {
  checkMatrix(matrix, level);
  const units = matrix.map(present).filter((values) => values.length >= 2);
  const n = units.reduce((a, values) => a + values.length, 0);
  if (n === 0) return { value: null, reason: 'no unit has ratings from 2 or more annotators' };
  const observedSum = units.reduce(
    (a, values) => a + pairDisagreement(values, level) / (values.length - 1),
    0,
  );
  const expectedSum = pairDisagreement(units.flat(), level);
  if (expectedSum === 0) return { value: null, reason: 'every pairable rating is the same (no variation)' };
  const observed = observedSum / n;
  const expected = expectedSum / (n * (n - 1));
  return {
    value: 1 - observed / expected,
    pairableUnits: units.length,
    pairableValues: n,
    observed,
    expected,
  };
}

export interface IccDetails {
  /** Units rated by every coder (the ones used) and coders. */
  units: number;
  raters: number;
  /** Mean squares of the two-way ANOVA: between targets, between judges, residual. */
  bms: number;
  jms: number;
  ems: number;
}

/**
 * ICC(2,1) (Shrout & Fleiss 1979, case 2, single rater, absolute agreement) on the n complete rows of
 * an n × k matrix. Two-way ANOVA with grand mean x̄, row means x̄_i, column means x̄_j:
 *   BMS = k Σ_i (x̄_i − x̄)² / (n − 1),   JMS = n Σ_j (x̄_j − x̄)² / (k − 1),
 *   EMS = (Σ_ij (x_ij − x̄)² − (n−1)BMS − (k−1)JMS) / ((n − 1)(k − 1)),
 *   ICC(2,1) = (BMS − EMS) / (BMS + (k − 1) EMS + k (JMS − EMS) / n).
 * Undefined with fewer than 2 complete rows or 2 coders, or a zero denominator (no variance).
 */
export function icc21(matrix: RatingMatrix): Statistic<IccDetails> {
  const k = checkMatrix(matrix, 'interval');
  const rows = matrix.filter((row): row is readonly number[] => row.every((v) => typeof v === 'number'));
  const n = rows.length;
  if (k < 2) return { value: null, reason: 'ICC needs at least 2 annotators' };
  if (n < 2)
    return { value: null, reason: `ICC needs at least 2 features rated by every annotator (got ${n})` };
  const grand = rows.flat().reduce((a, x) => a + x, 0) / (n * k);
  const rowMeans = rows.map((row) => row.reduce((a, x) => a + x, 0) / k);
  const colMeans = Array.from({ length: k }, (_, j) => rows.reduce((a, row) => a + row[j]!, 0) / n);
  const total = rows.flat().reduce((a, x) => a + (x - grand) ** 2, 0);
  const rowSs = k * rowMeans.reduce((a, x) => a + (x - grand) ** 2, 0);
  const colSs = n * colMeans.reduce((a, x) => a + (x - grand) ** 2, 0);
  const bms = rowSs / (n - 1);
  const jms = colSs / (k - 1);
  const ems = Math.max(0, total - rowSs - colSs) / ((n - 1) * (k - 1));
  const denominator = bms + (k - 1) * ems + (k * (jms - ems)) / n;
  if (!(denominator > 0)) return { value: null, reason: 'the ratings have no variance (ICC is 0/0)' };
  return { value: (bms - ems) / denominator, units: n, raters: k, bms, jms, ems };
}

/** Sample standard deviation (divisor m − 1); null for fewer than 2 values. */
export function sampleSd(xs: readonly number[]): number | null {
  if (xs.length < 2) return null;
  const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

export interface AnnotatorSummary {
  coder: number;
  /** Units this coder rated. */
  rated: number;
  /**
   * Mean over shared units of (own rating − mean of the other coders' ratings on that unit); a unit is
   * shared when this coder and at least one other rated it. Positive: rates higher than the others.
   */
  bias: Statistic<{ sharedUnits: number }>;
  /** Sample SD (divisor m − 1) of this coder's ratings: how much of the scale they use. */
  spread: Statistic<{ ratings: number }>;
}

/** Per-annotator bias and spread on an interval scale (interpretability, complexity). */
export function annotatorSummaries(matrix: RatingMatrix): AnnotatorSummary[] {
  const k = checkMatrix(matrix, 'interval');
  return Array.from({ length: k }, (_, coder) => {
    const own = matrix.map((row) => row[coder] as number | null);
    const diffs: number[] = [];
    matrix.forEach((row, u) => {
      const mine = own[u];
      const others = row.filter((v, j) => j !== coder && v !== null) as number[];
      if (mine === null || mine === undefined || others.length === 0) return;
      diffs.push(mine - others.reduce((a, x) => a + x, 0) / others.length);
    });
    const ratings = own.filter((v): v is number => v !== null);
    const sd = sampleSd(ratings);
    return {
      coder,
      rated: ratings.length,
      bias:
        diffs.length === 0
          ? { value: null, reason: 'no feature rated by this and another annotator' }
          : { value: diffs.reduce((a, x) => a + x, 0) / diffs.length, sharedUnits: diffs.length },
      spread:
        sd === null
          ? { value: null, reason: 'fewer than 2 ratings' }
          : { value: sd, ratings: ratings.length },
    };
  });
}

/**
 * Disagreement on one unit: nominal 1 − (count of the modal value) / m (0 = unanimous); interval the
 * sample SD of the values. Null for fewer than 2 values (nothing to disagree about).
 */
export function unitDisagreement(row: readonly Rating[], level: Level): number | null {
  checkMatrix([row], level);
  const values = present(row);
  if (values.length < 2) return null;
  if (level === 'interval') return sampleSd(values as number[]);
  const counts = new Map<string | number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return 1 - Math.max(...counts.values()) / values.length;
}

const rank = (score: number | null): number => score ?? -Infinity;

/** Unit indices, largest disagreement first; ties and units with < 2 values (null, last) by index. */
export function unitsByDisagreement(
  matrix: RatingMatrix,
  level: Level,
): { unit: number; score: number | null }[] {
  checkMatrix(matrix, level);
  return matrix
    .map((row, unit) => ({ unit, score: unitDisagreement(row, level) }))
    .sort((a, b) => rank(b.score) - rank(a.score) || a.unit - b.unit);
}
