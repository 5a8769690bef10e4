import type { FeatureQueueItem, FeatureQueuePage } from '../../shared/annotation';

// The feature queue as pages of `pageSize` rows fetched on demand (the list scrolls over all F
// features but only the visible pages are ever loaded). Immutable updates, so React state can hold it.

export interface QueueCache {
  /** The query the pages belong to (see `queueKey`); another query starts a new cache. */
  key: string;
  pageSize: number;
  /** Rows matching the query; null before the first page arrives. */
  total: number | null;
  pages: ReadonlyMap<number, readonly FeatureQueueItem[]>;
}

export const emptyQueueCache = (key: string, pageSize = 100): QueueCache => ({
  key,
  pageSize,
  total: null,
  pages: new Map(),
});

/** A stable key of a query object (keys sorted), so equal filters share one cache. */
export function queueKey(query: Record<string, unknown>): string {
  return JSON.stringify(
    Object.keys(query)
      .sort()
      .filter((k) => query[k] !== undefined)
      .map((k) => [k, query[k]]),
  );
}

export const pageOf = (cache: QueueCache, index: number): number => Math.floor(index / cache.pageSize);

/** Page numbers covering rows [start, end] (inclusive) that are not loaded yet. */
export function missingPages(cache: QueueCache, start: number, end: number): number[] {
  if (end < start) return [];
  const last = cache.total === null ? end : Math.min(end, cache.total - 1);
  const pages: number[] = [];
  for (let p = pageOf(cache, Math.max(0, start)); p <= pageOf(cache, Math.max(0, last)); p++) {
    if (!cache.pages.has(p)) pages.push(p);
  }
  return cache.total === 0 ? [] : pages;
}

/** The cache with one fetched page stored (a page of another query is ignored). */
export function withPage(cache: QueueCache, key: string, page: FeatureQueuePage): QueueCache {
  if (key !== cache.key) return cache;
  const pages = new Map(cache.pages);
  pages.set(pageOf(cache, page.offset), page.items);
  return { ...cache, total: page.total, pages };
}

export function itemAt(cache: QueueCache, index: number): FeatureQueueItem | undefined {
  return cache.pages.get(pageOf(cache, index))?.[index % cache.pageSize];
}

/** Row index of a loaded feature, or -1. */
export function indexOfFeature(cache: QueueCache, featureId: number): number {
  for (const [page, items] of cache.pages) {
    const i = items.findIndex((item) => item.featureId === featureId);
    if (i >= 0) return page * cache.pageSize + i;
  }
  return -1;
}

/** The cache with one feature's row changed in place (after a save: status, flag, description). */
export function updateItem(
  cache: QueueCache,
  featureId: number,
  patch: Partial<FeatureQueueItem>,
): QueueCache {
  const index = indexOfFeature(cache, featureId);
  if (index < 0) return cache;
  const page = pageOf(cache, index);
  const items = [...cache.pages.get(page)!];
  items[index % cache.pageSize] = { ...items[index % cache.pageSize]!, ...patch };
  const pages = new Map(cache.pages);
  pages.set(page, items);
  return { ...cache, pages };
}

/**
 * The row to go to from `index` by `step` (±1), or null at either end. Unknown totals allow moving
 * forward (the next page tells).
 */
export function stepIndex(cache: QueueCache, index: number, step: 1 | -1): number | null {
  const next = index + step;
  if (next < 0) return null;
  if (cache.total !== null && next >= cache.total) return null;
  return next;
}
