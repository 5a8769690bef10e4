import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FeatureQueueItem, FeatureQueueQuery } from '../../shared/annotation';
import { api } from '../api/client';
import {
  emptyQueueCache,
  itemAt,
  missingPages,
  pageOf,
  queueKey,
  updateItem,
  withPage,
  type QueueCache,
} from './queue-cache';

export const queuePageSize = 100;

export interface FeatureQueue {
  cache: QueueCache;
  error: string | null;
  /** Loads the pages covering rows [start, end] that are missing. */
  ensureRange: (start: number, end: number) => void;
  /** The row at `index`, loading its page first when needed. */
  loadIndex: (index: number) => Promise<FeatureQueueItem | undefined>;
  /** Changes a row in place (after a save), without refetching. */
  patch: (featureId: number, patch: Partial<FeatureQueueItem>) => void;
  reload: () => void;
}

/** The paged `features:queue` of a query: pages load as rows come into view, 100 at a time. */
export function useFeatureQueue(query: Omit<FeatureQueueQuery, 'offset' | 'limit'> | null): FeatureQueue {
  const [version, setVersion] = useState(0);
  const key = query === null ? '' : `${queueKey(query)}#${version}`;
  const [state, setState] = useState<{ cache: QueueCache; error: string | null }>(() => ({
    cache: emptyQueueCache('', queuePageSize),
    error: null,
  }));
  const cache = state.cache.key === key ? state.cache : emptyQueueCache(key, queuePageSize);
  const error = state.cache.key === key ? state.error : null;

  // Latest values for the loaders, which run from effects and event handlers (a layout effect, so the
  // list's own effects, which run before this component's, already see the new query).
  const live = useRef({ key, query, cache });
  const inFlight = useRef(new Map<string, Promise<FeatureQueueItem[]>>());
  useLayoutEffect(() => {
    live.current = { key, query, cache };
  });

  const loadPage = useCallback((page: number): Promise<FeatureQueueItem[]> => {
    const { key: pageKey, query: pageQuery } = live.current;
    if (pageQuery === null) return Promise.resolve([]);
    const id = `${pageKey}|${page}`;
    const running = inFlight.current.get(id);
    if (running) return running;
    const request = api
      .invoke('features:queue', { ...pageQuery, offset: page * queuePageSize, limit: queuePageSize })
      .then(
        (result) => {
          inFlight.current.delete(id);
          setState((s) => {
            const base = s.cache.key === pageKey ? s.cache : emptyQueueCache(pageKey, queuePageSize);
            return live.current.key === pageKey ? { cache: withPage(base, pageKey, result), error: null } : s;
          });
          return result.items;
        },
        (reason: unknown) => {
          inFlight.current.delete(id);
          const message = reason instanceof Error ? reason.message : String(reason);
          setState((s) =>
            live.current.key === pageKey
              ? {
                  cache: s.cache.key === pageKey ? s.cache : emptyQueueCache(pageKey, queuePageSize),
                  error: message,
                }
              : s,
          );
          return [];
        },
      );
    inFlight.current.set(id, request);
    return request;
  }, []);

  // The first page of every new query (it also tells the total, which sizes the list).
  useEffect(() => {
    if (query !== null) void loadPage(0);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, loadPage]);

  const ensureRange = useCallback(
    (start: number, end: number): void => {
      for (const page of missingPages(live.current.cache, start, end)) void loadPage(page);
    },
    [loadPage],
  );

  const loadIndex = useCallback(
    async (index: number): Promise<FeatureQueueItem | undefined> => {
      const known = itemAt(live.current.cache, index);
      if (known) return known;
      const items = await loadPage(pageOf(live.current.cache, index));
      return items[index % queuePageSize];
    },
    [loadPage],
  );

  const patch = useCallback((featureId: number, change: Partial<FeatureQueueItem>): void => {
    setState((s) => ({ ...s, cache: updateItem(s.cache, featureId, change) }));
  }, []);

  const reload = useCallback(() => setVersion((v) => v + 1), []);
  return { cache, error, ensureRange, loadIndex, patch, reload };
}
