import { z } from 'zod';
import { annotationFieldsSchema, type AnnotationFields } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { GoldRecord } from '../../shared/review';
import { readStoredFields } from './annotations-repository';
import type { Db } from './database';
import { isForeignKeyViolation, nowIso } from './sql';

interface GoldRow {
  id: number;
  feature_id: number;
  revision: number;
  fields_json: string;
  rationale: string;
  sources_json: string;
  adjudicator_id: number;
  adjudicator_name: string;
  created_at: string;
}

/** What `sources_json` holds: the annotation revisions (row ids) a gold record took fields from. */
const storedSourcesSchema = z.array(
  z.object({ annotatorId: z.number().int(), revisionId: z.number().int() }),
);
export type StoredGoldSource = z.infer<typeof storedSourcesSchema>[number];

export interface GoldAppend {
  featureId: number;
  adjudicatorId: number;
  fields: AnnotationFields;
  rationale: string;
  sources: readonly StoredGoldSource[];
  /** When given and not the latest gold revision: `conflict`. */
  baseRevision?: number | undefined;
  /** Kept from where the record was made (a merged bundle); now by default. */
  createdAt?: string;
}

const select = `SELECT g.*, a.name AS adjudicator_name FROM gold_records g
  JOIN annotators a ON a.id = g.adjudicator_id`;

/**
 * Gold records: a feature's adjudicated answer as append-only revisions (a trigger forbids UPDATE),
 * each with its rationale, adjudicator and the annotation revisions it was picked or merged from. The
 * annotators' own revisions are never touched.
 */
export class GoldRecordsRepository {
  constructor(private readonly db: Db) {}

  /** Every gold revision of a feature, oldest first. */
  history(featureId: number): GoldRecord[] {
    return this.toRecords(
      this.db
        .prepare<[number], GoldRow>(`${select} WHERE g.feature_id = ? ORDER BY g.revision`)
        .all(featureId),
    );
  }

  latest(featureId: number): GoldRecord | null {
    return this.history(featureId).at(-1) ?? null;
  }

  /** The latest gold revision of each feature of a run that has one, by feature id. */
  latestOfRun(runId: string): Map<number, GoldRecord> {
    const rows = this.db
      .prepare<[string], GoldRow>(
        `${select} JOIN features f ON f.id = g.feature_id
         WHERE f.run_id = ? AND g.revision = (SELECT MAX(x.revision) FROM gold_records x WHERE x.feature_id = g.feature_id)`,
      )
      .all(runId);
    return new Map(this.toRecords(rows).map((r) => [r.featureId, r]));
  }

  /** Appends revision n+1 of the feature's gold record (one immediate transaction). */
  append(input: GoldAppend): GoldRecord {
    const fields = annotationFieldsSchema.parse(input.fields);
    const write = this.db.transaction((): GoldRecord => {
      const current =
        this.db
          .prepare<[number], { n: number | null }>(
            'SELECT MAX(revision) AS n FROM gold_records WHERE feature_id = ?',
          )
          .get(input.featureId)?.n ?? 0;
      if (input.baseRevision !== undefined && input.baseRevision !== current)
        throw new AppError(
          'conflict',
          `The gold record of feature ${input.featureId} is at revision ${current}, but this edit started from revision ${input.baseRevision}; reload it first.`,
          'input.baseRevision',
        );
      const info = this.db
        .prepare(
          `INSERT INTO gold_records (feature_id, revision, fields_json, rationale, sources_json, adjudicator_id, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.featureId,
          current + 1,
          JSON.stringify(fields),
          input.rationale,
          JSON.stringify(
            input.sources.map((s) => ({ annotatorId: s.annotatorId, revisionId: s.revisionId })),
          ),
          input.adjudicatorId,
          input.createdAt ?? nowIso(),
        );
      return this.get(Number(info.lastInsertRowid));
    });
    try {
      return write.immediate();
    } catch (error) {
      if (isForeignKeyViolation(error))
        throw new AppError(
          'not_found',
          `Feature ${input.featureId} or annotator ${input.adjudicatorId} does not exist.`,
          'input.featureId',
        );
      throw error;
    }
  }

  get(id: number): GoldRecord {
    const row = this.db.prepare<[number], GoldRow>(`${select} WHERE g.id = ?`).get(id);
    if (!row) throw new AppError('not_found', `No gold record with id ${id}.`, 'id');
    return this.toRecords([row])[0]!;
  }

  /** Stored sources of a gold row, as written (annotator and revision row ids). */
  static sourcesOf(json: string): StoredGoldSource[] {
    return storedSourcesSchema.parse(JSON.parse(json));
  }

  private toRecords(rows: readonly GoldRow[]): GoldRecord[] {
    const names = new Map(
      this.db
        .prepare<[], { id: number; name: string }>('SELECT id, name FROM annotators')
        .all()
        .map((a) => [a.id, a.name]),
    );
    return rows.map((r) => ({
      id: r.id,
      featureId: r.feature_id,
      revision: r.revision,
      fields: readStoredFields(r.fields_json),
      rationale: r.rationale,
      sources: GoldRecordsRepository.sourcesOf(r.sources_json).map((s) => ({
        annotatorId: s.annotatorId,
        name: names.get(s.annotatorId) ?? `annotator ${s.annotatorId}`,
        revisionId: s.revisionId,
      })),
      adjudicatorId: r.adjudicator_id,
      adjudicatorName: r.adjudicator_name,
      createdAt: r.created_at,
    }));
  }
}
