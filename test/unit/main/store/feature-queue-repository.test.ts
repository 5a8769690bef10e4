import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../../src/core/random';
import type {
  FeatureQueueItem,
  FeatureQueuePage,
  QueueSort,
  QueueStatus,
} from '../../../../src/shared/annotation';
import { annotationFieldsSchema, lifecycleCategorySchema } from '../../../../src/shared/domain';
import type { Db } from '../../../../src/main/store/database';
import type { QueueFilter } from '../../../../src/main/store/feature-queue-repository';
import { createStore, type Store } from '../../../../src/main/store/store';

// The queue's paged SQL (value first, joins for the page only) against the straightforward statement
// it replaced (every row joined, then sorted and paged) on a random project: ties in every sort value,
// NULL RelIE and densities, feature ids out of index order, a second run, three annotators.

/** The queue as one statement: all rows joined and filtered, counted, sorted and paged together. */
function referencePage(db: Db, filter: QueueFilter): FeatureQueuePage {
  const where = ['s.attribution_id = @attributionId'];
  const params: Record<string, unknown> = { attributionId: filter.attributionId, viewerId: filter.viewerId };
  const inList = (name: string, values: readonly unknown[]): string =>
    values.map((v, i) => ((params[`${name}${i}`] = v), `@${name}${i}`)).join(', ');
  if (filter.isSelectedOnly) where.push('s.is_selected = 1');
  if (filter.categories?.length) where.push(`s.category IN (${inList('category', filter.categories)})`);
  if (filter.statuses?.length)
    where.push(`COALESCE(c.status, 'todo') IN (${inList('status', filter.statuses)})`);
  if (filter.queueId !== undefined) {
    params.queueId = filter.queueId;
    where.push(
      'EXISTS (SELECT 1 FROM queue_members q WHERE q.queue_id = @queueId AND q.feature_id = s.feature_id)',
    );
  }
  if (filter.assignedTo !== undefined) {
    params.assignedTo = filter.assignedTo;
    where.push(
      'EXISTS (SELECT 1 FROM assignments a WHERE a.feature_id = s.feature_id AND a.annotator_id = @assignedTo)',
    );
  }
  if (filter.isFlagged !== undefined) {
    params.isFlagged = filter.isFlagged ? 1 : 0;
    where.push('COALESCE(c.is_flagged, 0) = @isFlagged');
  }
  if (filter.featureIndex !== undefined) {
    params.featureIndex = filter.featureIndex;
    where.push('f.feature_index = @featureIndex');
  }
  if (filter.descriptionContains !== undefined) {
    params.pattern = `%${filter.descriptionContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    where.push("c.description LIKE @pattern ESCAPE '\\'");
  }
  const column = { relIe: 'relIe', absIe: 'absIe', density: 'density', index: 'idx' }[filter.sort];
  const order =
    filter.sort === 'index'
      ? `idx ${filter.direction}`
      : `(${column} IS NULL), ${column} ${filter.direction}, idx ASC`;
  const rows = db
    .prepare<[Record<string, unknown>], FeatureQueueItem & { idx: number; total: number }>(
      `WITH matched AS (
        SELECT s.feature_id AS featureId, f.feature_index AS idx, s.category AS category,
          s.rel_ie_last AS relIe, s.abs_ie AS absIe, d.density AS density, s.is_selected AS isSelected,
          COALESCE(c.status, 'todo') AS status, COALESCE(c.is_flagged, 0) AS isFlagged,
          substr(COALESCE(c.description, ''), 1, 160) AS description
        FROM feature_scores s
        JOIN features f ON f.id = s.feature_id
        LEFT JOIN dashboards d ON d.run_id = f.run_id AND d.feature_index = f.feature_index
        LEFT JOIN annotation_current c ON c.feature_id = s.feature_id AND c.annotator_id = @viewerId
        WHERE ${where.join(' AND ')}
      )
      SELECT (SELECT COUNT(*) FROM matched) AS total, m.*,
        (SELECT COUNT(*) FROM annotation_current x WHERE x.feature_id = m.featureId AND x.status = 'done')
          AS doneCount
      FROM matched m ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    )
    .all({ ...params, limit: filter.limit, offset: filter.offset });
  const total =
    rows[0]?.total ??
    db
      .prepare<[Record<string, unknown>], { n: number }>(
        `SELECT COUNT(*) AS n FROM feature_scores s JOIN features f ON f.id = s.feature_id
         LEFT JOIN annotation_current c ON c.feature_id = s.feature_id AND c.annotator_id = @viewerId
         WHERE ${where.join(' AND ')}`,
      )
      .get(params)!.n;
  return {
    total,
    offset: filter.offset,
    items: rows.map((r) => ({
      featureId: r.featureId,
      index: r.idx,
      category: lifecycleCategorySchema.parse(r.category),
      relIe: r.relIe,
      absIe: r.absIe,
      density: r.density,
      isSelected: Number(r.isSelected) === 1,
      status: r.status,
      isFlagged: Number(r.isFlagged) === 1,
      description: r.description,
      doneCount: r.doneCount,
    })),
  };
}

