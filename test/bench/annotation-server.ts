// Server side of the annotation benchmark: the generated study imported through `features:importStudy`,
// ~2,000 annotations saved through `annotations:save`, then the contract calls the Features page makes
// timed in-process (dispatch + JSON, as the HTTP adapter serialises them), and the queue compared with
// the naive approach measured in the same run: every feature row of the attribution loaded into JS,
// filtered, sorted and sliced there.
import { SeededRandom } from '../../src/core/random';
import type { Db } from '../../src/main/store/database';
import { ownerSession } from '../../src/main/services/session-access';
import type { Workbench } from '../../src/main/workbench';
import type {
  FeatureQueueItem,
  FeatureQueuePage,
  FeatureQueueQuery,
  QueueStatus,
} from '../../src/shared/annotation';
import type { RequestChannel, RequestOutput } from '../../src/shared/contract';
import { lifecycleCategorySchema, type LifecycleCategory } from '../../src/shared/domain';
import { timeCalls, type Summary } from './annotation-stats';

export async function call<C extends RequestChannel>(
  workbench: Workbench,
  channel: C,
  input: unknown,
): Promise<RequestOutput<C>> {
  const result = await workbench.invoke(channel, input, { transport: 'cli', session: ownerSession });
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as RequestOutput<C>;
}

const words = ['plural', 'subject', 'noun', 'verb', 'attractor', 'determiner', 'number', 'suffix'];
/** The word the description search looks for; about one saved description in ten has it. */
export const searchWord = 'agreement';

/**
 * Saves annotations of one annotator on ~`count` features: rows 200… of the queue by |IE| (annotators
 * work from the top; the first 200 rows stay fresh for the UI run) and a random spread over the rest.
 * Returns the milliseconds of every save.
 */
export async function saveAnnotations(
  workbench: Workbench,
  order: readonly number[],
  annotatorId: number,
  count: number,
): Promise<number[]> {
  const random = new SeededRandom(7);
  const chosen = new Set(order.slice(200, 200 + Math.round(count * 0.75)));
  while (chosen.size < count) chosen.add(order[200 + random.int(order.length - 200)]!);
  const savesMs: number[] = [];
  for (const featureId of chosen) {
    const roll = random.next();
    const status = roll < 0.6 ? 'done' : roll < 0.85 ? 'draft' : 'skipped';
    const text = Array.from({ length: 6 + random.int(10) }, () => random.pick(words));
    if (random.next() < 0.1) text.splice(random.int(text.length), 0, searchWord);
    const start = performance.now();
    await call(workbench, 'annotations:save', {
      featureId,
      annotatorId,
      fields: {
        description: text.join(' '),
        interpretability: random.int(11) / 10,
        complexity: random.int(11) / 10,
        isFlagged: random.next() < 0.05,
        languages: [{ code: 'eng' }],
        timeSpentMs: 20_000 + random.int(60_000),
        status,
      },
    });
    savesMs.push(performance.now() - start);
  }
  return savesMs;
}

interface LoadedRow {
  featureId: number;
  idx: number;
  category: string;
  relIe: number | null;
  absIe: number;
  density: number | null;
  isSelected: number;
  status: QueueStatus | null;
  isFlagged: number | null;
  description: string | null;
}

type NaiveQuery = Required<Pick<FeatureQueueQuery, 'offset' | 'limit' | 'isSelectedOnly'>> &
  Pick<FeatureQueueQuery, 'categories' | 'statuses' | 'search'> & {
    attributionId: string;
    annotatorId: number;
  };

