import type { Bucket, LifecycleCategoryName } from '../../shared/lifecycle';
import { defaultAbsentBelow } from './decoder-matching';
import { cosineSimilarity, defaultMatchThreshold, matchBySimilarity } from './matching';
import {
  comparePresence,
  presenceOfBucket,
  presenceOutcomes,
  presencePatterns,
  type Presence,
  type PresenceOutcome,
} from './presence';

// Do independent SAEs (one per checkpoint, same width and sparsity) agree with the crosscoder's lifecycle
// categories? (issue 12, "Independent SAEs"). Legend: K = crosscoder features checked, C = checkpoints,
// D = dModel, S = SAE features.
//
// For crosscoder feature j and checkpoint c, the query direction is its decoder W_dec[j,c] when present
// there (norm ≥ `absentBelow` × its largest decoder norm), else its decoder at the checkpoint where that
// norm is largest (an absent decoder has no direction of its own; the concept's direction elsewhere is
// the best guess of what an SAE would find). A matching SAE feature exists at c when the query's best
// cosine against checkpoint c's SAE decoder directions is ≥ threshold (default 0.7), or, with
// `isOneToOne`, when the optimal one-to-one matching of all K queries to that SAE pairs it with cosine ≥
// threshold (so two crosscoder features cannot both claim one SAE feature). The observed presence
// pattern is compared with the ones the category admits (presence.ts).

export interface SaeDecoders {
  /** W_dec [S, D] of the SAE trained on this checkpoint's activations. */
  dec_SD: Float32Array;
}

export interface CheckedFeature {
  feature: number;
  category: LifecycleCategoryName;
  /** When known, the exact bucket replaces the category's admitted patterns. */
  bucket?: Bucket | null;
  /** W_dec[feature] as [C, D]. */
  dec_CD: Float32Array;
}

export interface SaeAgreementOptions {
  threshold?: number;
  isOneToOne?: boolean;
  absentBelow?: number;
}

export interface FeaturePresenceCheck {
  feature: number;
  category: LifecycleCategoryName;
  /** Best (or one-to-one matched) SAE cosine per checkpoint; 0 when nothing positive. */
  cosine: number[];
  /** SAE feature behind `cosine` per checkpoint, −1 when none. */
  saeFeature: number[];
  observed: Presence;
  expected: Presence[];
  /** null: the category admits no pattern (other, undefined). */
  outcome: PresenceOutcome | null;
}

export interface CategoryAgreementRow {
  category: LifecycleCategoryName;
  n: number;
  counts: Record<PresenceOutcome, number>;
  /** counts.agrees / n. */
  agreementShare: number;
}

export interface SaeAgreement {
  threshold: number;
  isOneToOne: boolean;
  features: FeaturePresenceCheck[];
  /** One row per category with an admitted pattern, in first-seen order. */
  table: CategoryAgreementRow[];
  /** Features whose category admits no pattern (other, undefined), by category. */
  skipped: Partial<Record<LifecycleCategoryName, number>>;
  /** Agreeing share over all rows of the table; null when the table is empty. */
  overallShare: number | null;
}

/** Query directions [K, D] for checkpoint c (see the header). */
function queries(
  features: readonly CheckedFeature[],
  c: number,
  cCount: number,
  d: number,
  absentBelow: number,
): Float32Array {
  const out = new Float32Array(features.length * d);
  features.forEach((f, k) => {
    const norms = Array.from({ length: cCount }, (_, x) => {
      let s = 0;
      for (let j = 0; j < d; j++) s += f.dec_CD[x * d + j]! ** 2;
      return Math.sqrt(s);
    });
    const max = Math.max(...norms);
    const source = norms[c]! >= absentBelow * max ? c : norms.indexOf(max);
    out.set(f.dec_CD.subarray(source * d, (source + 1) * d), k * d);
  });
  return out;
}

