import type { FeatureDetail, FeatureItemEffect, FeatureScores } from '../../shared/annotation';
import type { Bucket } from '../../shared/lifecycle';
import { relativeShares } from '../../shared/lifecycle';
import type { FeatureTimeline } from '../charts/attribution-view';

// What the feature dashboard draws, from `features:get` and `features:dashboard` (plain arrays in, plain
// arrays out; the React components only render them).

/** The scores of the attribution picked in the queue, else the first indexed one. */
export function scoresFor(detail: FeatureDetail, attributionId: string | null): FeatureScores | undefined {
  return detail.scores.find((s) => s.attributionId === attributionId) ?? detail.scores[0];
}

/** The lifecycle timeline (Attribution page's charts) of a feature on one attribution. */
export function detailTimeline(detail: FeatureDetail, scores: FeatureScores): FeatureTimeline {
  const shares = relativeShares(scores.ie);
  const axis = detail.revisions.every((r) => r.tokensSeen !== null && r.tokensSeen > 0) ? 'tokens' : 'order';
  const points = scores.ie.map((ie, m) => {
    const revision = detail.revisions[m];
    const tokensSeen = revision?.tokensSeen ?? null;
    return {
      index: m,
      revision: revision?.revision ?? `checkpoint ${m + 1}`,
      tokensSeen,
      x: axis === 'tokens' ? tokensSeen! : m + 1,
      ie,
      relIE: shares === null ? null : shares[m]!,
      decoderNorm: detail.decoderNorms?.[m] ?? null,
      relDec: detail.relDec?.[m] ?? null,
    };
  });
  const relIE = scores.relIe === null ? null : scores.ie.length === 2 ? scores.relIe[1]! : scores.relIe;
  return {
    feature: detail.index,
    ie: scores.ie,
    relIE,
    bucket: scores.bucket as Bucket | null,
    category: scores.category,
    axis,
    points,
  };
}

/** Histogram bars: one per bin, labelled by its lower edge. */
export function histogramBars(histogram: {
  edges: readonly number[];
  counts: readonly number[];
}): Array<{ low: number; high: number; label: string; count: number }> {
  return histogram.counts.map((count, i) => {
    const low = histogram.edges[i] ?? 0;
    const high = histogram.edges[i + 1] ?? low;
    return { low, high, label: Number(low.toPrecision(2)).toString(), count };
  });
}

/** The last checkpoint's RelIE share of a queue row or score (null when IE is all zero). */
export const formatShare = (value: number | null): string => (value === null ? '—' : value.toFixed(2));

/** |IE| in a short form: 3 significant digits, exponent when tiny. */
export function formatIe(value: number): string {
  const abs = Math.abs(value);
  if (abs === 0) return '0';
  return abs < 0.01 || abs >= 1000 ? value.toExponential(1) : Number(value.toPrecision(3)).toString();
}

/** Task items, the largest |IE| over checkpoints first (missing values count as 0). */
export function rankItems(items: readonly FeatureItemEffect[]): FeatureItemEffect[] {
  const strength = (item: FeatureItemEffect): number => Math.max(0, ...item.ie.map((v) => Math.abs(v ?? 0)));
  return [...items].sort((a, b) => strength(b) - strength(a) || a.item - b.item);
}
