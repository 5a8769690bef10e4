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

/** A rectangle on the RelIE × RelDec plane: x is RelDec, y is RelIE (both in [0, 1]). */
export interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** The box with its corners ordered and clamped to [0, 1]. */
export function normalizeBox(box: Box): Box {
  const clamp = (v: number): number => Math.min(1, Math.max(0, v));
  return {
    x0: clamp(Math.min(box.x0, box.x1)),
    x1: clamp(Math.max(box.x0, box.x1)),
    y0: clamp(Math.min(box.y0, box.y1)),
    y1: clamp(Math.max(box.y0, box.y1)),
  };
}

/** Features drawn inside the box (edges included), in ascending index order. */
export function featuresInBox(features: readonly SelectedFeature[], box: Box): number[] {
  const b = normalizeBox(box);
  return features
    .filter(
      (f) =>
        f.relIEShare !== null &&
        f.relDecShare !== null &&
        f.relDecShare >= b.x0 &&
        f.relDecShare <= b.x1 &&
        f.relIEShare >= b.y0 &&
        f.relIEShare <= b.y1,
    )
    .map((f) => f.feature)
    .sort((a, b) => a - b);
}

/** A default name for a brushed queue: task, the box, how many features. */
export function brushQueueName(task: string, box: Box, count: number): string {
  const b = normalizeBox(box);
  const r = (v: number): string => v.toFixed(2);
  return `${task} · RelIE ${r(b.y0)}–${r(b.y1)} · RelDec ${r(b.x0)}–${r(b.x1)} · ${count} features`;
}

export interface ItemFeatureEffect {
  feature: number;
  ie: number;
  /** |IE| relative to the largest on this pair and checkpoint, for bars. */
  width: number;
}

/** For one pair of a result: per checkpoint, the kept features by |IE| with bar widths. */
export function itemEffects(result: AttributeResult, item: number): ItemFeatureEffect[][] {
  const entry = result.items?.find((x) => x.item === item);
  if (entry === undefined) return [];
  return entry.top.map((row) => {
    const max = Math.max(0, ...row.map((x) => Math.abs(x.ie)));
    return row.map((x) => ({ feature: x.feature, ie: x.ie, width: max > 0 ? Math.abs(x.ie) / max : 0 }));
  });
}