export function saeAgreement(
  features: readonly CheckedFeature[],
  saes: readonly SaeDecoders[],
  dModel: number,
  options: SaeAgreementOptions = {},
): SaeAgreement {
  const threshold = options.threshold ?? defaultMatchThreshold;
  const absentBelow = options.absentBelow ?? defaultAbsentBelow;
  const isOneToOne = options.isOneToOne ?? false;
  const cCount = saes.length;
  if (cCount !== 2 && cCount !== 3)
    throw new Error(`lifecycle categories need 2 or 3 checkpoints, got ${cCount} SAEs`);
  const d = dModel;
  saes.forEach((s, c) => {
    if (s.dec_SD.length % d !== 0)
      throw new Error(`SAE ${c}: W_dec of ${s.dec_SD.length} values is not [S, ${d}]`);
  });
  features.forEach((f) => {
    if (f.dec_CD.length !== cCount * d)
      throw new Error(`feature ${f.feature}: decoder is not [${cCount}, ${d}]`);
  });
  const k = features.length;
  const cosine_KC = features.map(() => new Array<number>(cCount).fill(0));
  const sae_KC = features.map(() => new Array<number>(cCount).fill(-1));
  for (let c = 0; c < cCount; c++) {
    if (k === 0) break;
    const src = cosineSimilarity(queries(features, c, cCount, d, absentBelow), saes[c]!.dec_SD, d);
    if (isOneToOne) {
      for (const p of matchBySimilarity(src, { threshold }).pairs) {
        cosine_KC[p.row]![c] = p.similarity;
        sae_KC[p.row]![c] = p.col;
      }
      continue;
    }
    const row = new Float32Array(src.cols);
    for (let i = 0; i < k; i++) {
      src.fill(i, i + 1, row);
      row.forEach((s, j) => {
        if (s > cosine_KC[i]![c]!) {
          cosine_KC[i]![c] = s;
          sae_KC[i]![c] = j;
        }
      });
    }
  }
  const checks = features.map((f, i): FeaturePresenceCheck => {
    const observed = cosine_KC[i]!.map((s) => s >= threshold);
    const exact = f.bucket ? presenceOfBucket(f.bucket, cCount) : null;
    const expected =
      f.bucket === undefined || f.bucket === null
        ? presencePatterns(f.category, cCount)
        : exact
          ? [exact]
          : [];
    return {
      feature: f.feature,
      category: f.category,
      cosine: cosine_KC[i]!,
      saeFeature: sae_KC[i]!,
      observed,
      expected,
      outcome: comparePresence(observed, expected),
    };
  });
  return { threshold, isOneToOne, features: checks, ...tabulate(checks) };
}

/** Category × outcome counts and the agreeing share per category. */
export function tabulate(
  checks: readonly Pick<FeaturePresenceCheck, 'category' | 'outcome'>[],
): Pick<SaeAgreement, 'table' | 'skipped' | 'overallShare'> {
  const rows = new Map<LifecycleCategoryName, CategoryAgreementRow>();
  const skipped: Partial<Record<LifecycleCategoryName, number>> = {};
  for (const check of checks) {
    if (check.outcome === null) {
      skipped[check.category] = (skipped[check.category] ?? 0) + 1;
      continue;
    }
    let row = rows.get(check.category);
    if (!row) {
      const counts = Object.fromEntries(presenceOutcomes.map((o) => [o, 0])) as Record<
        PresenceOutcome,
        number
      >;
      row = { category: check.category, n: 0, counts, agreementShare: 0 };
      rows.set(check.category, row);
    }
    row.n++;
    row.counts[check.outcome]++;
  }
  const table = [...rows.values()].map((r) => ({ ...r, agreementShare: r.counts.agrees / r.n }));
  const n = table.reduce((a, r) => a + r.n, 0);
  return {
    table,
    skipped,
    overallShare: n === 0 ? null : table.reduce((a, r) => a + r.counts.agrees, 0) / n,
  };
}
