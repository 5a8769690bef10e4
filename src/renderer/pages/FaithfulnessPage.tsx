import { useState, type FormEvent } from 'react';
import type { ActivationStoreSummary } from '../../shared/activation-stores';
import { isJobFinished, type EnginePreference, type JobSnapshot } from '../../shared/domain';
import {
  faithfulnessJobResultSchema,
  faithfulnessParamsSchema,
  type FaithfulnessStartInput,
} from '../../shared/faithfulness';
import type { RunDetail } from '../../shared/training';
import { api } from '../api/client';
import { errorMessage, formatDuration } from '../components/format';
import { ProgressBar } from '../components/ProgressBar';
import { ReportSections } from '../faithfulness/ReportSections';
import { featureFocusView, parseQueueView, queueViewStorageKey } from '../features/queue-view';
import { useKeyedAsync } from '../features/use-keyed-async';
import { useAsync } from '../hooks/use-async';
import { WorkflowEmptyState } from './WorkflowPage';

/** Shows feature `index` of a run on the Features page (its stored view, focused on that feature). */
function openFeature(runId: string, index: number): void {
  try {
    const view = parseQueueView(window.localStorage.getItem(queueViewStorageKey));
    window.localStorage.setItem(queueViewStorageKey, JSON.stringify(featureFocusView(view, runId, index)));
  } catch {
    // Storage refused (private window): the Features page opens on its default view.
  }
  window.location.hash = '#/features';
}

const taskId = (file: string): string =>
  (file.split(/[\\/]/).pop() ?? file).replace(/\.(jsonl|tsv|txt|json)$/, '');

/** Stores that can be the run's: same checkpoints, layer and d (the job checks the scale factors). */
function candidateStores(stores: readonly ActivationStoreSummary[], run: RunDetail | undefined) {
  if (run === undefined) return [];
  const s = run.config.store;
  return stores.filter(
    (x) =>
      x.isComplete &&
      x.dModel === s.dModel &&
      x.nCheckpoints === s.nCheckpoints &&
      (s.layer === null || x.layer === s.layer) &&
      (s.revisions.length === 0 || x.revisions.map((r) => r.revision).join() === s.revisions.join()),
  );
}

/**
 * Faithfulness: are a run's aligned features real? Runs `ctt faithfulness` as a job (reordered
 * checkpoints, seeds, independent SAEs, a held-out task, latent scaling) and shows its report,
 * `<run>/faithfulness/report.json`. The same verdicts appear as badges in the feature queue.
 */
export function FaithfulnessPage({ jobs, onOpenJobs }: { jobs: JobSnapshot[]; onOpenJobs: () => void }) {
  const runs = useAsync(() => api.invoke('runs:list', {}));
  const finished = (runs.data ?? []).filter((r) => r.status === 'finished');
  const [runId, setRunId] = useState<string | null>(null);
  const run = finished.find((r) => r.id === runId) ?? finished[0];

  const checks = jobs
    .filter(
      (j) =>
        j.kind === 'faithfulness' && faithfulnessParamsSchema.safeParse(j.params).data?.runId === run?.id,
    )
    .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const active = checks.find((j) => !isJobFinished(j.state));
  const last = checks.find((j) => isJobFinished(j.state));
  const doneKey = checks
    .filter((j) => isJobFinished(j.state))
    .map((j) => j.id)
    .join();
  const report = useKeyedAsync(run === undefined ? null : `${run.id}|${doneKey}`, () =>
    api.invoke('faithfulness:get', { runId: run!.id }),
  );
  const detail = useKeyedAsync(run?.id ?? null, () => api.invoke('runs:get', { runId: run!.id }));

  return (
    <section className="page" aria-labelledby="faithfulness-title" data-testid="faithfulness-page">
      <h1 id="faithfulness-title">Faithfulness</h1>
      {runs.error && (
        <p className="error" role="alert">
          {runs.error}
        </p>
      )}
      {runs.data !== undefined && finished.length === 0 && (
        <WorkflowEmptyState page="faithfulness" onOpenJobs={onOpenJobs} />
      )}
      {run !== undefined && (
        <>
          <div className="card form-row">
            <label className="wide">
              Run
              <select data-testid="faith-run" value={run.id} onChange={(e) => setRunId(e.target.value)}>
                {finished.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} ({r.type}, F={r.nFeatures})
                  </option>
                ))}
              </select>
            </label>
          </div>
          <ChecksForm key={run.id} run={detail.data} runId={run.id} active={active} last={last} />
          {report.error ? (
            <p className="error" role="alert" data-testid="faith-report-error">
              {report.error}
            </p>
          ) : report.data === null ? (
            <div className="empty-state" data-testid="faith-empty">
              <p className="empty-state__lead">No report yet: run the checks or `ctt faithfulness`.</p>
              <p>
                Run the checks above, or from a terminal:{' '}
                <code data-testid="faith-cli">npx ctt faithfulness --run {detail.data?.dir ?? 'RUNDIR'}</code>{' '}
                (add <code>--train --seeds 2</code> to train the comparison runs). The report is{' '}
                <code>faithfulness/report.json</code> in the run folder.
              </p>
            </div>
          ) : report.data !== undefined ? (
            <>
              <p className="muted small" data-testid="faith-report-file">
                Report of {new Date(report.data.report.createdAt).toLocaleString()}:{' '}
                <code>{report.data.file}</code>
              </p>
              <ReportSections
                report={report.data.report}
                onOpen={(feature) => openFeature(run.id, feature)}
              />
            </>
          ) : null}
        </>
      )}
    </section>
  );
}

