import {
  queueSortSchema,
  queueStatusSchema,
  type FeatureQueueQuery,
  type QueueSort,
  type QueueStatus,
} from '../../shared/annotation';
import { lifecycleCategorySchema, type LifecycleCategory } from '../../shared/domain';

// What the queue pane shows: the run / attribution / named queue picked, the filters and the sort. Kept
// in localStorage between visits (read defensively: a stored view from an older build is repaired).

export interface QueueView {
  runId: string | null;
  attributionId: string | null;
  queueId: number | null;
  categories: LifecycleCategory[];
  statuses: QueueStatus[];
  isAssignedOnly: boolean;
  isFlaggedOnly: boolean;
  isSelectedOnly: boolean;
  search: string;
  sort: QueueSort;
  direction: 'asc' | 'desc';
}

export const defaultQueueView: QueueView = {
  runId: null,
  attributionId: null,
  queueId: null,
  categories: [],
  statuses: [],
  isAssignedOnly: false,
  isFlaggedOnly: false,
  isSelectedOnly: true,
  search: '',
  sort: 'absIe',
  direction: 'desc',
};

export const queueSortLabels: Record<QueueSort, string> = {
  relIe: 'RelIE',
  absIe: '|IE|',
  density: 'density',
  index: 'index',
};

/** The `features:queue` input of a view (without offset/limit), or null until a run is known. */
export function queryOfView(
  view: QueueView,
  runId: string | null,
  attributionId: string | null,
  annotatorId: number,
): Omit<FeatureQueueQuery, 'offset' | 'limit'> | null {
  if (runId === null) return null;
  const search = view.search.trim();
  return {
    runId,
    ...(attributionId === null ? {} : { attributionId }),
    ...(view.queueId === null ? {} : { queueId: view.queueId }),
    annotatorId,
    ...(view.categories.length > 0 ? { categories: view.categories } : {}),
    ...(view.statuses.length > 0 ? { statuses: view.statuses } : {}),
    ...(view.isAssignedOnly ? { assignedTo: annotatorId } : {}),
    ...(view.isFlaggedOnly ? { isFlagged: true } : {}),
    // A named queue lists exactly its features, selected by attribution or not.
    isSelectedOnly: view.queueId === null ? view.isSelectedOnly : false,
    ...(search === '' ? {} : { search: search.slice(0, 200) }),
    sort: view.sort,
    direction: view.direction,
  };
}

/** Where the Features page keeps its view between visits. */
export const queueViewStorageKey = 'ctt.features.view';

/**
 * The view that shows one feature of a run (opened from another page): its index searched among all
 * features of the run, with no filter or named queue hiding it; the sort and the task are kept.
 */
export function featureFocusView(view: QueueView, runId: string, index: number): QueueView {
  return {
    ...view,
    runId,
    attributionId: view.runId === runId ? view.attributionId : null,
    queueId: null,
    categories: [],
    statuses: [],
    isAssignedOnly: false,
    isFlaggedOnly: false,
    isSelectedOnly: false,
    search: `#${index}`,
  };
}

/** Adds or removes one value of a multi-choice filter. */
export function toggleValue<T>(values: readonly T[], value: T): T[] {
  return values.includes(value) ? values.filter((v) => v !== value) : [...values, value];
}

/** A stored view, repaired field by field (unknown values fall back to the defaults). */
export function parseQueueView(text: string | null): QueueView {
  if (text === null) return defaultQueueView;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return defaultQueueView;
  }
  if (typeof raw !== 'object' || raw === null) return defaultQueueView;
  const r = raw as Record<string, unknown>;
  const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  const bool = (v: unknown, d: boolean): boolean => (typeof v === 'boolean' ? v : d);
  const list = <T>(v: unknown, ok: (x: unknown) => x is T): T[] => (Array.isArray(v) ? v.filter(ok) : []);
  return {
    runId: str(r.runId),
    attributionId: str(r.attributionId),
    queueId: typeof r.queueId === 'number' && Number.isInteger(r.queueId) && r.queueId > 0 ? r.queueId : null,
    categories: list(
      r.categories,
      (x): x is LifecycleCategory => lifecycleCategorySchema.safeParse(x).success,
    ),
    statuses: list(r.statuses, (x): x is QueueStatus => queueStatusSchema.safeParse(x).success),
    isAssignedOnly: bool(r.isAssignedOnly, false),
    isFlaggedOnly: bool(r.isFlaggedOnly, false),
    isSelectedOnly: bool(r.isSelectedOnly, true),
    search: typeof r.search === 'string' ? r.search.slice(0, 200) : '',
    sort: queueSortSchema.safeParse(r.sort).success ? (r.sort as QueueSort) : 'absIe',
    direction: r.direction === 'asc' ? 'asc' : 'desc',
  };
}
