import {
  lifecycleOf,
  selectTopFeatures,
  type Bucket,
  type LifecycleCategoryName,
  type Thresholds,
} from '../../shared/lifecycle';
import { cohenKappa } from './agreement';
import { matchCrosscoders, toOrderOf, type DecoderRun } from './decoder-matching';
import type { MatchedItem } from '../../shared/faithfulness';
import { matchSummary, saeSection } from './report';
import { saeAgreement, type CheckedFeature, type SaeDecoders } from './sae-agreement';

// The report's sections from the pieces the runner gathers (issue 12). Legend: F = features,
// C = checkpoints, D = dModel.
//
// Which features are checked: per task of the base run's attribution records, the features the study
// selects for annotation (the union over checkpoints of the top-k by |IE|, k = 10 by default), each
// labelled with its lifecycle category on that task. An item is a (task, feature) pair, so a feature
// selected on two tasks counts on each with its category there.

export interface CheckedItem {
  task: string;
  feature: number;
  category: LifecycleCategoryName;
  bucket: Bucket | null;
  /** Σ_m |IE_m| on the task. */
  size: number;
}

/** The checked items of one task from its IE [C][F] (rows in the base run's order). */
export function checkedItems(
  task: string,
  ie: readonly (readonly number[])[],
  top: number,
  thresholds: Thresholds,
): CheckedItem[] {
  return selectTopFeatures(ie, top).map((feature) => {
    const l = lifecycleOf(ie, feature, thresholds);
    return {
      task,
      feature,
      category: l.category,
      bucket: l.bucket,
      size: l.ie.reduce((a, v) => a + Math.abs(v), 0),
    };
  });
}

/**
 * Match a reordered or reseeded run to the base run by decoder directions (un-permuted), and the κ of
 * lifecycle categories over the checked items whose feature is matched at S ≥ threshold: the base
 * category against the matched feature's category on the same task, from the other run's IE put back
 * into the base order. `otherIe` maps task → IE [C][F] in the other run's own order; items of tasks
 * without it are left out.
 */
export function compareRuns(
  runId: string,
  base: DecoderRun,
  other: DecoderRun,
  items: readonly CheckedItem[],
  otherIe: ReadonlyMap<string, readonly (readonly number[])[]>,
  options: { threshold: number; thresholds: Thresholds },
): ReturnType<typeof matchSummary> {
  const match = matchCrosscoders(base, other, { threshold: options.threshold });
  const pairOf = new Map(match.pairs.map((p) => [p.row, p]));
  const inBaseOrder = new Map([...otherIe].map(([task, ie]) => [task, toOrderOf(ie, match.map)] as const));
  const a: string[] = [];
  const b: string[] = [];
  const perItem: MatchedItem[] = items.map((item) => {
    const pair = pairOf.get(item.feature);
    const isMatched = pair !== undefined && pair.similarity >= match.threshold;
    const ie = inBaseOrder.get(item.task);
    const otherCategory =
      isMatched && ie !== undefined ? lifecycleOf(ie, pair.col, options.thresholds).category : null;
    if (otherCategory !== null) {
      a.push(item.category);
      b.push(otherCategory);
    }
    return {
      task: item.task,
      feature: item.feature,
      partner: pair?.col ?? null,
      similarity: pair?.similarity ?? null,
      isMatched,
      category: item.category,
      otherCategory,
    };
  });
  return matchSummary(runId, match, cohenKappa(a, b), perItem);
}

/** The feature's W_dec[feature] as [C, D] from W_dec [F, C, D]. */
export function decoderOf(wDec_FCD: Float32Array, feature: number, c: number, d: number): Float32Array {
  return wDec_FCD.slice(feature * c * d, (feature + 1) * c * d);
}

/** Independent SAEs against the base categories of the checked items (exact buckets as patterns). */
export function saeCheck(
  source: string,
  items: readonly CheckedItem[],
  wDec_FCD: Float32Array,
  saes: readonly SaeDecoders[],
  dModel: number,
  threshold: number,
): ReturnType<typeof saeSection> {
  const c = saes.length;
  const features: CheckedFeature[] = items.map((item) => ({
    feature: item.feature,
    category: item.category,
    bucket: item.bucket,
    dec_CD: decoderOf(wDec_FCD, item.feature, c, dModel),
  }));
  const tasks = items.map((item) => item.task);
  return saeSection(source, saeAgreement(features, saes, dModel, { threshold }), tasks);
}

/** One claim per feature for latent scaling: its item on the task where its Σ|IE| is largest. */
export function strongestItems(items: readonly CheckedItem[]): CheckedItem[] {
  const best = new Map<number, CheckedItem>();
  for (const item of items) {
    const seen = best.get(item.feature);
    if (seen === undefined || item.size > seen.size) best.set(item.feature, item);
  }
  return [...best.values()].sort((x, y) => x.feature - y.feature);
}
