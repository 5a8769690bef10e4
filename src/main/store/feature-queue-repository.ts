import type { FeatureQueueItem, FeatureQueuePage, QueueSort, QueueStatus } from '../../shared/annotation';
import { lifecycleCategorySchema } from '../../shared/domain';
import type { Db } from './database';

/** A queue request with everything resolved: the attribution, and the search split into its kinds. */
export interface QueueFilter {
  attributionId: string;
  /** The annotator viewing the queue: status, flag and description are theirs. */
  viewerId: number;
  queueId?: number | undefined;
  categories?: readonly string[] | undefined;
  statuses?: readonly QueueStatus[] | undefined;
  assignedTo?: number | undefined;
  isFlagged?: boolean | undefined;
  isSelectedOnly: boolean;
  /** `#12` / `12` in the search box. */
  featureIndex?: number | undefined;
  /** Words of the search box, matched anywhere in the viewer's description. */
  descriptionContains?: string | undefined;
  sort: QueueSort;
  direction: 'asc' | 'desc';
  offset: number;
  limit: number;
}

interface PageRow {
  featureId: number;
  idx: number;
  category: string;
  relIe: number | null;
  absIe: number;
  density: number | null;
  isSelected: number;
  status: QueueStatus;
  isFlagged: number;
  description: string;
  doneCount: number;
}

type Params = Record<string, unknown>;

/** LIKE pattern for "contains", with the wildcard characters of the text escaped. */
const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE conditions of a filter and what they need joined. */
interface Conditions {
  where: string[];
  params: Params;
  /** A condition names `c`, the viewer's annotation_current row. */
  needsAnswers: boolean;
  /**
   * Every condition on `c` needs an answer to hold (status done, flagged, words of the description):
   * the matches are among the viewer's answers, so those are read first.
   */
  isAnswersFirst: boolean;
  /** A condition names `f`, the features row. */
  needsFeatures: boolean;
}

/**
 * The WHERE conditions of a filter (over `s` feature_scores, `f` features, `c` the viewer's
 * annotation_current) and their named parameters. Conditions on `c` are written so that SQLite can
 * turn its LEFT JOIN into a join driven by `c` where that means the same ("done" never matches a
 * feature without an answer); only a filter that keeps unanswered features needs the COALESCE.
 */
function conditions(filter: QueueFilter): Conditions {
  const where = ['s.attribution_id = @attributionId'];
  const params: Params = { attributionId: filter.attributionId, viewerId: filter.viewerId };
  const inList = (name: string, values: readonly unknown[]): string =>
    values.map((v, i) => ((params[`${name}${i}`] = v), `@${name}${i}`)).join(', ');
  let needsAnswers = false;
  /** A condition on `c` that an unanswered feature meets ("todo", "not flagged"). */
  let keepsUnanswered = false;
  if (filter.isSelectedOnly) where.push('s.is_selected = 1');
  // An empty list filters nothing out, like a chip row with no chip pressed.
  if (filter.categories?.length) where.push(`s.category IN (${inList('category', filter.categories)})`);
  if (filter.statuses?.length) {
    needsAnswers = true;
    const list = inList('status', filter.statuses);
    keepsUnanswered ||= filter.statuses.includes('todo');
    where.push(keepsUnanswered ? `COALESCE(c.status, 'todo') IN (${list})` : `c.status IN (${list})`);
  }
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
    needsAnswers = true;
    keepsUnanswered ||= !filter.isFlagged;
    where.push(filter.isFlagged ? 'c.is_flagged = 1' : 'COALESCE(c.is_flagged, 0) = 0');
  }
  if (filter.featureIndex !== undefined) {
    params.featureIndex = filter.featureIndex;
    where.push('f.feature_index = @featureIndex');
  }
  if (filter.descriptionContains !== undefined) {
    needsAnswers = true;
    params.pattern = containsPattern(filter.descriptionContains);
    where.push("c.description LIKE @pattern ESCAPE '\\'");
  }
  return {
    where,
    params,
    needsAnswers,
    isAnswersFirst: needsAnswers && !keepsUnanswered,
    needsFeatures: filter.featureIndex !== undefined,
  };
}

/** The sort value of a row; NULL sorts last in both directions. */
const sortKeys: Record<Exclude<QueueSort, 'index'>, string> = {
  absIe: 's.abs_ie',
  relIe: 's.rel_ie_last',
  density: 'd.density',
};

/** How a statement reaches the tables beside `feature_scores s`. */
interface Source {
  /**
   * `features f`: not at all (unless a condition names it), joined to each score, or walked first in
   * the run's feature-index order (each feature's score then looked up).
   */
  features: 'none' | 'join' | 'walk';
  /** `dashboards d`: not at all, left-joined to each feature, or read first in density order. */
  dashboards: 'none' | 'left' | 'first';
}

/**
 * Rows to put in feature-index order: many are walked in the run's index order (no sort, and a page
 * stops early), few are joined and sorted (a walk would pass every feature of the run).
 */
