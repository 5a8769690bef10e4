import { useEffect, useMemo, useState } from 'react';
import type { JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { RunDetail } from '../components/RunDetail';
import { RunTable } from '../components/RunTable';
import { TrainingForm } from '../components/TrainingForm';
import { useAsync } from '../hooks/use-async';
import { WorkflowEmptyState } from './WorkflowPage';

/**
 * Training: start crosscoder runs on complete activation stores, follow them live, resume stopped ones,
 * and read each run's curves, evaluation and RelDec histogram.
 */
export function TrainingPage({ jobs, onOpenJobs }: { jobs: JobSnapshot[]; onOpenJobs: () => void }) {
  const stores = useAsync(() => api.invoke('activations:list', {}));
  const runs = useAsync(() => api.invoke('runs:list', {}));
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const jobsById = useMemo(() => new Map(jobs.map((j) => [j.id, j])), [jobs]);

  // The run list follows its jobs: reload when a training job starts, changes state or ends.
  const reloadRuns = runs.reload;
  const statesKey = jobs
    .filter((j) => j.kind === 'trainCrosscoder')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  useEffect(() => reloadRuns(), [statesKey, reloadRuns]);

  const usable = (stores.data ?? []).filter(
    (s) => s.isComplete && s.nCheckpoints >= 2 && s.nCheckpoints <= 3,
  );
  const list = runs.data ?? [];
  const selected = list.find((r) => r.id === selectedId) ?? list[0];

  const resume = (runId: string): void => {
    api.invoke('training:resume', { runId }).then(
      () => {
        setActionError(null);
        setSelectedId(runId);
        runs.reload();
      },
      (e: unknown) => setActionError(errorMessage(e)),
    );
  };
  const cancel = (jobId: string): void => {
    api.invoke('jobs:cancel', { jobId }).catch((e: unknown) => setActionError(errorMessage(e)));
  };

  return (
    <section className="page" aria-labelledby="training-title">
      <h1 id="training-title">Training</h1>
      {(stores.error ?? runs.error) && (
        <p className="error" role="alert">
          {stores.error ?? runs.error}
        </p>
      )}
      {runs.data !== undefined && list.length === 0 && (
        <WorkflowEmptyState page="training" onOpenJobs={onOpenJobs} />
      )}
      {stores.data !== undefined && usable.length === 0 ? (
        <p className="muted" data-testid="train-needs-store">
          No complete activation store with 2 or 3 checkpoints yet: extract one on the Activations page.
        </p>
      ) : (
        stores.data !== undefined && (
          <TrainingForm
            stores={usable}
            onStarted={(runId) => {
              setSelectedId(runId);
              runs.reload();
            }}
          />
        )
      )}
      {actionError && (
        <p className="error" role="alert" data-testid="run-action-error">
          {actionError}
        </p>
      )}
      {list.length > 0 && (
        <section className="card" aria-labelledby="runs-title">
          <h2 id="runs-title">Runs</h2>
          <RunTable
            runs={list}
            jobs={jobsById}
            selectedId={selected?.id ?? null}
            onSelect={setSelectedId}
            onResume={resume}
            onCancel={cancel}
          />
        </section>
      )}
      {selected && (
        <RunDetail
          key={selected.id}
          run={selected}
          job={selected.jobId === null ? undefined : jobsById.get(selected.jobId)}
        />
      )}
    </section>
  );
}
