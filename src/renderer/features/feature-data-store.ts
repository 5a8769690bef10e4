import type { FeatureDashboardData, FeatureDetail } from '../../shared/annotation';
import type { AnnotationRevision } from '../../shared/domain';

// What a feature switch needs, kept for the ~200 features visited last (least recently visited go
// first): the detail (`features:get`), the dashboard (`features:dashboard`, null when none was
// computed) and the active annotator's latest revision (`annotations:latest`). The three are asked
// for together, on the feature id alone, so a revisit (or a neighbour fetched ahead) shows at once.
// No React here: the page subscribes, and tests drive it with plain promises.

export type Loaded<T> = { kind: 'ready'; value: T } | { kind: 'error'; message: string; cause: unknown };

export interface FeatureEntry {
  detail?: Loaded<FeatureDetail>;
  dashboard?: Loaded<FeatureDashboardData | null>;
  /** The latest revision (null: none yet). Failed loads are not kept: the form reports them. */
  latest?: AnnotationRevision | null;
}

export interface FeatureRequests {
  detail(featureId: number): Promise<FeatureDetail>;
  dashboard(featureId: number): Promise<FeatureDashboardData | null>;
  latest(featureId: number): Promise<AnnotationRevision | null>;
}

export type FeaturePart = keyof FeatureRequests;

const parts: readonly FeaturePart[] = ['detail', 'dashboard', 'latest'];
const noEntry: FeatureEntry = Object.freeze({});

/** Capacity of the cache, in features. */
export const featureCacheSize = 200;

export class FeatureDataStore {
  /** Entries by feature id; Map order is recency (the last visited last). Entries are never mutated. */
  private readonly entries = new Map<number, FeatureEntry>();
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly listeners = new Set<() => void>();
  /** Bumped per part when it is invalidated: answers to requests sent before are dropped. */
  private readonly generations: Record<FeaturePart, number> = { detail: 0, dashboard: 0, latest: 0 };

  constructor(
    private readonly requests: FeatureRequests,
    readonly capacity = featureCacheSize,
  ) {}

  /** The cached entry of a feature (the same object until something of it changes). */
  entry(featureId: number): FeatureEntry {
    return this.entries.get(featureId) ?? noEntry;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** The feature is on screen: it becomes the most recent, and what is missing or failed is asked for. */
  visit(featureId: number): void {
    const entry = this.entries.get(featureId);
    if (entry !== undefined) {
      this.entries.delete(featureId);
      this.entries.set(featureId, entry);
    }
    for (const part of parts) {
      const isFailed = part !== 'latest' && entry?.[part]?.kind === 'error';
      if (entry?.[part] === undefined || isFailed) void this.request(featureId, part).catch(() => undefined);
    }
  }

  /** Asks for what is missing of a feature (not what failed), e.g. the next row of the queue. */
  prefetch(featureId: number): void {
    const entry = this.entries.get(featureId);
    for (const part of parts) {
      if (entry?.[part] === undefined) void this.request(featureId, part).catch(() => undefined);
    }
  }

  /**
   * The latest revision: the cached one, else the answer of a request (shared with one in flight).
   * `isFresh`: ask the server even when cached (a revisit re-checks in the background).
   */
  latest(featureId: number, options: { isFresh?: boolean } = {}): Promise<AnnotationRevision | null> {
    const cached = this.entries.get(featureId)?.latest;
    if (cached !== undefined && !options.isFresh) return Promise.resolve(cached);
    return this.request(featureId, 'latest') as Promise<AnnotationRevision | null>;
  }

  /** A revision saved (or adopted) by this window; an older one (or the same) changes nothing. */
  setLatest(featureId: number, revision: AnnotationRevision | null): void {
    const current = this.entries.get(featureId)?.latest;
    if (current === null && revision === null) return;
    if (current != null && (revision === null || revision.revision <= current.revision)) return;
    this.put(featureId, { latest: revision });
  }

  /** Forgets a part of every feature (a dashboards job finished: dashboards may exist now). */
  invalidate(part: FeaturePart): void {
    this.generations[part]++;
    for (const key of [...this.inFlight.keys()]) if (key.startsWith(`${part}|`)) this.inFlight.delete(key);
    for (const [id, entry] of this.entries) {
      if (entry[part] === undefined) continue;
      this.entries.set(id, Object.fromEntries(Object.entries(entry).filter(([k]) => k !== part)));
    }
    this.notify();
  }

  private request(featureId: number, part: FeaturePart): Promise<unknown> {
    const key = `${part}|${featureId}`;
    const running = this.inFlight.get(key);
    if (running !== undefined) return running;
    const generation = this.generations[part];
    const isCurrent = (): boolean => this.generations[part] === generation;
    const request: Promise<unknown> = this.requests[part](featureId).then(
      (value) => {
        if (this.inFlight.get(key) === request) this.inFlight.delete(key);
        if (!isCurrent()) return value;
        if (part === 'latest') this.setLatest(featureId, value as AnnotationRevision | null);
        else this.put(featureId, { [part]: { kind: 'ready', value } });
        return value;
      },
      (cause: unknown) => {
        if (this.inFlight.get(key) === request) this.inFlight.delete(key);
        if (isCurrent() && part !== 'latest') {
          const message = cause instanceof Error ? cause.message : String(cause);
          this.put(featureId, { [part]: { kind: 'error', message, cause } });
        }
        throw cause;
      },
    );
    this.inFlight.set(key, request);
    return request;
  }

  private put(featureId: number, change: Partial<FeatureEntry>): void {
    const entry = this.entries.get(featureId);
    this.entries.set(featureId, { ...entry, ...change });
    if (entry === undefined) {
      // A new feature: the least recently visited go once there are more than `capacity`.
      for (const id of this.entries.keys()) {
        if (this.entries.size <= this.capacity) break;
        this.entries.delete(id);
      }
    }
    this.notify();
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