/** The queue page the naive way: all rows of the attribution into JS, then filter, sort by |IE|, slice. */
export function naiveQueuePage(db: Db, q: NaiveQuery): FeatureQueuePage {
  const rows = db
    .prepare<[number, string], LoadedRow>(
      `SELECT s.feature_id AS featureId, f.feature_index AS idx, s.category AS category,
         s.rel_ie_last AS relIe, s.abs_ie AS absIe, d.density AS density, s.is_selected AS isSelected,
         c.status AS status, c.is_flagged AS isFlagged, c.description AS description
       FROM feature_scores s
       JOIN features f ON f.id = s.feature_id
       LEFT JOIN dashboards d ON d.run_id = f.run_id AND d.feature_index = f.feature_index
       LEFT JOIN annotation_current c ON c.feature_id = s.feature_id AND c.annotator_id = ?
       WHERE s.attribution_id = ?`,
    )
    .all(q.annotatorId, q.attributionId);
  const search = q.search?.toLowerCase();
  const matched = rows.filter(
    (r) =>
      (!q.isSelectedOnly || r.isSelected === 1) &&
      (q.categories === undefined || q.categories.includes(r.category as LifecycleCategory)) &&
      (q.statuses === undefined || q.statuses.includes(r.status ?? 'todo')) &&
      (search === undefined || (r.description ?? '').toLowerCase().includes(search)),
  );
  matched.sort((a, b) => b.absIe - a.absIe || a.idx - b.idx);
  const done = db.prepare<[number], { n: number }>(
    "SELECT COUNT(*) AS n FROM annotation_current WHERE feature_id = ? AND status = 'done'",
  );
  const items = matched.slice(q.offset, q.offset + q.limit).map((r): FeatureQueueItem => ({
    featureId: r.featureId,
    index: r.idx,
    category: lifecycleCategorySchema.parse(r.category),
    relIe: r.relIe,
    absIe: r.absIe,
    density: r.density,
    isSelected: r.isSelected === 1,
    status: r.status ?? 'todo',
    isFlagged: r.isFlagged === 1,
    description: (r.description ?? '').slice(0, 160),
    doneCount: done.get(r.featureId)!.n,
  }));
  return { total: matched.length, offset: q.offset, items };
}

export interface ServerRow {
  name: string;
  sql: Summary;
  naive: Summary | null;
  /** Rows matching the query (queue calls). */
  total: number | null;
  /** Whether the naive page lists the same features in the same order. */
  isSamePage: boolean | null;
}

export interface ServerContext {
  workbench: Workbench;
  runId: string;
  attributionId: string;
  annotatorId: number;
  /** Feature ids to open with features:get / features:dashboard (they have dashboards). */
  openIds: readonly number[];
  nFeatures: number;
}

/** Every server-side timing of the benchmark, `calls` calls each. */
export async function timeServer(context: ServerContext, calls: number): Promise<ServerRow[]> {
  const { workbench, runId, attributionId, annotatorId } = context;
  const base = { attributionId, annotatorId, isSelectedOnly: false, offset: 0, limit: 100 };
  // Deep in the list: 60,000 of 65,536, or the same share of a smaller run.
  const deep = Math.round((context.nFeatures * 60_000) / 65_536);
  const queues: { name: string; query: NaiveQuery }[] = [
    { name: 'queue: selected only (default)', query: { ...base, isSelectedOnly: true } },
    { name: 'queue: all, |IE| desc, offset 0', query: base },
    {
      name: `queue: all, |IE| desc, offset ${deep.toLocaleString('en-US')}`,
      query: { ...base, offset: deep },
    },
    { name: 'queue: category emerged-late', query: { ...base, categories: ['emerged-late'] } },
    { name: 'queue: status done', query: { ...base, statuses: ['done'] } },
    { name: `queue: search "${searchWord}"`, query: { ...base, search: searchWord } },
  ];
  const rows: ServerRow[] = [];
  for (const { name, query } of queues) {
    const input = { ...query, runId, sort: 'absIe', direction: 'desc' };
    let page: FeatureQueuePage | undefined;
    const sql = await timeCalls(calls, async () => {
      page = await call(workbench, 'features:queue', input);
      JSON.stringify(page);
    });
    let naivePage: FeatureQueuePage | undefined;
    const naive = await timeCalls(calls, () => {
      naivePage = naiveQueuePage(workbench.store.db, query);
      JSON.stringify(naivePage);
    });
    const ids = (p: FeatureQueuePage | undefined): string => (p?.items ?? []).map((i) => i.featureId).join();
    rows.push({
      name,
      sql: sql.summary,
      naive: naive.summary,
      total: page?.total ?? null,
      isSamePage: page !== undefined && page.total === naivePage?.total && ids(page) === ids(naivePage),
    });
  }
  const ids = context.openIds;
  for (const channel of ['features:get', 'features:dashboard'] as const) {
    const timed = await timeCalls(calls, async (i) => {
      JSON.stringify(await call(workbench, channel, { featureId: ids[i % ids.length]! }));
    });
    rows.push({ name: channel, sql: timed.summary, naive: null, total: null, isSamePage: null });
  }
  const info = await timeCalls(calls, async () => JSON.stringify(await call(workbench, 'app:info', {})));
  rows.push({ name: 'app:info (floor)', sql: info.summary, naive: null, total: null, isSamePage: null });
  return rows;
}
