import { describe, expect, it } from 'vitest';
import type { FeatureQueueItem } from '../../../src/shared/annotation';
import {
  emptyQueueCache,
  indexOfFeature,
  itemAt,
  missingPages,
  queueKey,
  stepIndex,
  updateItem,
  withPage,
} from '../../../src/renderer/features/queue-cache';

const item = (index: number): FeatureQueueItem => ({
  featureId: index + 1,
  index,
  category: 'other',
  relIe: 0.5,
  absIe: 1,
  density: null,
  isSelected: true,
  status: 'todo',
  isFlagged: false,
  description: '',
  doneCount: 0,
});
const page = (offset: number, count: number, total: number) => ({
  total,
  offset,
  items: Array.from({ length: count }, (_, i) => item(offset + i)),
});

describe('queue paging cache', () => {
  it('asks only for the pages of the visible rows that are missing', () => {
    let cache = emptyQueueCache('k', 100);
    expect(missingPages(cache, 0, 30)).toEqual([0]);
    cache = withPage(cache, 'k', page(0, 100, 65_536));
    expect(cache.total).toBe(65_536);
    expect(missingPages(cache, 90, 210)).toEqual([1, 2]);
    expect(missingPages(cache, 65_530, 65_600)).toEqual([655]);
    expect(missingPages(withPage(emptyQueueCache('e'), 'e', page(0, 0, 0)), 0, 10)).toEqual([]);
  });

  it('ignores a page of an older query and finds rows by index and by feature', () => {
    let cache = emptyQueueCache('new', 100);
    cache = withPage(cache, 'old', page(0, 100, 500));
    expect(cache.total).toBeNull();
    cache = withPage(cache, 'new', page(200, 100, 500));
    expect(itemAt(cache, 250)?.index).toBe(250);
    expect(itemAt(cache, 10)).toBeUndefined();
    expect(indexOfFeature(cache, 251)).toBe(250);
    expect(indexOfFeature(cache, 1)).toBe(-1);
  });

  it('updates one row in place without touching the others', () => {
    const cache = withPage(emptyQueueCache('k', 10), 'k', page(0, 10, 10));
    const next = updateItem(cache, 3, { status: 'done', isFlagged: true });
    expect(itemAt(next, 2)).toMatchObject({ status: 'done', isFlagged: true });
    expect(itemAt(cache, 2)?.status).toBe('todo');
    expect(itemAt(next, 3)).toBe(itemAt(cache, 3));
  });

  it('steps within bounds', () => {
    const cache = withPage(emptyQueueCache('k', 10), 'k', page(0, 3, 3));
    expect(stepIndex(cache, 0, -1)).toBeNull();
    expect(stepIndex(cache, 1, 1)).toBe(2);
    expect(stepIndex(cache, 2, 1)).toBeNull();
  });

  it('keys equal queries equally whatever the key order', () => {
    expect(queueKey({ a: 1, b: [2] })).toBe(queueKey({ b: [2], a: 1, c: undefined }));
    expect(queueKey({ a: 1 })).not.toBe(queueKey({ a: 2 }));
  });
});
