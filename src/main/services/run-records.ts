import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MetricPoint, Run } from '../../shared/domain';
import {
  trainCrosscoderResultSchema,
  trainingMetricNames,
  trainingRunConfigSchema,
  type MetricSeries,
  type RunDetail,
  type RunSummary,
  type TrainingMetricName,
} from '../../shared/training';
import type { Store } from '../store/store';

/*
 * Runs as the run list and the charts read them: summaries from the runs and metrics tables, metric
 * series, and the per-step metrics a run directory's metrics.jsonl holds (docs/decisions/0006).
 */

/** At most this many points a series is imported from metrics.jsonl (every k-th step beyond it). */
export const maxImportedPoints = 5000;

/** Points of the chart metrics in a job's progress metrics (`runStep` is the run's absolute step). */
export function pointsOfProgress(metrics: Record<string, number>): MetricPoint[] {
  const step = metrics.runStep;
  if (step === undefined || !Number.isInteger(step) || step < 1) return [];
  return trainingMetricNames.flatMap((name) => {
    const value = metrics[name];
    return value === undefined || !Number.isFinite(value) ? [] : [{ step, name, value }];
  });
}

/**
 * The per-step metrics the trainer appended to `<dir>/metrics.jsonl`, thinned to every k-th step (and the
 * last) when there are more than `maxPoints` steps. Unreadable lines are skipped.
 */
export function readRunMetricsFile(dir: string, maxPoints = maxImportedPoints): MetricPoint[] {
  const file = join(dir, 'metrics.jsonl');
  if (!existsSync(file)) return [];
  const rows: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // A line cut short by a kill; the next save rewrites the file.
    }
  }
  const stride = Math.max(1, Math.ceil(rows.length / maxPoints));
  return rows.flatMap((row, i) => {
    const step = row.step;
    if (typeof step !== 'number' || (i % stride !== stride - 1 && i !== rows.length - 1)) return [];
    return trainingMetricNames.flatMap((name) => {
      const value = row[name];
      return typeof value === 'number' && Number.isFinite(value) ? [{ step, name, value }] : [];
    });
  });
}

export function summarizeRun(store: Store, run: Run): RunSummary | null {
  const config = trainingRunConfigSchema.safeParse(run.config);
  if (!config.success) return null;
  const latest = store.metrics.latest(run.id);
  const result = trainCrosscoderResultSchema.safeParse(run.result);
  const evaluation = result.success ? result.data.evaluation : null;
  return {
    id: run.id,
    name: run.name,
    status: run.status,
    createdAt: run.createdAt,
    type: config.data.crosscoder.type,
    nFeatures: config.data.crosscoder.nFeatures,
    stepsDone: latest.step,
    steps: config.data.crosscoder.steps,
    activationStore: config.data.activationStore,
    jobId: run.jobId,
    error: run.error,
    lastMetrics: latest.values,
    evaluation: evaluation && {
      mse: evaluation.mse,
      explainedVariance: evaluation.explainedVariance,
      l0: evaluation.l0,
      deadFraction: evaluation.deadFraction,
    },
    canResume: run.status === 'failed' || run.status === 'cancelled',
  };
}

export function runDetail(store: Store, run: Run): RunDetail | null {
  const summary = summarizeRun(store, run);
  if (summary === null) return null;
  const result = trainCrosscoderResultSchema.safeParse(run.result);
  return {
    ...summary,
    dir: run.dir,
    config: trainingRunConfigSchema.parse(run.config),
    result: result.success ? result.data : null,
  };
}

export function runMetricSeries(
  store: Store,
  runId: string,
  names: readonly TrainingMetricName[] = trainingMetricNames,
): MetricSeries[] {
  return names.map((name) => ({
    name,
    points: store.metrics.series(runId, name).map((p) => ({ step: p.step, value: p.value })),
  }));
}