function ChecksForm({
  run,
  runId,
  active,
  last,
}: {
  run: RunDetail | undefined;
  runId: string;
  active: JobSnapshot | undefined;
  last: JobSnapshot | undefined;
}) {
  const stores = useAsync(() => api.invoke('activations:list', {}));
  const records = useAsync(() => api.invoke('attribution:list', { runId }));
  const defaults = useAsync(() => api.invoke('attribution:defaults', {}));
  const [store, setStore] = useState<string | null>(null);
  const [shouldTrain, setShouldTrain] = useState(false);
  const [seeds, setSeeds] = useState('0');
  const [engine, setEngine] = useState<EnginePreference>('auto');
  const [task, setTask] = useState('');
  const [heldOutTask, setHeldOutTask] = useState('');
  const [error, setError] = useState<string | null>(null);

  const own = run?.config.activationStore ?? '';
  const candidates = candidateStores(stores.data ?? [], run);
  const storeDir = store ?? (own !== '' ? own : (candidates[0]?.dir ?? ''));
  const choices = [...new Set([...(own === '' ? [] : [own]), ...candidates.map((s) => s.dir)])];
  const others = (stores.data ?? []).filter((s) => !choices.includes(s.dir));
  const tasks = [...new Set((records.data ?? []).map((r) => taskId(r.taskFile)))];
  const lastResult = faithfulnessJobResultSchema.safeParse(last?.result).data;

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const input: FaithfulnessStartInput = {
      runId,
      ...(storeDir === '' ? {} : { activationStore: storeDir }),
      shouldTrain,
      seeds: Math.max(0, Math.min(5, Math.floor(Number(seeds)) || 0)),
      engine,
      ...(task !== '' && heldOutTask.trim() !== ''
        ? { heldOut: { task, heldOutTask: heldOutTask.trim() } }
        : {}),
    };
    try {
      await api.invoke('faithfulness:start', input);
      setError(null);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const cancel = (jobId: string): void => {
    api.invoke('jobs:cancel', { jobId }).catch((e: unknown) => setError(errorMessage(e)));
  };

  return (
    <form className="card faith-form" onSubmit={(e) => void start(e)} aria-labelledby="faith-form-title">
      <h2 id="faith-form-title">Run the checks</h2>
      <div className="form-row">
        <label className="wide">
          Activation store the run was trained on
          <select data-testid="faith-store" value={storeDir} onChange={(e) => setStore(e.target.value)}>
            <option value="">none (only what needs no store)</option>
            {choices.map((dir) => (
              <option key={dir} value={dir}>
                {dir}
                {dir === own ? ' (the run’s)' : ''}
              </option>
            ))}
            {others.map((s) => (
              <option key={s.dir} value={s.dir}>
                {s.dir} (other checkpoints or layer)
              </option>
            ))}
          </select>
        </label>
      </div>
      <div className="form-row">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="faith-train"
            checked={shouldTrain}
            onChange={(e) => setShouldTrain(e.target.checked)}
          />
          train missing runs (reordered, seeds, one SAE per checkpoint)
        </label>
        <label>
          Extra seeds
          <input
            data-testid="faith-seeds"
            type="number"
            min={0}
            max={5}
            value={seeds}
            onChange={(e) => setSeeds(e.target.value)}
          />
        </label>
        <label>
          Engine (training)
          <select
            data-testid="faith-engine"
            value={engine}
            onChange={(e) => setEngine(e.target.value as EnginePreference)}
          >
            <option value="auto">auto</option>
            <option value="native">native</option>
            <option value="tfjs">tfjs</option>
          </select>
        </label>
      </div>
      <div className="form-row">
        <label>
          Held-out: RelIE on
          <select data-testid="faith-task" value={task} onChange={(e) => setTask(e.target.value)}>
            <option value="">no held-out check</option>
            {tasks.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          against the ablation effect on (task id or file)
          <input
            data-testid="faith-held-out"
            list="faith-task-files"
            value={heldOutTask}
            disabled={task === ''}
            placeholder="e.g. irregular_plural.eng"
            onChange={(e) => setHeldOutTask(e.target.value)}
          />
          <datalist id="faith-task-files">
            {(defaults.data?.taskFiles ?? []).map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </label>
      </div>
      <div className="form-row">
        <button type="submit" data-testid="faith-start" disabled={active !== undefined}>
          Run checks
        </button>
        <span className="muted small">
          Trained runs and IE are kept under the run’s <code>faithfulness/</code> folder: running again
          resumes.
        </span>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="faith-start-error">
          {error}
        </p>
      )}
      {active !== undefined && (
        <div className="inline-progress" data-testid="faith-progress" data-state={active.state}>
          <ProgressBar step={active.step} total={active.total} label="faithfulness progress" />
          <span className="muted small" data-testid="faith-progress-message">
            {active.state === 'queued' ? 'queued' : active.message} · ETA {formatDuration(active.etaMs)}
          </span>
          <button
            type="button"
            className="secondary"
            data-testid="faith-cancel"
            onClick={() => cancel(active.id)}
          >
            Cancel
          </button>
        </div>
      )}
      {active === undefined && last !== undefined && last.state !== 'succeeded' && (
        <p
          className={last.state === 'failed' ? 'error' : 'muted'}
          role="status"
          data-testid="faith-job-state"
        >
          Last checks {last.state}
          {last.error ? `: ${last.error}` : '.'} Run them again to resume (what was trained is kept).
        </p>
      )}
      {active === undefined && lastResult !== undefined && lastResult.notes.length > 0 && (
        <details data-testid="faith-notes">
          <summary>{lastResult.notes.length} notes from the last run of the checks</summary>
          <ul className="small">
            {lastResult.notes.map((n) => (
              <li key={n}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </form>
  );
}
