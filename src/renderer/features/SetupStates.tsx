import { useState } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { useKeyedAsync } from './use-keyed-async';

/** No run yet: import the shipped demo study (a run with attributions and dashboards). */
export function NoRunState({ onImported }: { onImported: () => void }) {
  const [state, setState] = useState<{ isBusy: boolean; error: string | null }>({
    isBusy: false,
    error: null,
  });
  const importDemo = async (): Promise<void> => {
    setState({ isBusy: true, error: null });
    try {
      await api.invoke('features:importStudy', {});
      setState({ isBusy: false, error: null });
      onImported();
    } catch (e) {
      setState({ isBusy: false, error: errorMessage(e) });
    }
  };
  return (
    <div className="empty-state" data-testid="empty-features">
      <p className="empty-state__lead">No features to annotate yet.</p>
      <p>Train a run and attribute it (Attribution page), or start from the demo study.</p>
      <button
        type="button"
        data-testid="import-demo"
        disabled={state.isBusy}
        onClick={() => void importDemo()}
      >
        {state.isBusy ? 'Importing…' : 'Import the demo study'}
      </button>
      {state.error && (
        <p className="error" role="alert">
          {state.error}
        </p>
      )}
    </div>
  );
}

/** A run without an indexed attribution: index one of its finished attribution results. */
export function NoAttributionState({ runId, onIndexed }: { runId: string; onIndexed: () => void }) {
  const results = useKeyedAsync(runId, () => api.invoke('attribution:list', { runId }));
  const [error, setError] = useState<string | null>(null);
  const index = async (attributionId: string): Promise<void> => {
    try {
      await api.invoke('features:indexAttribution', { runId, attributionId });
      onIndexed();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="empty-state" data-testid="empty-attributions">
      <p className="empty-state__lead">This run has no attribution indexed for annotation.</p>
      {(results.data ?? []).length === 0 ? (
        <p className="muted">Attribute it on a task first (Attribution page).</p>
      ) : (
        <ul>
          {(results.data ?? []).map((r) => (
            <li key={r.jobId}>
              {r.taskFile.split(/[\\/]/).pop()} · {r.result.n} pairs{' '}
              <button type="button" className="small" onClick={() => void index(r.jobId)}>
                Index for annotation
              </button>
            </li>
          ))}
        </ul>
      )}
      {(error ?? results.error) && (
        <p className="error" role="alert">
          {error ?? results.error}
        </p>
      )}
    </div>
  );
}
