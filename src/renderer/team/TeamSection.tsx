import { useState } from 'react';
import type { Annotator, Settings } from '../../shared/domain';
import { api } from '../api/client';
import { useAsync } from '../hooks/use-async';
import { useKeyedAsync } from '../features/use-keyed-async';
import { AnnotatorLinks } from './AnnotatorLinks';
import { AssignForm } from './AssignForm';
import { ProgressTable } from './ProgressTable';

interface TeamSectionProps {
  annotators: readonly Annotator[];
  settings: Settings | undefined;
  /** Stores blind mode; resolves once the new settings are shown (or the refusal reported). */
  onBlindMode: (isBlindMode: boolean) => Promise<void>;
}

/**
 * The owner's view of the team (issue 7): links that open the workbench as one annotator, blind mode,
 * assignment of features to annotators, and progress per annotator. Never shown to an annotator session.
 */
export function TeamSection({ annotators, settings, onBlindMode }: TeamSectionProps) {
  const runs = useAsync(() => api.invoke('runs:list', {}));
  const [chosenRunId, setChosenRunId] = useState<string | null>(null);
  const runList = runs.data ?? [];
  const runId = runList.find((r) => r.id === chosenRunId)?.id ?? runList[0]?.id ?? null;

  const attributions = useKeyedAsync(runId, () =>
    api.invoke('features:attributions', { runId: runId ?? '' }),
  );
  const [chosenAttributionId, setChosenAttributionId] = useState<string | null>(null);
  const attributionList = attributions.data ?? [];
  const attributionId =
    attributionList.find((a) => a.id === chosenAttributionId)?.id ?? attributionList[0]?.id ?? null;

  const queues = useKeyedAsync(runId, () => api.invoke('queues:list', { runId: runId ?? '' }));
  const attributionQueues = (queues.data ?? []).filter((q) => q.attributionId === attributionId);
  const [assignedCount, setAssignedCount] = useState(0);
  // The box follows the click at once; the stored value takes over when the update settles.
  const [pendingBlindMode, setPendingBlindMode] = useState<boolean | null>(null);
  const setBlindMode = (isBlindMode: boolean): void => {
    setPendingBlindMode(isBlindMode);
    void onBlindMode(isBlindMode).finally(() => setPendingBlindMode(null));
  };

  return (
    <section className="card team" aria-labelledby="team-title" data-testid="team-section">
      <h2 id="team-title">Team</h2>
      <div className="team-block">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="team-blind-mode"
            checked={pendingBlindMode ?? settings?.isBlindMode ?? false}
            disabled={settings === undefined || pendingBlindMode !== null}
            onChange={(e) => setBlindMode(e.target.checked)}
          />
          Blind mode
        </label>
        <p className="muted small">
          Annotators see others&apos; answers on a feature only after submitting their own, so labels stay
          independent for agreement statistics.
        </p>
      </div>
      <AnnotatorLinks annotators={annotators} />
      <div className="team-block">
        <h3>Study</h3>
        {runs.error && (
          <p className="error" role="alert">
            {runs.error}
          </p>
        )}
        {runs.data !== undefined && runList.length === 0 ? (
          <p className="muted" data-testid="team-no-run">
            No runs yet: import the demo study or attribute a run (Features page) before assigning.
          </p>
        ) : (
          <div className="form-row">
            <label>
              Run
              <select
                data-testid="team-run"
                value={runId ?? ''}
                onChange={(e) => {
                  setChosenRunId(e.target.value);
                  setChosenAttributionId(null);
                }}
              >
                {runList.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Attribution
              <select
                data-testid="team-attribution"
                value={attributionId ?? ''}
                disabled={attributionList.length === 0}
                onChange={(e) => setChosenAttributionId(e.target.value)}
              >
                {attributionList.length === 0 && (
                  <option value="">{attributions.isLoading ? 'loading…' : 'none indexed'}</option>
                )}
                {attributionList.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.task} · {a.method} · {a.selected} selected
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        {(attributions.error ?? queues.error) && (
          <p className="error" role="alert">
            {attributions.error ?? queues.error}
          </p>
        )}
      </div>
      <AssignForm
        runId={runId}
        attributionId={attributionId}
        queues={attributionQueues}
        annotators={annotators}
        isStudyReady={runs.data !== undefined && (runId === null || attributions.data !== undefined)}
        onAssigned={() => setAssignedCount((n) => n + 1)}
      />
      <ProgressTable runId={runId} attributionId={attributionId} refreshKey={assignedCount} />
    </section>
  );
}
