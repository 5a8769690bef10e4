import { memo, useState } from 'react';
import type { FeatureDetail } from '../../shared/annotation';
import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { FeatureTimelineCharts } from '../charts/AttributionCharts';
import { errorMessage } from '../components/format';
import { ProgressBar } from '../components/ProgressBar';
import { detailTimeline, formatIe, formatShare, scoresFor } from './dashboard-view';
import {
  CheckpointDecoders,
  DensityHistogram,
  QuantileSamples,
  TaskItems,
  TopContexts,
} from './DashboardSections';
import { useKeyedAsync } from './use-keyed-async';

interface DashboardPaneProps {
  detail: FeatureDetail | undefined;
  detailError: string | null;
  attributionId: string | null;
  jobs: JobSnapshot[];
}

/**
 * Middle pane: the feature's scores, lifecycle timeline and (lazily) its dashboard. Memoised: typing in
 * the form must not redraw the charts.
 */
export const DashboardPane = memo(function DashboardPane({
  detail,
  detailError,
  attributionId,
  jobs,
}: DashboardPaneProps) {
  const [jobId, setJobId] = useState<string | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  // The job this pane started, else any dashboards job still running (started from another feature).
  const job =
    (jobId === null ? undefined : jobs.find((j) => j.id === jobId)) ??
    jobs.find((j) => j.kind === 'dashboards' && !isJobFinished(j.state));
  // Lazy: the dashboard is asked for once the detail is in, and again when a dashboards job finishes.
  const dashboard = useKeyedAsync(
    detail === undefined ? null : `${detail.featureId}|${detail.hasDashboard}|${job?.state ?? ''}`,
    () => api.invoke('features:dashboard', { featureId: detail!.featureId }),
  );
  if (detailError !== null) {
    return (
      <section className="fp-pane fp-dashboard" aria-label="Dashboard">
        <p className="error" role="alert" data-testid="detail-error">
          {detailError}
        </p>
      </section>
    );
  }
  if (detail === undefined) return <DashboardSkeleton />;
  const scores = scoresFor(detail, attributionId);
  const start = async (): Promise<void> => {
    try {
      const started = await api.invoke('features:startDashboards', {
        runId: detail.runId,
        ...(scores ? { attributionId: scores.attributionId } : {}),
      });
      setStartError(null);
      setJobId(started.jobId);
    } catch (e) {
      setStartError(errorMessage(e));
    }
  };
  const data = dashboard.data;
  const isRunning = job !== undefined && (job.state === 'queued' || job.state === 'running');
  return (
    <section className="fp-pane fp-dashboard" aria-label="Dashboard" data-testid="dashboard-pane">
      <header className="fp-feature-head">
        <h2 data-testid="feature-title">Feature #{detail.index}</h2>
        {scores && (
          <p className="small" data-testid="feature-scores">
            <span className={`fp-cat fp-cat--${scores.category}`}>{scores.category}</span> · bucket{' '}
            {scores.bucket ?? '—'} · RelIE{' '}
            {scores.relIe === null ? '—' : scores.relIe.map(formatShare).join(' / ')} · IE{' '}
            {scores.ie.map(formatIe).join(' / ')} · {scores.task}
          </p>
        )}
      </header>
      {data === undefined && dashboard.error === null ? (
        <div className="fp-skeleton" style={{ height: 220 }} aria-busy="true" />
      ) : dashboard.error !== null ? (
        <p className="error" role="alert">
          {dashboard.error}
        </p>
      ) : data === null || data === undefined ? (
        <div className="empty-state fp-no-dashboard" data-testid="dashboard-empty">
          <p className="empty-state__lead">No dashboard for this feature yet.</p>
          <p className="muted small">
            Dashboards (top contexts, quantiles, density, logits) are computed from the run&apos;s activation
            store for the task&apos;s selected features.
          </p>
          <button
            type="button"
            data-testid="dashboard-start"
            disabled={isRunning}
            onClick={() => void start()}
          >
            Compute dashboards
          </button>
          {isRunning && (
            <div className="inline-progress" data-testid="dashboard-progress">
              <ProgressBar step={job.step} total={job.total} label="dashboards progress" />
              <span className="muted small">{job.message}</span>
            </div>
          )}
          {job !== undefined && (job.state === 'failed' || job.state === 'cancelled') && (
            <p className="error" role="alert">
              Dashboards {job.state}
              {job.error ? `: ${job.error}` : '.'}
            </p>
          )}
          {startError && (
            <p className="error" role="alert">
              {startError}
            </p>
          )}
        </div>
      ) : (
        <>
          <TopContexts data={data} />
          <QuantileSamples data={data} />
          <DensityHistogram data={data} />
          <CheckpointDecoders data={data} />
        </>
      )}
      {scores && (
        <section className="fp-section" aria-labelledby="fp-timeline-title" data-testid="dashboard-timeline">
          <h3 id="fp-timeline-title">Lifecycle over training</h3>
          <FeatureTimelineCharts timeline={detailTimeline(detail, scores)} />
        </section>
      )}
      {scores && <TaskItems detail={detail} scores={scores} />}
    </section>
  );
});

/** Placeholders of the final size while the feature loads (the pane does not jump). */
export function DashboardSkeleton() {
  return (
    <section
      className="fp-pane fp-dashboard"
      aria-label="Dashboard"
      aria-busy="true"
      data-testid="dashboard-loading"
    >
      <div className="fp-skeleton" style={{ height: 28, width: '40%' }} />
      <div className="fp-skeleton" style={{ height: 16, width: '80%' }} />
      <div className="fp-skeleton" style={{ height: 220 }} />
      <div className="fp-skeleton" style={{ height: 140 }} />
    </section>
  );
}
