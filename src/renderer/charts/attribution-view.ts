import type { AttributeResult } from '../../shared/attribution';
import {
  lifecycleOf,
  relativeShares,
  selectTopFeatures,
  type FeatureLifecycle,
  type LifecycleCategoryName,
  type Thresholds,
} from '../../shared/lifecycle';

// What the Attribution page draws from one `attribute` result: the selected features with their
// lifecycle categories, the RelIE × RelDec scatter, and how many categories move with the thresholds.

export const categoryOrder: Record<2 | 3, LifecycleCategoryName[]> = {
  2: ['emerged', 'maintained', 'discontinued', 'undefined'],
  3: ['emerged-late', 'emerged-mid', 'maintained', 'discontinued', 'transient-gap', 'other', 'undefined'],
};

export const areThresholdsValid = (t: Thresholds): boolean =>
  Number.isFinite(t.low) && Number.isFinite(t.high) && t.low >= 0 && t.high <= 1 && t.low < t.high;

export interface SelectedFeature extends FeatureLifecycle {
  /** The share plotted: the later checkpoint's RelIE (M = 2) or the last checkpoint's share (M = 3). */
  relIEShare: number | null;
  /** The same checkpoint's RelDec. */
  relDecShare: number | null;
}

export function selectedFeatures(result: AttributeResult, k: number, t: Thresholds): SelectedFeature[] {
  const last = result.ie.length - 1;
  return selectTopFeatures(result.ie, k).map((f) => {
    const l = lifecycleOf(result.ie, f, t);
    const relIEShare = l.relIE === null ? null : Array.isArray(l.relIE) ? l.relIE[last]! : l.relIE;
    return { ...l, relIEShare, relDecShare: result.relDec[f]?.[last] ?? null };
  });
}

export function categoryCounts(
  features: readonly FeatureLifecycle[],
  m: 2 | 3,
): Array<{ category: LifecycleCategoryName; count: number }> {
  return categoryOrder[m].map((category) => ({
    category,
    count: features.filter((f) => f.category === category).length,
  }));
}

/**
 * Threshold sensitivity: for shifts −δ, 0, +δ of `low` (and separately of `high`), how many of the
 * selected features change category against the thresholds as given. Invalid shifted thresholds: null.
 */
export function thresholdSensitivity(
  ie: readonly (readonly number[])[],
  features: readonly number[],
  t: Thresholds,
  delta = 0.05,
): Array<{ shift: number; low: number | null; high: number | null }> {
  const base = new Map(features.map((f) => [f, lifecycleOf(ie, f, t).category]));
  const changed = (next: Thresholds): number | null =>
    areThresholdsValid(next)
      ? features.filter((f) => lifecycleOf(ie, f, next).category !== base.get(f)).length
      : null;
  return [-delta, 0, delta].map((shift) => ({
    shift,
    low: changed({ low: round(t.low + shift), high: t.high }),
    high: changed({ low: t.low, high: round(t.high + shift) }),
  }));
}

const round = (x: number): number => Math.round(x * 1e9) / 1e9;

export interface TimelinePoint {
  /** Checkpoint index on the M axis. */
  index: number;
  revision: string;
  tokensSeen: number | null;
  /** The x value drawn: tokens seen on a log axis, else the checkpoint's order (1-based). */
  x: number;
  ie: number;
  /** This checkpoint's share of Σ_m |IE_m|; null when the feature's IE is all zero. */
  relIE: number | null;
  /** ‖W_dec[feature, m]‖; null for results that kept no decoder norms. */
  decoderNorm: number | null;
  relDec: number | null;
}

export interface FeatureTimeline extends FeatureLifecycle {
  /** `tokens`: every checkpoint knows its tokens seen (> 0), drawn on a log axis; else checkpoint order. */
  axis: 'tokens' | 'order';
  points: TimelinePoint[];
}

/** One feature's lifecycle over the checkpoints of a result: signed IE, RelIE share, decoder norm. */
export function featureTimeline(result: AttributeResult, feature: number, t: Thresholds): FeatureTimeline {
  const lifecycle = lifecycleOf(result.ie, feature, t);
  const shares = relativeShares(lifecycle.ie);
  const revisions = result.provenance.revisions;
  const axis = revisions.every((r) => r.tokensSeen !== null && r.tokensSeen > 0) ? 'tokens' : 'order';
  const points = lifecycle.ie.map((ie, m) => {
    const revision = revisions[m];
    const tokensSeen = revision?.tokensSeen ?? null;
    return {
      index: m,
      revision: revision?.revision ?? `checkpoint ${m + 1}`,
      tokensSeen,
      x: axis === 'tokens' ? tokensSeen! : m + 1,
      ie,
      relIE: shares === null ? null : shares[m]!,
      decoderNorm: result.decoderNorms?.[feature]?.[m] ?? null,
      relDec: result.relDec[feature]?.[m] ?? null,
    };
  });
  return { ...lifecycle, axis, points };
}
