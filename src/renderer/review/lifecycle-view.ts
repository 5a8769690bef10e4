import type { LifecycleCategory } from '../../shared/domain';
import type { LifecycleReview, LifecycleTask } from '../../shared/review';

// The lifecycle review as plain data: category counts per task (a table and the bar chart's rows) and
// the ±0.05 threshold-sensitivity lines.

/** Category order of the tables (3-checkpoint names first, then the 2-checkpoint ones). */
export const categoryOrder: readonly LifecycleCategory[] = [
  'emerged-late',
  'emerged-mid',
  'emerged',
  'maintained',
  'discontinued',
  'transient-gap',
  'other',
  'undefined',
];

export interface CountRow {
  category: LifecycleCategory;
  /** One cell per task, in the review's task order; zeros where a task lacks the category. */
  cells: Array<{ all: number; selected: number }>;
}

/** Categories any task has (in `categoryOrder`), with each task's counts. */
export function countRows(tasks: readonly LifecycleTask[]): CountRow[] {
  const present = new Set(
    tasks.flatMap((t) => t.counts.filter((c) => c.all > 0 || c.selected > 0).map((c) => c.category)),
  );
  return categoryOrder
    .filter((c) => present.has(c))
    .map((category) => ({
      category,
      cells: tasks.map((t) => {
        const c = t.counts.find((x) => x.category === category);
        return { all: c?.all ?? 0, selected: c?.selected ?? 0 };
      }),
    }));
}

/** Series key of a task in the chart rows (task names may repeat across attributions). */
export const taskKey = (i: number): string => `t${i}`;

/** Bar chart rows: one per category, one numeric key per task (selected features). */
export function chartRows(tasks: readonly LifecycleTask[]): Array<Record<string, string | number>> {
  return countRows(tasks).map((row) => {
    const out: Record<string, string | number> = { category: row.category };
    row.cells.forEach((c, i) => (out[taskKey(i)] = c.selected));
    return out;
  });
}

/** "0.25 / 0.70" */
export const formatThresholds = (t: { low: number; high: number }): string =>
  `${t.low.toFixed(2)} / ${t.high.toFixed(2)}`;

export interface SensitivityLine {
  label: string;
  thresholds: string;
  changed: number;
  /** Share of the task's selected features that change category. */
  share: number | null;
}

export function sensitivityLines(task: LifecycleTask): SensitivityLine[] {
  const selected = task.counts.reduce((a, c) => a + c.selected, 0);
  return task.sensitivity.map((s) => ({
    label: s.label,
    thresholds: formatThresholds(s.thresholds),
    changed: s.changed,
    share: selected > 0 ? s.changed / selected : null,
  }));
}

/** How many mismatches each task has (for the section's heading). */
export const mismatchCount = (review: LifecycleReview, attributionId: string): number =>
  review.mismatches.filter((m) => m.attributionId === attributionId).length;
