import { basename } from 'node:path';
import type { AttributeResult, AttributionSummary } from '../../shared/attribution';
import { lifecycleOf, relativeShares, selectTopFeatures, type Thresholds } from '../../shared/lifecycle';
import { AppError } from '../../shared/result';
import type { AttributionIndexWrite, FeatureScoreRow } from '../store/attribution-index-repository';

/*
 * An attribution result turned into rows for the index: every feature's IE, RelIE shares, bucket and
 * category (src/shared/lifecycle.ts, the same rules the Attribution page shows), whether it is among
 * the top-k of some checkpoint, and the task items whose kept top lists name it.
 */

export interface IndexOptions {
  top: number;
  thresholds: Thresholds;
}

/** Task name of a task file: its file name without folder and extension (`sv_pp_attractor.eng`). */
export const taskName = (taskFile: string): string =>
  basename(taskFile).replace(/\.(jsonl|json|tsv|csv|txt)$/i, '');

/** IE [M][F] of a result, checked: 2 or 3 checkpoints, every row as long as the first. */
export function checkedIe(result: AttributeResult, where: string): number[][] {
  const m = result.ie.length;
  const f = result.ie[0]?.length ?? 0;
  if ((m !== 2 && m !== 3) || f === 0 || result.ie.some((row) => row.length !== f)) {
    throw new AppError(
      'invalid_input',
      `${where}: IE must be [2 or 3 checkpoints][features] with rows of equal length (got ${m} rows).`,
      'input.attributionId',
    );
  }
  return result.ie;
}

/** Rows for the index; `featureIds[i]` is the id of feature i of the run. */
export function buildAttributionIndex(
  summary: AttributionSummary,
  featureIds: readonly number[],
  options: IndexOptions,
): AttributionIndexWrite {
  const { result } = summary;
  const ie = checkedIe(result, `Attribution ${summary.jobId}`);
  const selected = new Set(selectTopFeatures(ie, options.top));
  const scores: FeatureScoreRow[] = featureIds.map((featureId, i) => {
    const lifecycle = lifecycleOf(ie, i, options.thresholds);
    return {
      featureId,
      ie: lifecycle.ie,
      relIe: relativeShares(lifecycle.ie),
      bucket: lifecycle.bucket,
      category: lifecycle.category,
      absIe: Math.max(...lifecycle.ie.map(Math.abs)),
      isSelected: selected.has(i),
    };
  });
  return {
    header: {
      id: summary.jobId,
      runId: summary.runId,
      task: taskName(result.provenance.task || summary.taskFile),
      method: result.provenance.method,
      n: result.n,
      top: options.top,
      thresholds: options.thresholds,
      revisions: result.provenance.revisions,
    },
    scores,
    items: (result.items ?? []).map(({ item, good, bad }) => ({ item, good, bad })),
    effects: itemEffects(result, featureIds),
  };
}

/**
 * Per feature and item: IE and rank (1 = largest |IE| on the pair) per checkpoint where the feature is in
 * that checkpoint's kept top list; null elsewhere.
 */
function itemEffects(
  result: AttributeResult,
  featureIds: readonly number[],
): AttributionIndexWrite['effects'] {
  const m = result.ie.length;
  const effects: AttributionIndexWrite['effects'][number][] = [];
  for (const item of result.items ?? []) {
    const byFeature = new Map<number, { ie: (number | null)[]; rank: (number | null)[] }>();
    item.top.forEach((list, checkpoint) => {
      const ranked = [...list].sort((a, b) => Math.abs(b.ie) - Math.abs(a.ie) || a.feature - b.feature);
      ranked.forEach(({ feature, ie }, position) => {
        if (checkpoint >= m || featureIds[feature] === undefined) return;
        let effect = byFeature.get(feature);
        if (effect === undefined) {
          effect = {
            ie: new Array<number | null>(m).fill(null),
            rank: new Array<number | null>(m).fill(null),
          };
          byFeature.set(feature, effect);
        }
        effect.ie[checkpoint] = ie;
        effect.rank[checkpoint] = position + 1;
      });
    });
    for (const [feature, effect] of byFeature)
      effects.push({ featureId: featureIds[feature]!, item: item.item, ...effect });
  }
  return effects;
}
