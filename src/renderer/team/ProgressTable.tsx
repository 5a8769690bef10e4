import { useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { formatTime } from '../components/format';
import { ProgressBar } from '../components/ProgressBar';
import { useKeyedAsync } from '../features/use-keyed-async';
import { progressRowView, teamTotals } from './team-progress';
import { useVisibleInterval } from './use-visible-interval';

export const progressRefreshMs = 5_000;

interface ProgressTableProps {
  runId: string | null;
  attributionId: string | null;
  /** Changes when an assignment was made, to reload at once. */
  refreshKey: number;
}

/** Done / total and median time per annotator on the chosen run and attribution; polls while visible. */
export function ProgressTable({ runId, attributionId, refreshKey }: ProgressTableProps) {
  const key = runId === null ? null : `${runId}|${attributionId ?? ''}`;
  const [updatedAt, setUpdatedAt] = useState<string | null>(null);
  const progress = useKeyedAsync(key, async () => {
    const rows = await api.invoke('annotators:progress', {
      runId: runId ?? '',
      ...(attributionId !== null ? { attributionId } : {}),
    });
    setUpdatedAt(new Date().toISOString());
    return rows;
  });
  useVisibleInterval(progress.reload, progressRefreshMs, key !== null);
  // A new assignment reloads at once, keeping the rows shown meanwhile.
  const lastRefreshKey = useRef(refreshKey);
  const { reload } = progress;
  useEffect(() => {
    if (lastRefreshKey.current === refreshKey) return;
    lastRefreshKey.current = refreshKey;
    reload();
  }, [refreshKey, reload]);

  const rows = progress.data ?? [];
  const totals = teamTotals(rows);
  return (
    <div className="team-block" data-testid="team-progress">
      <div className="team-block__head">
        <h3>Progress</h3>
        <span className="muted small" data-testid="team-progress-updated">
          {updatedAt === null ? '' : `every ${progressRefreshMs / 1000} s · updated ${formatTime(updatedAt)}`}
        </span>
        <button
          type="button"
          className="secondary small"
          data-testid="team-progress-refresh"
          disabled={key === null}
          onClick={progress.reload}
        >
          Refresh
        </button>
      </div>
      {runId === null ? (
        <p className="muted">Pick a run to see its progress.</p>
      ) : progress.error ? (
        <p className="error" role="alert">
          {progress.error}
        </p>
      ) : rows.length === 0 ? (
        <p className="muted">{progress.data === undefined ? 'Loading…' : 'No annotators yet.'}</p>
      ) : (
        <table className="table team-progress">
          <thead>
            <tr>
              <th scope="col">Annotator</th>
              <th scope="col">Done / total</th>
              <th scope="col">Progress</th>
              <th scope="col">Median per feature</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(progressRowView).map((row) => (
              <tr key={row.annotatorId} data-testid="team-progress-row" data-annotator-id={row.annotatorId}>
                <th scope="row">{row.name}</th>
                <td className="team-progress__num" data-testid="team-progress-done">
                  {row.doneText}
                </td>
                <td>
                  <ProgressBar
                    step={row.percent}
                    total={100}
                    label={`${row.name}: ${row.percent}% done`}
                    isCompact
                  />{' '}
                  <span className="small muted">{row.percent}%</span>
                </td>
                <td className="team-progress__num" data-testid="team-progress-median">
                  {row.medianText}
                </td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">All annotators</th>
              <td className="team-progress__num" data-testid="team-progress-total">
                {totals.done} / {totals.total}
              </td>
              <td colSpan={2}>
                <ProgressBar step={totals.percent} total={100} label="team progress" isCompact />{' '}
                <span className="small muted">{totals.percent}%</span>
              </td>
            </tr>
          </tfoot>
        </table>
      )}
      <p className="muted small">
        Totals count each annotator&apos;s assigned features; an annotator with no assignment on this run
        counts the attribution&apos;s selected features.
      </p>
    </div>
  );
}
