import { lifecycleOf, selectTopFeatures, type Thresholds } from '../../shared/lifecycle';

// The pipeline's lifecycle stage: per task, the features selected for annotation (union over
// checkpoints of the top-k by |IE|) with their RelIE, bucket and category, and the counts per category.

export interface TaskLifecycle {
  task: string;
  /** Pairs the IE was averaged over. */
  n: number;
  features: {
    feature: number;
    ie: number[];
    relIE: number | number[] | null;
    bucket: string | null;
    category: string;
  }[];
  counts: Record<string, number>;
}

export interface LifecycleSummary {
  thresholds: Thresholds;
  top: number;
  tasks: TaskLifecycle[];
  /** Union over tasks of the selected features, ascending: the features that get dashboards. */
  selected: number[];
}

export function summarizeLifecycle(
  results: readonly { task: string; n: number; ie: number[][] }[],
  thresholds: Thresholds,
  top: number,
): LifecycleSummary {
  const tasks = results.map(({ task, n, ie }) => {
    const features = selectTopFeatures(ie, top).map((f) => {
      const l = lifecycleOf(ie, f, thresholds);
      return { feature: l.feature, ie: l.ie, relIE: l.relIE, bucket: l.bucket, category: l.category };
    });
    const counts: Record<string, number> = {};
    for (const f of features) counts[f.category] = (counts[f.category] ?? 0) + 1;
    return { task, n, features, counts };
  });
  const selected = [...new Set(tasks.flatMap((t) => t.features.map((f) => f.feature)))].sort((a, b) => a - b);
  return { thresholds, top, tasks, selected };
}

/** "11 emerged-late, 5 emerged-mid, …", largest first. */
export const formatCounts = (counts: Record<string, number>): string =>
  Object.entries(counts)
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([category, n]) => `${n} ${category}`)
    .join(', ') || 'none';
