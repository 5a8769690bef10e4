import { useState } from 'react';
import type { AttributionIndex } from '../../shared/annotation';
import type { RunSummary } from '../../shared/training';
import { api } from '../api/client';
import { useKeyedAsync } from '../features/use-keyed-async';
import { useAsync } from '../hooks/use-async';

export interface ReviewScopeState {
  runs: RunSummary[] | undefined;
  run: RunSummary | undefined;
  attributions: AttributionIndex[] | undefined;
  attribution: AttributionIndex | undefined;
  error: string | null;
  setRunId: (id: string) => void;
  setAttributionId: (id: string) => void;
}

/** The run and attribution a page works on: the first run and its newest indexed attribution by default. */
export function useReviewScope(): ReviewScopeState {
  const runs = useAsync(() => api.invoke('runs:list', {}));
  const [runId, setRunId] = useState<string | null>(null);
  const [attributionId, setAttributionId] = useState<string | null>(null);
  const run = runs.data?.find((r) => r.id === runId) ?? runs.data?.[0];
  const attributions = useKeyedAsync(run?.id ?? null, () =>
    api.invoke('features:attributions', { runId: run!.id }),
  );
  const attribution = attributions.data?.find((a) => a.id === attributionId) ?? attributions.data?.[0];
  return {
    runs: runs.data,
    run,
    attributions: attributions.data,
    attribution,
    error: runs.error ?? attributions.error,
    setRunId: (id) => {
      setRunId(id);
      setAttributionId(null);
    },
    setAttributionId,
  };
}

const attributionLabel = (a: AttributionIndex): string =>
  `${a.task} · ${a.method} · ${a.n} pairs · ${a.selected} selected · ${new Date(a.importedAt).toLocaleDateString()}`;

/** Run and attribution selects (the attribution's task names the table, the agreement's scope). */
export function ScopePicker({ scope, idPrefix }: { scope: ReviewScopeState; idPrefix: string }) {
  if (scope.error)
    return (
      <p className="error" role="alert">
        {scope.error}
      </p>
    );
  if (scope.runs === undefined) return <p className="muted">Loading runs…</p>;
  if (scope.runs.length === 0)
    return (
      <p className="muted" data-testid={`${idPrefix}-no-run`}>
        No run yet: train and attribute a run, or import the demo study on the Features page.
      </p>
    );
  return (
    <div className="form-row rv-scope">
      <label>
        Run
        <select
          data-testid={`${idPrefix}-run`}
          value={scope.run?.id ?? ''}
          onChange={(e) => scope.setRunId(e.target.value)}
        >
          {scope.runs.map((r) => (
            <option key={r.id} value={r.id}>
              {r.name} ({r.type}, F={r.nFeatures})
            </option>
          ))}
        </select>
      </label>
      <label className="wide">
        Attribution
        <select
          data-testid={`${idPrefix}-attribution`}
          value={scope.attribution?.id ?? ''}
          disabled={(scope.attributions ?? []).length === 0}
          onChange={(e) => scope.setAttributionId(e.target.value)}
        >
          {(scope.attributions ?? []).length === 0 && (
            <option value="">{scope.attributions === undefined ? 'Loading…' : 'none indexed'}</option>
          )}
          {(scope.attributions ?? []).map((a) => (
            <option key={a.id} value={a.id}>
              {attributionLabel(a)}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