const inIndexOrder = (rows: number, dashboards: Source['dashboards']): Source => ({
  features: rows > 2000 ? 'walk' : 'join',
  dashboards,
});

/**
 * The annotation queue: the features of an attribution with the viewer's current annotation (the
 * `annotation_current` projection), dashboards and assignments, filtered, sorted and paged in SQL.
 *
 * Order: the sort value (NULLs last in both directions), then the feature index (ascending) as
 * tie-break; sort `index` is the feature index alone. A page is found on the sort value first (the
 * indexes of migration 6): the value at the page's first position, how many rows come strictly
 * before it, then the rows from that value on in full order, so only the page and its ties are
 * joined with `features`. Rows without a value (ordered by index alone) are read in feature-index
 * order. Only the page's rows are joined with everything for display.
 *
 * Walking the run's `features(run_id, feature_index)` or `dashboards(run_id, density, …)` relies on
 * the scores of an attribution being written only for features of its own run (`ensureRange`).
 */
export class FeatureQueueRepository {
  constructor(private readonly db: Db) {}

  page(filter: QueueFilter): FeatureQueuePage {
    const found = this.db
      .prepare<[string], { runId: string }>('SELECT run_id AS runId FROM attributions WHERE id = ?')
      .get(filter.attributionId);
    if (found === undefined) return { total: 0, offset: filter.offset, items: [] };
    const q = new QueueStatements(this.db, conditions(filter), found.runId);
    const total = q.count({ features: 'none', dashboards: 'none' }, []);
    if (filter.offset >= total) return { total, offset: filter.offset, items: [] };
    const ids =
      filter.sort === 'index'
        ? q.byIndex(filter.direction, filter.offset, filter.limit, total)
        : q.byValue(filter.sort, filter.direction, filter.offset, filter.limit, total);
    return { total, offset: filter.offset, items: this.items(filter, ids) };
  }

  /** The queue rows of `ids`, in that order. */
  private items(filter: QueueFilter, ids: readonly number[]): FeatureQueueItem[] {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare<[Params], PageRow>(
        `SELECT s.feature_id AS featureId, f.feature_index AS idx, s.category AS category,
          s.rel_ie_last AS relIe, s.abs_ie AS absIe, d.density AS density, s.is_selected AS isSelected,
          COALESCE(c.status, 'todo') AS status, COALESCE(c.is_flagged, 0) AS isFlagged,
          substr(COALESCE(c.description, ''), 1, 160) AS description,
          (SELECT COUNT(*) FROM annotation_current x WHERE x.feature_id = s.feature_id AND x.status = 'done')
            AS doneCount
        FROM feature_scores s
        JOIN features f ON f.id = s.feature_id
        LEFT JOIN dashboards d ON d.run_id = f.run_id AND d.feature_index = f.feature_index
        LEFT JOIN annotation_current c ON c.feature_id = s.feature_id AND c.annotator_id = @viewerId
        WHERE s.attribution_id = @attributionId AND s.feature_id IN (SELECT value FROM json_each(@ids))`,
      )
      .all({ attributionId: filter.attributionId, viewerId: filter.viewerId, ids: JSON.stringify(ids) });
    const byId = new Map(rows.map((r) => [r.featureId, r]));
    return ids.map((id) => toItem(byId.get(id)!));
  }
}

/** The statements of one queue request: the same conditions and parameters throughout. */
class QueueStatements {
  private readonly params: Params;

  constructor(
    private readonly db: Db,
    private readonly filter: Conditions,
    runId: string,
  ) {
    this.params = { ...filter.params, runId };
  }

  /** Matching rows that also meet `extra`. */
  count(source: Source, extra: readonly string[], params: Params = {}): number {
    const sql = `SELECT COUNT(*) AS n ${this.fromWhere(source, extra)}`;
    return this.db.prepare<[Params], { n: number }>(sql).get({ ...this.params, ...params })!.n;
  }

  /** Sort `index`: the feature index alone. */
  byIndex(direction: 'asc' | 'desc', offset: number, limit: number, total: number): number[] {
    const source = inIndexOrder(total, 'none');
    return this.ids(
      `SELECT s.feature_id AS id ${this.fromWhere(source, [])}
       ORDER BY f.feature_index ${direction} LIMIT @limit OFFSET @offset`,
      { limit, offset },
    );
  }

  /** Sorts on a value: the rows with one (by value, then index), then those without (by index). */
  byValue(
    sort: Exclude<QueueSort, 'index'>,
    direction: 'asc' | 'desc',
    offset: number,
    limit: number,
    total: number,
  ): number[] {
    const key = sortKeys[sort];
    const isDensity = sort === 'density';
    // abs_ie is NOT NULL; density is there exactly when the feature has a dashboard.
    const valued: Source = {
      features: isDensity ? 'join' : 'none',
      dashboards: isDensity ? 'first' : 'none',
    };
    const withValue = sort === 'absIe' ? total : this.count(valued, [`${key} IS NOT NULL`]);
    const ids: number[] = [];
    if (offset < withValue) {
      ids.push(...this.valuePage(key, valued, direction, offset, Math.min(limit, withValue - offset)));
    }
    if (ids.length < limit && withValue < total) {
      const source = inIndexOrder(total - withValue, isDensity ? 'left' : 'none');
      ids.push(
        ...this.ids(
          `SELECT s.feature_id AS id ${this.fromWhere(source, [`${key} IS NULL`])}
           ORDER BY f.feature_index ASC LIMIT @limit OFFSET @offset`,
          { limit: limit - ids.length, offset: Math.max(0, offset - withValue) },
        ),
      );
    }
    return ids;
  }