const categories = lifecycleCategorySchema.options;
const words = ['agreement', 'plural', 'noun', '100%', 'snake_case', 'verb'];
let store: Store;
let attributionIds: string[];
let annotatorIds: number[];
let queueId: number;

/**
 * Run A: 2,600 features (more than the queue reads in index order without sorting) inserted in a
 * shuffled order, two attributions; run B: 300 features, one attribution. Sort values come from few
 * levels (many ties); RelIE is NULL for about 5%, dashboards exist for about 20% of run A.
 */
function makeProject(random: SeededRandom): void {
  const project = store.projects.create({ name: 'p', description: '' });
  const runs = [
    { id: 'run-a', n: 2600, attributions: ['a1', 'a2'] },
    { id: 'run-b', n: 300, attributions: ['b1'] },
  ];
  annotatorIds = ['ada', 'bob', 'cy'].map((name) => store.annotators.create(name).id);
  attributionIds = [];
  for (const run of runs) {
    store.runs.create({
      id: run.id,
      projectId: project.id,
      name: run.id,
      kind: 'crosscoder',
      config: {},
      dir: null,
    });
    const order = Array.from({ length: run.n }, (_, i) => i).sort(() => random.next() - 0.5);
    store.features.upsertMany(
      run.id,
      order.map((index) => ({ index, category: null, relIe: null, relDec: null, ie: null })),
    );
    const ids = store.features.ensureRange(run.id, run.n);
    for (const attributionId of run.attributions) {
      attributionIds.push(attributionId);
      store.attributions.replace({
        header: {
          id: attributionId,
          runId: run.id,
          task: 't',
          method: 'ig',
          n: 10,
          top: 5,
          thresholds: { low: 0.3, high: 0.7 },
          revisions: [],
        },
        scores: ids.map((featureId) => {
          const isZero = random.next() < 0.05;
          const share = random.int(6) / 5;
          return {
            featureId,
            ie: [0, 0, 0],
            relIe: isZero ? null : [1 - share, share],
            bucket: null,
            category: random.pick(categories),
            absIe: isZero ? 0 : random.int(40) / 8,
            isSelected: random.next() < 0.2,
          };
        }),
        items: [],
        effects: [],
      });
    }
    store.dashboards.upsertMany(
      run.id,
      Array.from({ length: run.n }, (_, index) => index)
        .filter(() => random.next() < 0.2)
        .map((index) => ({ index, density: random.int(20) / 100, maxActivation: 1, json: '{}' })),
    );
    for (const featureId of ids) {
      for (const annotatorId of annotatorIds) {
        if (random.next() > 0.3) continue;
        const text = Array.from({ length: 1 + random.int(4) }, () => random.pick(words)).join(' ');
        store.annotations.save({
          featureId,
          annotatorId,
          fields: annotationFieldsSchema.parse({
            description: text,
            isFlagged: random.next() < 0.3,
            status: random.pick(['draft', 'done', 'skipped'] as const),
          }),
        });
      }
    }
    store.assignments.replace(
      ids,
      ids
        .filter(() => random.next() < 0.3)
        .map((featureId) => ({ featureId, annotatorId: random.pick(annotatorIds) })),
    );
    if (run.id === 'run-a') {
      queueId = store.queues.create({
        runId: run.id,
        attributionId: 'a1',
        name: 'brushed',
        featureIds: ids.filter(() => random.next() < 0.1),
      }).id;
    }
  }
}

beforeAll(() => {
  store = createStore(':memory:');
  makeProject(new SeededRandom(11));
});
afterAll(() => store.close());

type Filters = Omit<QueueFilter, 'attributionId' | 'viewerId' | 'sort' | 'direction' | 'offset' | 'limit'>;

