import { useEffect, useState } from 'react';
import type { JobSnapshot } from '../../shared/domain';
import {
  trainingMetricNames,
  type EvaluationSummary,
  type RunDetail as Detail,
  type RunSummary,
} from '../../shared/training';
import { api } from '../api/client';
import { MetricChart } from '../charts/MetricChart';
import { RelDecHistogram } from '../charts/RelDecHistogram';
import { useRunMetrics } from '../hooks/use-run-metrics';
import { errorMessage, formatDuration } from './format';
import { ProgressBar } from './ProgressBar';

const value = (x: number | null | undefined, digits = 4): string =>
  x === null || x === undefined ? '—' : Number(x.toPrecision(digits)).toString();
const percent = (x: number | null | undefined): string =>
  x === null || x === undefined ? '—' : `${(100 * x).toFixed(1)}%`;

/** Checkpoint pairs in the order evaluateCrosscoder reports decoder cosines: (0,1), (0,2), (1,2). */
const pairs = [
  [0, 1],
  [0, 2],
  [1, 2],
] as const;
const pairLabel = (p: number, labels: readonly string[]): string => {
  const [a, b] = pairs[p] ?? [0, 1];
  return `${labels[a] ?? a + 1}–${labels[b] ?? b + 1}`;
};

function EvaluationTable({ evaluation, labels }: { evaluation: EvaluationSummary; labels: string[] }) {
  const perCheckpoint = (xs: (number | null)[], format: (x: number | null) => string): string =>
    xs.map((x, m) => `${labels[m] ?? m + 1}: ${format(x)}`).join(', ');
  return (
    <dl className="about evaluation" data-testid="run-evaluation">
      <dt>Rows evaluated</dt>
      <dd>{evaluation.tokens}</dd>
      <dt>MSE</dt>
      <dd>
        {value(evaluation.mse)}{' '}
        <span className="muted">({perCheckpoint(evaluation.msePerCheckpoint, value)})</span>
      </dd>
      <dt>Explained variance</dt>
      <dd data-testid="run-ev">
        {percent(evaluation.explainedVariance)}{' '}
        <span className="muted">({perCheckpoint(evaluation.explainedVariancePerCheckpoint, percent)})</span>
      </dd>
      <dt>L0 · L1</dt>
      <dd>
        {value(evaluation.l0)} · {value(evaluation.l1)}
      </dd>
      <dt>Dead · dense</dt>
      <dd>
        {percent(evaluation.deadFraction)} · {percent(evaluation.denseFraction)}
      </dd>
      {evaluation.decoderCosineMean.length > 0 && (
        <>
          <dt>Mean decoder cosine</dt>
          <dd>
            {evaluation.decoderCosineMean.map((x, p) => `${pairLabel(p, labels)}: ${value(x, 3)}`).join(', ')}
          </dd>
        </>
      )}
    </dl>
  );
}

/**
 * One run: progress, the five training curves (stored points plus live snapshots while it trains), and
 * once finished the evaluation and the RelDec histogram.
 */
export function RunDetail({ run, job }: { run: RunSummary; job: JobSnapshot | undefined }) {
  const { rows, error } = useRunMetrics(run.id, run.jobId, run.status);
  const [detail, setDetail] = useState<{ key: string; detail: Detail | null; error: string | null }>({
    key: '',
    detail: null,
    error: null,
  });
  const key = `${run.id}|${run.status}`;
  useEffect(() => {
    let isCurrent = true;
    api.invoke('runs:get', { runId: run.id }).then(
      (d) => {
        if (isCurrent) setDetail({ key, detail: d, error: null });
      },
      (e: unknown) => {
        if (isCurrent) setDetail({ key, detail: null, error: errorMessage(e) });
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [key, run.id]);
  const shown = detail.key === key ? detail : null;
  const config = shown?.detail?.config;
  const result = shown?.detail?.result ?? null;
  const labels = config?.store.revisions.length ? config.store.revisions : [];
  const isTraining = job !== undefined && (job.state === 'running' || job.state === 'queued');

  return (
    <section
      className="card run-detail"
      aria-labelledby="run-detail-title"
      data-testid="run-detail"
      data-run-id={run.id}
    >
      <h2 id="run-detail-title">{run.name}</h2>
      {config && (
        <p className="muted">
          {config.crosscoder.type === 'l1'
            ? `L1, λ = ${config.crosscoder.l1Coeff ?? 2}`
            : `BatchTopK, k = ${config.crosscoder.k ?? 32}`}
          , F = {config.crosscoder.nFeatures}, batch {config.crosscoder.batchSize}, lr{' '}
          {config.crosscoder.learningRate ?? 5e-5} · {config.store.revisions.join(', ')}
          {config.store.layer !== null && `, layer ${config.store.layer}`} · {run.activationStore}
        </p>
      )}
      {isTraining && job && (
        <div className="inline-progress" data-testid="run-progress">
          <ProgressBar step={job.step} total={job.total} label={`${run.name} progress`} />
          <span>{job.message}</span>
          <span className="muted">ETA {formatDuration(job.etaMs)}</span>
        </div>
      )}
      {(error ?? shown?.error) && <p className="error">{error ?? shown?.error}</p>}
      {rows.length === 0 ? (
        <p className="muted" data-testid="run-no-metrics">
          No metrics yet: the first step is on its way.
        </p>
      ) : (
        <div className="chart-grid" data-testid="run-charts">
          {trainingMetricNames.map((name) => (
            <MetricChart key={name} name={name} rows={rows} />
          ))}
        </div>
      )}
      {result && (
        <>
          <h3>Evaluation on the store&apos;s first {result.evaluation.tokens} rows</h3>
          <EvaluationTable evaluation={result.evaluation} labels={labels} />
          <RelDecHistogram
            histogram={result.evaluation.relDecHistogram}
            bins={result.evaluation.relDecBins}
            labels={labels}
          />
        </>
      )}
    </section>
  );
}
