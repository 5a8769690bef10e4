import { memo, useLayoutEffect, useRef, useState } from 'react';
import type { FeatureDashboardData, FeatureDetail } from '../../shared/annotation';
import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
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
import { FeatureTimelines } from './FeatureCharts';
import type { Loaded } from './feature-data-store';

interface DashboardPaneProps {
  featureId: number;
  /** From the page's feature cache (undefined while loading). */
  detail: Loaded<FeatureDetail> | undefined;
  dashboard: Loaded<FeatureDashboardData | null> | undefined;
  attributionId: string | null;
  jobs: JobSnapshot[];
}

/**
 * Middle pane: the feature's scores, lifecycle timeline and its dashboard. It stays mounted from one
 * feature to the next (only what changed is redrawn) and is memoised: typing in the form does not
 * redraw it.
 */
export const DashboardPane = memo(function DashboardPane({
  featureId,
  detail: loadedDetail,
  dashboard,
  attributionId,
  jobs,
}: DashboardPaneProps) {
  // The dashboards job started from this feature, and why starting failed (both reset per feature).
  const [started, setStarted] = useState<{ featureId: number; jobId: string | null; error: string | null }>();
  const mine = started?.featureId === featureId ? started : undefined;
  const job =
    (mine?.jobId == null ? undefined : jobs.find((j) => j.id === mine.jobId)) ??
    jobs.find((j) => j.kind === 'dashboards' && !isJobFinished(j.state));
  // Another feature starts at the top of the pane, as if the pane were new. Whether it is scrolled is
  // noted while scrolling, so a switch does not read the layout it has just changed.
  const paneRef = useRef<HTMLElement>(null);
  const isScrolledRef = useRef(false);
  useLayoutEffect(() => {
    if (paneRef.current === null || !isScrolledRef.current) return;
    paneRef.current.scrollTop = 0;
    isScrolledRef.current = false;
  }, [featureId]);

  if (loadedDetail?.kind === 'error') {
    return (
      <section className="fp-pane fp-dashboard" aria-label="Dashboard">
        <p className="error" role="alert" data-testid="detail-error">
          {loadedDetail.message}
        </p>
      </section>
    );
  }
  if (loadedDetail === undefined) return <DashboardSkeleton />;
  const detail = loadedDetail.value;
  const scores = scoresFor(detail, attributionId);
  const start = async (): Promise<void> => {
    try {
      const result = await api.invoke('features:startDashboards', {
        runId: detail.runId,
        ...(scores ? { attributionId: scores.attributionId } : {}),
      });
      setStarted({ featureId, jobId: result.jobId, error: null });
    } catch (e) {
      setStarted({ featureId, jobId: mine?.jobId ?? null, error: errorMessage(e) });
    }
  };
  const isRunning = job !== undefined && (job.state === 'queued' || job.state === 'running');
  return (
    <section
      ref={paneRef}
      onScroll={(e) => (isScrolledRef.current = e.currentTarget.scrollTop > 0)}
      className="fp-pane fp-dashboard"
      aria-label="Dashboard"
      data-testid="dashboard-pane"
    >
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
      {dashboard === undefined ? (
        <div className="fp-skeleton" style={{ height: 220 }} aria-busy="true" />
      ) : dashboard.kind === 'error' ? (
        <p className="error" role="alert">
          {dashboard.message}
        </p>
      ) : dashboard.value === null ? (
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
          {mine?.error && (
            <p className="error" role="alert">
              {mine.error}
            </p>
          )}
        </div>
      ) : (
        <>
          <TopContexts data={dashboard.value} />
          <QuantileSamples key={featureId} data={dashboard.value} />
          <DensityHistogram data={dashboard.value} />
          <CheckpointDecoders data={dashboard.value} />
        </>
      )}
      {scores && (
        <section className="fp-section" aria-labelledby="fp-timeline-title" data-testid="dashboard-timeline">
          <h3 id="fp-timeline-title">Lifecycle over training</h3>
          <FeatureTimelines timeline={detailTimeline(detail, scores)} />
        </section>
      )}
      {scores && <TaskItems key={featureId} detail={detail} scores={scores} />}
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