const filterSets = (): Array<{ name: string; filters: Filters }> => {
  const all = { isSelectedOnly: false };
  const statuses: QueueStatus[][] = [['todo'], ['done'], ['draft', 'skipped'], ['todo', 'done']];
  return [
    { name: 'all', filters: all },
    { name: 'selected', filters: { isSelectedOnly: true } },
    { name: 'categories', filters: { ...all, categories: ['emerged-late', 'other'] } },
    ...statuses.map((s) => ({ name: `status ${s.join('+')}`, filters: { ...all, statuses: s } })),
    { name: 'flagged', filters: { ...all, isFlagged: true } },
    { name: 'not flagged', filters: { ...all, isFlagged: false } },
    { name: 'assigned', filters: { ...all, assignedTo: annotatorIds[1]! } },
    { name: 'named queue', filters: { ...all, queueId } },
    { name: 'feature #17', filters: { ...all, featureIndex: 17 } },
    { name: 'feature #99999', filters: { ...all, featureIndex: 99_999 } },
    { name: 'search agreement', filters: { ...all, descriptionContains: 'agreement' } },
    { name: 'search %', filters: { ...all, descriptionContains: '%' } },
    { name: 'search _', filters: { ...all, descriptionContains: 'e_c' } },
    {
      name: 'selected, category, done, flagged',
      filters: {
        isSelectedOnly: true,
        categories: ['other', 'maintained'],
        statuses: ['done'],
        isFlagged: true,
      },
    },
    { name: 'todo in a named queue', filters: { ...all, statuses: ['todo'], queueId } },
  ];
};

const sorts: QueueSort[] = ['absIe', 'relIe', 'density', 'index'];

/** Offsets worth a page: the ends, the middle, and around where rows without a value begin. */
function offsetsOf(rows: readonly FeatureQueueItem[], sort: QueueSort): number[] {
  const valueOf = (r: FeatureQueueItem) => (sort === 'relIe' ? r.relIe : sort === 'density' ? r.density : 0);
  const firstNull = rows.findIndex((r) => valueOf(r) === null);
  const candidates = [0, 1, 13, Math.floor(rows.length / 2), rows.length - 3, rows.length, rows.length + 5];
  if (firstNull >= 0) candidates.push(firstNull - 5, firstNull - 1, firstNull, firstNull + 2);
  return [...new Set(candidates.filter((o) => o >= 0))];
}

describe('FeatureQueueRepository.page', () => {
  it('pages exactly like the one-statement reference for every sort, direction and filter', () => {
    let pages = 0;
    for (const attributionId of attributionIds) {
      for (const { name, filters } of filterSets()) {
        for (const sort of sorts) {
          for (const direction of ['asc', 'desc'] as const) {
            const viewerId = annotatorIds[pages % annotatorIds.length]!;
            const base = { ...filters, attributionId, viewerId, sort, direction };
            // Every matching row in order; a page of the reference is a slice of it.
            const everything = referencePage(store.db, { ...base, offset: 0, limit: 100_000 });
            offsetsOf(everything.items, sort).forEach((offset, i) => {
              const limit = [7, 100, 1][i % 3]!;
              const expected = {
                ...everything,
                offset,
                items: everything.items.slice(offset, offset + limit),
              };
              const where = `${attributionId}, ${name}, ${sort} ${direction}, offset ${offset}, limit ${limit}`;
              expect(store.featureQueue.page({ ...base, offset, limit }), where).toEqual(expected);
              pages++;
            });
          }
        }
      }
    }
    expect(pages).toBeGreaterThan(1000);
  }, 120_000);

  it('reads ties in feature-index order although ids follow another order', () => {
    const page = store.featureQueue.page({
      attributionId: 'a1',
      viewerId: annotatorIds[0]!,
      isSelectedOnly: false,
      sort: 'absIe',
      direction: 'desc',
      offset: 0,
      limit: 500,
    });
    const tied = page.items.filter((r) => r.absIe === page.items[0]!.absIe);
    expect(tied.length).toBeGreaterThan(10);
    expect(tied.map((r) => r.index)).toEqual([...tied.map((r) => r.index)].sort((a, b) => a - b));
    expect(tied.map((r) => r.featureId)).not.toEqual([...tied.map((r) => r.featureId)].sort((a, b) => a - b));
  });

  it('answers an unknown attribution with an empty page', () => {
    expect(
      store.featureQueue.page({
        attributionId: 'nope',
        viewerId: annotatorIds[0]!,
        isSelectedOnly: false,
        sort: 'absIe',
        direction: 'desc',
        offset: 0,
        limit: 10,
      }),
    ).toEqual({ total: 0, offset: 0, items: [] });
  });
});