  /** Rows [offset, offset + limit) of those with a value, by (value, index). */
  private valuePage(
    key: string,
    valued: Source,
    direction: 'asc' | 'desc',
    offset: number,
    limit: number,
  ): number[] {
    // The value at position `offset` (ties never move the positions of values), ...
    const first = this.db
      .prepare<[Params], { v: number }>(
        `SELECT ${key} AS v ${this.fromWhere(valued, [`${key} IS NOT NULL`])}
         ORDER BY ${key} ${direction} LIMIT 1 OFFSET @offset`,
      )
      .get({ ...this.params, offset })!.v;
    // ... how many rows come strictly before it, ...
    const isDesc = direction === 'desc';
    const before = this.count(valued, [`${key} ${isDesc ? '>' : '<'} @first`], { first });
    // ... and the rows from it on in full order: the page starts `offset - before` rows in.
    const source: Source = { ...valued, features: 'join' };
    return this.ids(
      `SELECT s.feature_id AS id ${this.fromWhere(source, [`${key} ${isDesc ? '<=' : '>='} @first`])}
       ORDER BY ${key} ${direction}, f.feature_index ASC LIMIT @limit OFFSET @skip`,
      { first, limit, skip: offset - before },
    );
  }

  private ids(sql: string, params: Params): number[] {
    return this.db
      .prepare<[Params], { id: number }>(sql)
      .all({ ...this.params, ...params })
      .map((r) => r.id);
  }

  /**
   * FROM with the joins of `source` (`f` also when a condition names it, `c` when the filter does), and
   * the conditions that tie a table read first to the rest. A CROSS JOIN keeps its left side the outer
   * loop: the viewer's answers when every match needs one, else the run's features or dashboards when
   * they are read in order.
   */
  private from(source: Source): { from: string; ties: string[] } {
    const { needsAnswers, isAnswersFirst, needsFeatures } = this.filter;
    const features = source.features !== 'none' || source.dashboards !== 'none' || needsFeatures;
    const joinFeatures = features ? ' JOIN features f ON f.id = s.feature_id' : '';
    const onDashboards = 'dashboards d ON d.run_id = f.run_id AND d.feature_index = f.feature_index';
    const dashboards =
      source.dashboards === 'none'
        ? ''
        : ` ${source.dashboards === 'left' ? 'LEFT JOIN' : 'JOIN'} ${onDashboards}`;
    const answers = 'annotation_current c ON c.feature_id = s.feature_id AND c.annotator_id = @viewerId';
    if (isAnswersFirst) {
      return {
        from: `annotation_current c CROSS JOIN feature_scores s${joinFeatures}${dashboards}`,
        ties: ['c.annotator_id = @viewerId', 's.feature_id = c.feature_id'],
      };
    }
    const leftAnswers = needsAnswers ? ` LEFT JOIN ${answers}` : '';
    if (source.dashboards === 'first') {
      return {
        from: `dashboards d CROSS JOIN features f CROSS JOIN feature_scores s${leftAnswers}`,
        ties: [
          'd.run_id = @runId',
          'f.run_id = d.run_id',
          'f.feature_index = d.feature_index',
          's.feature_id = f.id',
        ],
      };
    }
    // A feature index searched for is one lookup in the run's features.
    if (source.features === 'walk' || needsFeatures) {
      return {
        from: `features f CROSS JOIN feature_scores s${dashboards}${leftAnswers}`,
        ties: ['f.run_id = @runId', 's.feature_id = f.id'],
      };
    }
    return { from: `feature_scores s${joinFeatures}${dashboards}${leftAnswers}`, ties: [] };
  }

  /** `FROM … WHERE …` of a statement: the filter's conditions and `extra`. */
  private fromWhere(source: Source, extra: readonly string[]): string {
    const { from, ties } = this.from(source);
    return `FROM ${from} WHERE ${[...ties, ...this.filter.where, ...extra].join(' AND ')}`;
  }
}

const toItem = (r: PageRow): FeatureQueueItem => ({
  featureId: r.featureId,
  index: r.idx,
  category: lifecycleCategorySchema.parse(r.category),
  relIe: r.relIe,
  absIe: r.absIe,
  density: r.density,
  isSelected: r.isSelected === 1,
  status: r.status,
  isFlagged: r.isFlagged === 1,
  description: r.description,
  doneCount: r.doneCount,
});
