import { useEffect } from 'react';
import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { ActivationStoreTable } from '../components/ActivationStoreTable';
import { ExtractionForm } from '../components/ExtractionForm';
import { ProgressBar } from '../components/ProgressBar';
import { useAsync } from '../hooks/use-async';
import { WorkflowEmptyState } from './WorkflowPage';

/**
 * Activations: extract the residual stream of 2–3 checkpoints at one layer on the same token windows,
 * and list the stores a crosscoder can train on.
 */
export function ActivationsPage({ jobs, onOpenJobs }: { jobs: JobSnapshot[]; onOpenJobs: () => void }) {
  const models = useAsync(() => api.invoke('models:list', {}));
  const defaults = useAsync(() => api.invoke('activations:defaults', {}));
  const stores = useAsync(() => api.invoke('activations:list', {}));
  const extractions = jobs.filter((j) => j.kind === 'extractActivations');
  const running = extractions.filter((j) => !isJobFinished(j.state));
  const latest = extractions[0];
  // Reload the list whenever an extraction starts or ends.
  const reloadStores = stores.reload;
  const statesKey = extractions.map((j) => `${j.id}:${j.state}`).join(',');
  useEffect(() => reloadStores(), [statesKey, reloadStores]);

  const families = models.data ?? [];
  const list = stores.data ?? [];
  return (
    <section className="page" aria-labelledby="activations-title">
      <h1 id="activations-title">Activations</h1>
      {(models.error ?? stores.error) && (
        <p className="error" role="alert">
          {models.error ?? stores.error}
        </p>
      )}
      {stores.data !== undefined && list.length === 0 && running.length === 0 && (
        <WorkflowEmptyState page="activations" onOpenJobs={onOpenJobs} />
      )}
      {models.data !== undefined && families.length === 0 ? (
        <p className="muted" data-testid="extract-needs-model">
          Add a model family on the Models &amp; checkpoints page first.
        </p>
      ) : (
        <ExtractionForm families={families} defaults={defaults.data} onStarted={stores.reload} />
      )}
      {running.map((job) => (
        <div key={job.id} className="inline-progress" data-testid="extract-running">
          <span>{job.label}</span>
          <ProgressBar step={job.step} total={job.total} label={`${job.label} progress`} />
          <span className="muted">{job.message}</span>
        </div>
      ))}
      {latest?.state === 'failed' && (
        <p className="error" role="alert" data-testid="extract-failed">
          The last extraction failed: {latest.error}
        </p>
      )}
      {list.length > 0 && (
        <section className="card" aria-labelledby="stores-title">
          <h2 id="stores-title">Activation stores</h2>
          <ActivationStoreTable stores={list} />
        </section>
      )}
    </section>
  );
}
