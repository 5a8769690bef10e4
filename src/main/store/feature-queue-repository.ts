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
  total: number;
  featureId: number | null;
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

const sortColumns: Record<QueueSort, string> = {
  relIe: 'relIe',
  absIe: 'absIe',
  density: 'density',
  index: 'idx',
};

/** ORDER BY of a sort: NULLs last in both directions, then the feature index as tie-break. */
function orderBy(sort: QueueSort, direction: 'asc' | 'desc', prefix: string): string {
  const column = `${prefix}${sortColumns[sort]}`;
  if (sort === 'index') return `${column} ${direction}`;
  return `(${column} IS NULL), ${column} ${direction}, ${prefix}idx ASC`;
}

/** LIKE pattern for "contains", with the wildcard characters of the text escaped. */
const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** The WHERE conditions of a filter and their named parameters. */
function conditions(filter: QueueFilter): { where: string[]; params: Record<string, unknown> } {
  const where = ['s.attribution_id = @attributionId'];
  const params: Record<string, unknown> = { attributionId: filter.attributionId, viewerId: filter.viewerId };
  const inList = (name: string, values: readonly unknown[]): string =>
    values.map((v, i) => ((params[`${name}${i}`] = v), `@${name}${i}`)).join(', ');
  if (filter.isSelectedOnly) where.push('s.is_selected = 1');
  // An empty list filters nothing out, like a chip row with no chip pressed.
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
    params.pattern = containsPattern(filter.descriptionContains);
    where.push("c.description LIKE @pattern ESCAPE '\\'");
  }
  return { where, params };
}

/**
 * The annotation queue as one SQL query: the features of an attribution joined with the viewer's
 * current annotation (the `annotation_current` projection), dashboards and assignments, filtered,
 * counted and paged together, so a page costs one statement however many features the run has.
 */
export class FeatureQueueRepository {
  constructor(private readonly db: Db) {}

  page(filter: QueueFilter): FeatureQueuePage {
    const { where, params } = conditions(filter);
    const sql = `
      WITH matched AS MATERIALIZED (
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
      SELECT t.total, p.*,
        (SELECT COUNT(*) FROM annotation_current x WHERE x.feature_id = p.featureId AND x.status = 'done')
          AS doneCount
      FROM (SELECT COUNT(*) AS total FROM matched) t
      LEFT JOIN (
        SELECT * FROM matched ORDER BY ${orderBy(filter.sort, filter.direction, '')}
        LIMIT @limit OFFSET @offset
      ) p ON 1
      ORDER BY ${orderBy(filter.sort, filter.direction, 'p.')}`;
    const rows = this.db
      .prepare<[Record<string, unknown>], PageRow>(sql)
      .all({ ...params, limit: filter.limit, offset: filter.offset });
    return {
      total: rows[0]?.total ?? 0,
      offset: filter.offset,
      items: rows.flatMap((r) => (r.featureId === null ? [] : [toItem(r, r.featureId)])),
    };
  }
}

const toItem = (r: PageRow, featureId: number): FeatureQueueItem => ({
  featureId,
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
