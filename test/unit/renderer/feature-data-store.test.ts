import { describe, expect, it } from 'vitest';
import type { FeatureDashboardData, FeatureDetail } from '../../../src/shared/annotation';
import type { AnnotationRevision } from '../../../src/shared/domain';
import { FeatureDataStore, type FeaturePart } from '../../../src/renderer/features/feature-data-store';

/** Requests that wait until the test answers them, recorded in the order they were made. */
function fakeRequests() {
  const calls: Array<{
    part: FeaturePart;
    featureId: number;
    resolve: (v: unknown) => void;
    reject: (e: unknown) => void;
  }> = [];
  const make =
    (part: FeaturePart) =>
    (featureId: number): Promise<never> =>
      new Promise((resolve, reject) => calls.push({ part, featureId, resolve: resolve as never, reject }));
  return {
    calls,
    requests: { detail: make('detail'), dashboard: make('dashboard'), latest: make('latest') },
    /** Answers every open call of `part` for `featureId` with `value`. */
    answer(part: FeaturePart, featureId: number, value: unknown): void {
      for (const c of calls.filter((c) => c.part === part && c.featureId === featureId)) c.resolve(value);
    },
  };
}

const detail = (featureId: number) => ({ featureId, index: featureId }) as unknown as FeatureDetail;
const dashboard = { density: 0.1 } as unknown as FeatureDashboardData;
const revision = (featureId: number, n: number) =>
  ({ featureId, revision: n, fields: { description: `rev ${n}` } }) as unknown as AnnotationRevision;
const flush = () => new Promise((r) => setTimeout(r, 0));

describe('FeatureDataStore', () => {
  it('asks for detail, dashboard and latest together on a visit, once while they are in flight', async () => {
    const fake = fakeRequests();
    const store = new FeatureDataStore(fake.requests);
    store.visit(7);
    store.visit(7);
    store.prefetch(7);
    expect(fake.calls.map((c) => `${c.part}:${c.featureId}`)).toEqual([
      'detail:7',
      'dashboard:7',
      'latest:7',
    ]);
    let notified = 0;
    store.subscribe(() => notified++);
    fake.answer('detail', 7, detail(7));
    fake.answer('dashboard', 7, null);
    fake.answer('latest', 7, null);
    await flush();
    expect(store.entry(7)).toEqual({
      detail: { kind: 'ready', value: detail(7) },
      dashboard: { kind: 'ready', value: null },
      latest: null,
    });
    expect(notified).toBe(3);
    // A revisit shows it without asking again; the same object while nothing changes.
    const before = store.entry(7);
    store.visit(7);
    expect(fake.calls).toHaveLength(3);
    expect(store.entry(7)).toBe(before);
  });

  it('keeps failures for the pane and asks again on the next visit (not on a prefetch)', async () => {
    const fake = fakeRequests();
    const store = new FeatureDataStore(fake.requests);
    store.visit(1);
    fake.calls[0]!.reject(new Error('server down'));
    await flush();
    expect(store.entry(1).detail).toMatchObject({ kind: 'error', message: 'server down' });
    store.prefetch(1);
    expect(fake.calls.filter((c) => c.part === 'detail')).toHaveLength(1);
    store.visit(1);
    expect(fake.calls.filter((c) => c.part === 'detail')).toHaveLength(2);
  });

  it('keeps the newest revision: a save wins over an older answer still in flight', async () => {
    const fake = fakeRequests();
    const store = new FeatureDataStore(fake.requests);
    const fresh = store.latest(3, { isFresh: true });
    store.setLatest(3, revision(3, 2));
    fake.answer('latest', 3, revision(3, 1));
    expect(await fresh).toEqual(revision(3, 1));
    expect(store.entry(3).latest).toEqual(revision(3, 2));
    expect(await store.latest(3)).toEqual(revision(3, 2));
    store.setLatest(3, revision(3, 4));
    expect(store.entry(3).latest).toEqual(revision(3, 4));
  });

  it('forgets dashboards on invalidation, drops answers sent before it, and asks again', async () => {
    const fake = fakeRequests();
    const store = new FeatureDataStore(fake.requests);
    store.visit(1);
    fake.answer('dashboard', 1, null);
    await flush();
    store.visit(2);
    store.invalidate('dashboard');
    expect(store.entry(1).dashboard).toBeUndefined();
    fake.answer('dashboard', 2, null); // sent before the invalidation: stale
    await flush();
    expect(store.entry(2).dashboard).toBeUndefined();
    store.prefetch(2);
    fake.answer('dashboard', 2, dashboard);
    await flush();
    expect(store.entry(2).dashboard).toEqual({ kind: 'ready', value: dashboard });
  });

  it('holds the most recently visited features up to its capacity', async () => {
    const fake = fakeRequests();
    const store = new FeatureDataStore(fake.requests, 3);
    for (const id of [1, 2, 3]) {
      store.visit(id);
      fake.answer('detail', id, detail(id));
    }
    await flush();
    store.visit(1); // 1 is recent again; 2 is now the oldest
    store.visit(4);
    fake.answer('detail', 4, detail(4));
    await flush();
    expect(store.entry(2)).toEqual({});
    for (const id of [1, 3, 4]) expect(store.entry(id).detail).toEqual({ kind: 'ready', value: detail(id) });
  });
});
