import { useMemo } from 'react';
import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import type { FeatureVerdict } from '../../shared/faithfulness';
import { api } from '../api/client';
import { useKeyedAsync } from '../features/use-keyed-async';
import { verdictMap } from './verdict-view';

/**
 * The run's faithfulness verdicts by feature index (queue badges, the form's flag), read again when a
 * faithfulness job ends (it rewrites the report). A report that cannot be read gives no verdicts and
 * the reason in `error`.
 */
export function useFeatureVerdicts(
  runId: string | null,
  jobs: readonly JobSnapshot[],
): { verdicts: ReadonlyMap<number, FeatureVerdict>; error: string | null } {
  const checksDone = jobs
    .filter((j) => j.kind === 'faithfulness' && isJobFinished(j.state))
    .map((j) => j.id)
    .join();
  const state = useKeyedAsync(runId === null ? null : `${runId}|${checksDone}`, () =>
    api.invoke('faithfulness:features', { runId: runId! }),
  );
  const features = state.data?.features;
  const verdicts = useMemo(() => verdictMap(features ?? []), [features]);
  return { verdicts, error: state.error };
}
