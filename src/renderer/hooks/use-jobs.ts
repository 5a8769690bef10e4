import { useEffect, useState } from 'react';
import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';

/** Newer of two snapshots of one job: finished beats running beats queued, then the higher step. */
function newer(a: JobSnapshot | undefined, b: JobSnapshot): JobSnapshot {
  if (!a) return b;
  const rank = (s: JobSnapshot): number => (isJobFinished(s.state) ? 2 : s.state === 'running' ? 1 : 0);
  if (rank(a) !== rank(b)) return rank(a) > rank(b) ? a : b;
  return b.step >= a.step ? b : a;
}

/** Every job the store knows, kept live by `jobs:progress` events (the list resyncs on mount). */
export function useJobs(): JobSnapshot[] {
  const [jobs, setJobs] = useState<ReadonlyMap<string, JobSnapshot>>(new Map());
  useEffect(() => {
    let isMounted = true;
    const off = api.on('jobs:progress', (snapshot) =>
      setJobs((current) => new Map(current).set(snapshot.id, newer(current.get(snapshot.id), snapshot))),
    );
    void api.invoke('jobs:list', {}).then((list) => {
      if (!isMounted) return;
      setJobs((current) => {
        const next = new Map(current);
        for (const job of list) next.set(job.id, newer(current.get(job.id), job));
        return next;
      });
    });
    return () => {
      isMounted = false;
      off();
    };
  }, []);
  return [...jobs.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
}
