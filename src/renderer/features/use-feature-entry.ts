import { useEffect, useLayoutEffect, useSyncExternalStore } from 'react';
import type { FeatureDataStore, FeatureEntry } from './feature-data-store';

/**
 * The cached data of the feature on screen, from the page's FeatureDataStore: whatever is cached shows
 * in the first render; what is missing is asked for right after the commit (all parts in parallel).
 */
export function useFeatureEntry(store: FeatureDataStore, featureId: number): FeatureEntry {
  const entry = useSyncExternalStore(store.subscribe, () => store.entry(featureId));
  useLayoutEffect(() => store.visit(featureId), [store, featureId]);
  // A part forgotten while on screen (a dashboards job finished) is asked for again.
  const isMissing = entry.detail === undefined || entry.dashboard === undefined;
  useEffect(() => {
    if (isMissing) store.prefetch(featureId);
  }, [store, featureId, isMissing]);
  return entry;
}
