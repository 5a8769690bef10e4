import type { MetricSeries, TrainingMetricName } from '../../shared/training';

/** One chart row: a step and the value of each training metric known at that step. */
export type MetricRow = { step: number } & Partial<Record<TrainingMetricName, number>>;

/** Rows by step, kept sorted; a later value of a metric at a step replaces the earlier one. */
export type MetricTable = ReadonlyMap<number, MetricRow>;

/** The stored series of a run as rows by step. */
export function tableOfSeries(series: readonly MetricSeries[]): Map<number, MetricRow> {
  const table = new Map<number, MetricRow>();
  for (const s of series) {
    for (const p of s.points) {
      table.set(p.step, { ...table.get(p.step), step: p.step, [s.name]: p.value });
    }
  }
  return table;
}

/** Adds one progress snapshot's values (from `jobs:progress`) at its step. */
export function withPoint(
  table: MetricTable,
  step: number,
  values: Partial<Record<TrainingMetricName, number>>,
): Map<number, MetricRow> {
  const next = new Map(table);
  next.set(step, { ...table.get(step), ...values, step });
  return next;
}

export const sortedRows = (table: MetricTable): MetricRow[] =>
  [...table.values()].sort((a, b) => a.step - b.step);

/** Chart rows of RelDec histograms: one row per bin (its centre), one key per checkpoint. */
export function relDecRows(
  histogram: readonly (readonly number[])[],
  bins: number,
  labels: readonly string[],
): Array<Record<string, number | string>> {
  return Array.from({ length: bins }, (_, b) => {
    const row: Record<string, number | string> = { bin: ((b + 0.5) / bins).toFixed(2) };
    histogram.forEach((counts, m) => {
      row[labels[m] ?? `checkpoint ${m + 1}`] = counts[b] ?? 0;
    });
    return row;
  });
}
