import type { JobSnapshot } from '../../shared/domain';
import type { RunSummary } from '../../shared/training';

const metric = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined ? '—' : Number(value.toPrecision(digits)).toString();
const percent = (value: number | null | undefined): string =>
  value === null || value === undefined ? '—' : `${(100 * value).toFixed(1)}%`;

/** Steps done: the live job's step while it trains, else the stored metrics' last step. */
export const liveStepsDone = (run: RunSummary, job: JobSnapshot | undefined): number =>
  Math.max(run.stepsDone, job?.state === 'running' ? (job.metrics.runStep ?? 0) : 0);

/** Crosscoder runs, newest first; a row selects the run, Resume continues a stopped one. */
export function RunTable({
  runs,
  jobs,
  selectedId,
  onSelect,
  onResume,
  onCancel,
}: {
  runs: RunSummary[];
  jobs: ReadonlyMap<string, JobSnapshot>;
  selectedId: string | null;
  onSelect: (runId: string) => void;
  onResume: (runId: string) => void;
  onCancel: (jobId: string) => void;
}) {
  return (
    <table className="table runs" data-testid="runs">
      <thead>
        <tr>
          <th scope="col">Run</th>
          <th scope="col">Type</th>
          <th scope="col">F</th>
          <th scope="col">Steps</th>
          <th scope="col">Status</th>
          <th scope="col">MSE</th>
          <th scope="col">EV</th>
          <th scope="col">L0</th>
          <th scope="col">Dead</th>
          <th scope="col" aria-label="actions" />
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => {
          const job = run.jobId === null ? undefined : jobs.get(run.jobId);
          const isRunning = run.status === 'running' || run.status === 'created';
          const isSelected = run.id === selectedId;
          return (
            <tr
              key={run.id}
              className={isSelected ? 'selected' : undefined}
              onClick={() => onSelect(run.id)}
              aria-selected={isSelected}
              data-testid="run-row"
              data-run-id={run.id}
              data-status={run.status}
            >
              <th scope="row">
                <button type="button" className="link" onClick={() => onSelect(run.id)}>
                  {run.name}
                </button>
              </th>
              <td>{run.type === 'l1' ? 'L1' : 'BatchTopK'}</td>
              <td>{run.nFeatures}</td>
              <td data-testid="run-steps">
                {liveStepsDone(run, job)}/{run.steps}
              </td>
              <td>
                <span className={`badge badge--${run.status === 'finished' ? 'succeeded' : run.status}`}>
                  {run.status}
                </span>
                {run.error && run.status !== 'finished' && (
                  <div className="error small" title={run.error}>
                    {run.error}
                  </div>
                )}
              </td>
              <td>{metric(run.evaluation?.mse ?? run.lastMetrics.mse)}</td>
              <td>{percent(run.evaluation?.explainedVariance)}</td>
              <td>{metric(run.evaluation?.l0 ?? run.lastMetrics.l0)}</td>
              <td>{percent(run.evaluation?.deadFraction ?? run.lastMetrics.deadFraction)}</td>
              <td onClick={(e) => e.stopPropagation()}>
                {run.canResume && (
                  <button
                    type="button"
                    className="small"
                    onClick={() => onResume(run.id)}
                    data-testid="run-resume"
                  >
                    Resume
                  </button>
                )}
                {isRunning && run.jobId !== null && (
                  <button
                    type="button"
                    className="small danger"
                    onClick={() => onCancel(run.jobId!)}
                    data-testid="run-cancel"
                  >
                    Cancel
                  </button>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
