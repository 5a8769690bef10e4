import type { AnnotatorProgress } from '../../shared/annotation';

// How the Team section shows `annotators:progress`: done / total, a percentage for the bar, the median
// time per submitted feature, and the sum over the team.

export interface ProgressRowView {
  annotatorId: number;
  name: string;
  /** "12 / 40". */
  doneText: string;
  /** 0–100, whole; 0 when there is nothing to do. */
  percent: number;
  /** "—" before the first submitted feature. */
  medianText: string;
  isComplete: boolean;
}

/** Median seconds per feature: "—" (none yet), "4.2 s", "42 s", "2 min 05 s", "1 h 03 min". */
export function formatSecondsPerFeature(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds) || seconds < 0) return '—';
  if (seconds < 9.95) return `${seconds.toFixed(1)} s`;
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

export function progressPercent(done: number, total: number): number {
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((done / total) * 100)));
}

export function progressRowView(p: AnnotatorProgress): ProgressRowView {
  return {
    annotatorId: p.annotatorId,
    name: p.name,
    doneText: `${p.done} / ${p.total}`,
    percent: progressPercent(p.done, p.total),
    medianText: formatSecondsPerFeature(p.medianSeconds),
    isComplete: p.total > 0 && p.done >= p.total,
  };
}

/** Done and total summed over annotators (an assignment of k per feature counts k times). */
export function teamTotals(rows: readonly AnnotatorProgress[]): {
  done: number;
  total: number;
  percent: number;
} {
  const done = rows.reduce((s, r) => s + r.done, 0);
  const total = rows.reduce((s, r) => s + r.total, 0);
  return { done, total, percent: progressPercent(done, total) };
}
