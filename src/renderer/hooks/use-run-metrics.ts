import { useEffect, useMemo, useState } from 'react';
import { trainingMetricNames, type TrainingMetricName } from '../../shared/training';
import { api } from '../api/client';
import {
  sortedRows,
  tableOfSeries,
  withPoint,
  type MetricRow,
  type MetricTable,
} from '../charts/training-series';

interface State {
  /** Run and job the table belongs to; a new job (a resume) starts over from the store. */
  key: string;
  table: MetricTable;
  error: string | null;
}

const emptyTable: MetricTable = new Map();

function mergeTables(under: MetricTable, over: MetricTable): MetricTable {
  const merged = new Map(under);
  for (const [step, row] of over) merged.set(step, { ...merged.get(step), ...row });
  return merged;
}

/**
 * A run's training metrics by step: the stored series (`runs:metrics`, reloaded when `version` changes,
 * e.g. when the run finishes and the whole metrics.jsonl is in the store) plus every `jobs:progress`
 * snapshot of the run's job while it trains.
 */
export function useRunMetrics(
  runId: string | null,
  jobId: string | null,
  version: string,
): { rows: MetricRow[]; error: string | null } {
  const key = `${runId ?? ''}|${jobId ?? ''}`;
  const [state, setState] = useState<State>({ key: '', table: emptyTable, error: null });

  useEffect(() => {
    if (runId === null) return;
    let isCurrent = true;
    const own = (s: State): MetricTable => (s.key === key ? s.table : emptyTable);
    api.invoke('runs:metrics', { runId }).then(
      (series) => {
        if (isCurrent)
          setState((s) => ({ key, table: mergeTables(own(s), tableOfSeries(series)), error: null }));
      },
      (reason: unknown) => {
        const error = reason instanceof Error ? reason.message : String(reason);
        if (isCurrent) setState((s) => ({ key, table: own(s), error }));
      },
    );
    const off = api.on('jobs:progress', (snapshot) => {
      const step = snapshot.metrics.runStep;
      if (snapshot.id !== jobId || snapshot.state !== 'running' || step === undefined) return;
      const values: Partial<Record<TrainingMetricName, number>> = {};
      for (const name of trainingMetricNames) {
        const value = snapshot.metrics[name];
        if (value !== undefined) values[name] = value;
      }
      setState((s) => ({ key, table: withPoint(own(s), step, values), error: s.error }));
    });
    return () => {
      isCurrent = false;
      off();
    };
  }, [key, runId, jobId, version]);

  const table = state.key === key ? state.table : emptyTable;
  const rows = useMemo(() => sortedRows(table), [table]);
  return { rows, error: state.key === key ? state.error : null };
}
