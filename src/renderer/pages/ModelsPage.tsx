import type { JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { AddModelForm } from '../components/AddModelForm';
import { ModelFamilyCard } from '../components/ModelFamilyCard';
import { TaskAccuracyPanel } from '../components/TaskAccuracyPanel';
import { useAsync } from '../hooks/use-async';
import { WorkflowEmptyState } from './WorkflowPage';

/**
 * Models & checkpoints: add families, list revisions by tokens seen, check each is complete, and run
 * task accuracy per checkpoint to choose the ones a crosscoder compares.
 */
export function ModelsPage({ jobs, onOpenJobs }: { jobs: JobSnapshot[]; onOpenJobs: () => void }) {
  const models = useAsync(() => api.invoke('models:list', {}));
  const families = models.data ?? [];
  return (
    <section className="page" aria-labelledby="models-title">
      <h1 id="models-title">Models &amp; checkpoints</h1>
      {models.error && (
        <p className="error" role="alert">
          Cannot list the model families: {models.error}
        </p>
      )}
      {models.data !== undefined && families.length === 0 && (
        <WorkflowEmptyState page="models" onOpenJobs={onOpenJobs} />
      )}
      <AddModelForm onAdded={models.reload} />
      {families.map((model) => (
        <ModelFamilyCard key={model.id} model={model} onChanged={models.reload} />
      ))}
      {families.length > 0 && <TaskAccuracyPanel families={families} jobs={jobs} />}
    </section>
  );
}
