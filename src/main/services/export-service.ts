import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { readAnnotationFile, type ImportRow } from '../../core/review/annotation-import';
import { consensusOf, goldRecordOf, type NamedAnswer } from '../../core/review/consensus';
import { CsvError } from '../../core/review/csv-reader';
import { type ExportFeature, type ExportInput, renderExport } from '../../core/review/export-table';
import type { Provenance } from '../../core/review/provenance';
import type { ParsedInput } from '../../shared/contract';
import { annotationFieldsSchema, type AnnotationFields } from '../../shared/domain';
import { featureVerdicts, verdictTarget, type FeatureVerdict } from '../../shared/faithfulness';
import { formatLanguages } from '../../shared/languages';
import { AppError } from '../../shared/result';
import type { AnnotationsCsvImportResult, ExportFormat, ExportResult } from '../../shared/review';
import { changedFields } from '../store/annotations-repository';
import type { Store } from '../store/store';
import { readFaithfulnessReport } from './faithfulness-service';
import { resolveAttribution } from './review-service';

export interface ExportServiceDeps {
  store: Store;
  appVersion: string;
  /** Clock of the provenance (tests fix it). */
  now?: () => Date;
}

/** Preview rows a dry run returns at most (the counts cover every row). */
export const importPreviewLimit = 500;

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/** Reads a field of the run config as stored, whatever its shape (imported studies, older runs). */
function configField(config: unknown, path: readonly string[]): unknown {
  let value: unknown = config;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

function requireAbsolute(path: string, field: string): void {
  if (!isAbsolute(path)) throw new AppError('invalid_input', `${path} is not an absolute path.`, field);
}

/** Refuses a path that is the open database itself (writing there would replace the project). */
export function refuseDatabasePath(store: Store, path: string, field: string): void {
  const database = store.db.name;
  if (database === ':memory:') return;
  // The database and SQLite's sidecar files, also through a symbolic link to any of them.
  const own = ['', '-wal', '-shm', '-journal'].map((suffix) => resolve(`${database}${suffix}`));
  const realOf = (p: string): string => {
    try {
      return realpathSync(p);
    } catch {
      return resolve(p);
    }
  };
  const targets = [resolve(path), realOf(path)];
  const ownReal = own.map(realOf);
  if (targets.some((t) => own.includes(t) || ownReal.includes(t)))
    throw new AppError(
      'invalid_input',
      `${path} is this workbench's own database (or one of its journal files); choose another file.`,
      field,
    );
}

/** Writes through a temporary file in the same folder, then renames (no half-written exports). */
export function writeFileAtomic(path: string, text: string, field: string): void {
  requireAbsolute(path, field);
  const dir = dirname(path);
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new AppError('invalid_input', `Cannot write ${path}: the folder ${dir} does not exist.`, field);
  const temp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, text, 'utf8');
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new AppError('invalid_input', `Cannot write ${path}: ${(error as Error).message}`, field);
  }
}

/**
 * Tables out (CSV, JSONL, LaTeX, Markdown with provenance: `src/core/review/export-table.ts`) and
 * annotations in (the original study's CSV columns, or our JSONL export), for one annotator, all or
 * nothing.
 */
export class ExportService {
  constructor(private readonly deps: ExportServiceDeps) {}

  /** The export of a run's attribution as the writers take it (gold, else consensus of done answers). */
  exportInput(input: {
    runId: string;
    attributionId?: string | undefined;
    features: 'selected' | 'all';
  }): ExportInput {
    const { store } = this.deps;
    const attribution = resolveAttribution(store, input.runId, input.attributionId);
    const run = store.runs.get(input.runId);
    const scores = store.review.scores(attribution.id, { isSelectedOnly: input.features === 'selected' });
    // The run's faithfulness report, when the checks ran (a broken one is refused, naming the file).
    const nFeatures = configField(run.config, ['crosscoder', 'nFeatures']);
    const faithfulness =
      run.dir === null
        ? null
        : readFaithfulnessReport(run.dir, typeof nFeatures === 'number' ? nFeatures : undefined);
    const verdicts = new Map(
      (faithfulness === null ? [] : featureVerdicts(faithfulness.report)).map((v) => [v.feature, v]),
    );
    const gold = store.gold.latestOfRun(input.runId);
    const answers = new Map<number, NamedAnswer[]>();
    for (const a of store.review.currentAnswers(input.runId, ['done']))
      answers.set(a.featureId, [...(answers.get(a.featureId) ?? []), { name: a.name, fields: a.fields }]);
    const features: ExportFeature[] = scores.map((f) => {
      const done = answers.get(f.featureId) ?? [];
      const record = gold.get(f.featureId);
      return {
        index: f.index,
        ie: f.ie,
        relIe: f.relIe,
        relDec: f.relDec,
        bucket: f.bucket,
        category: f.category,
        ...(faithfulness === null ? {} : { faithfulness: exportVerdict(verdicts.get(f.index)) }),
        record:
          record === undefined
            ? consensusOf(done, f.category)
            : goldRecordOf(record.fields, done, f.category),
      };
    });
    const model = configField(run.config, ['store', 'model']);
    const layer = configField(run.config, ['store', 'layer']);
    const seed = configField(run.config, ['crosscoder', 'seed']);
    const annotators = [...new Set(features.flatMap((f) => f.record.annotators))].sort((a, b) =>
      a.localeCompare(b),
    );
    const provenance: Provenance = {
      model: typeof model === 'string' && model !== '' ? model : 'unknown',
      revisions: attribution.revisions,
      layer: typeof layer === 'number' && Number.isInteger(layer) && layer >= 0 ? layer : null,
      runConfigHash: `sha256:${sha256Hex(store.review.runConfigJson(input.runId))}`,
      thresholds: attribution.thresholds,
      appVersion: this.deps.appVersion,
      createdAt: (this.deps.now?.() ?? new Date()).toISOString(),
      seed: typeof seed === 'number' && Number.isInteger(seed) ? seed : null,
      task: attribution.task,
      annotators,
      ...(faithfulness === null
        ? {}
        : {
            faithfulness:
              `${faithfulness.file} of ${faithfulness.report.createdAt}; exclusivity_artifact: latent scaling ` +
              `on the ${verdictTarget} target, ν ≥ ${faithfulness.report.ratioThreshold.toFixed(3)}; ` +
              'faithfulness_matched: matched in every reordered and seed run',
          }),
    };
    return {
      runId: input.runId,
      task: attribution.task,
      revisions: attribution.revisions,
      features,
      provenance,
      hasFaithfulness: faithfulness !== null,
    };
  }

  /** The text of an export (no file). */
  render(
    input: { runId: string; attributionId?: string | undefined; features: 'selected' | 'all' },
    format: ExportFormat,
  ): {
    text: string;
    rows: number;
    attributionId: string;
  } {
    const attributionId = resolveAttribution(this.deps.store, input.runId, input.attributionId).id;
    const exportInput = this.exportInput({ ...input, attributionId });
    return { text: renderExport(exportInput, format), rows: exportInput.features.length, attributionId };
  }

  write(input: ParsedInput<'export:write'>): ExportResult {
    refuseDatabasePath(this.deps.store, input.path, 'input.path');
    const { text, rows, attributionId } = this.render(input, input.format);
    writeFileAtomic(input.path, text, 'input.path');
    return { path: input.path, format: input.format, rows, attributionId };
  }

  /**
   * Imports one annotator's answers from a study-format CSV or our JSONL export: every row is checked
   * (file, row and column named on the first problem) before anything is written, then all rows are
   * appended as revisions (status done) in one transaction. A dry run stops after the check.
   */
  importAnnotations(input: ParsedInput<'import:annotationsCsv'>): AnnotationsCsvImportResult {
    const { store } = this.deps;
    requireAbsolute(input.path, 'input.path');
    // The attribution is not needed to match rows (feat_id is the run's feature index), but one named
    // must belong to the run, and a run without any has no features to import into.
    resolveAttribution(store, input.runId, input.attributionId);
    store.annotators.get(input.annotatorId);
    let bytes: Buffer;
    try {
      bytes = readFileSync(input.path);
    } catch (error) {
      throw new AppError('not_found', `Cannot read ${input.path}: ${(error as Error).message}`, 'input.path');
    }
    let file: ReturnType<typeof readAnnotationFile>;
    try {
      file = readAnnotationFile(input.path, bytes);
    } catch (error) {
      if (error instanceof CsvError)
        throw new AppError('invalid_input', `${input.path}: ${error.message}`, 'input.path');
      throw error;
    }
    const featureIds = store.features.idsByIndex(
      input.runId,
      file.rows.map((r) => r.featId),
    );
    const planned = file.rows.map((row) => {
      const featureId = featureIds.get(row.featId);
      if (featureId === undefined)
        throw new AppError(
          'invalid_input',
          `${input.path}: line ${row.line} (record ${row.record}), column "feat_id": feature ${row.featId} is not in run ${input.runId}.`,
          'input.path',
        );
      const current = store.annotations.latest(featureId, input.annotatorId);
      const fields = importedFields(
        current?.fields ?? null,
        row,
        (message, column) =>
          new AppError(
            'invalid_input',
            `${input.path}: line ${row.line} (record ${row.record}), column "${column}": ${message}`,
            'input.path',
          ),
      );
      const isUnchanged = current !== null && changedFields(current.fields, fields).length === 0;
      return { row, featureId, fields, isUnchanged };
    });
    const fresh = planned.filter((p) => !p.isUnchanged);
    if (!input.isDryRun) {
      store.db.transaction(() => {
        for (const p of fresh)
          store.annotations.save({
            featureId: p.featureId,
            annotatorId: input.annotatorId,
            fields: p.fields,
          });
      })();
    }
    return {
      path: input.path,
      rows: planned.length,
      imported: input.isDryRun ? 0 : fresh.length,
      unchanged: planned.length - fresh.length,
      isApplied: !input.isDryRun,
      ignoredColumns: file.ignoredColumns,
      preview: planned.slice(0, importPreviewLimit).map((p) => ({
        row: p.row.line,
        featureIndex: p.row.featId,
        featureId: p.featureId,
        description: p.fields.description,
        languages: formatLanguages(p.fields.languages, p.fields.isAllLanguages),
        action: p.isUnchanged ? ('unchanged' as const) : ('new' as const),
      })),
    };
  }
}

/** A feature's faithfulness cells: the exclusivity verdict, and matched in every comparison run. */
function exportVerdict(v: FeatureVerdict | undefined): {
  isExclusivityArtifact: boolean | null;
  isMatched: boolean | null;
} {
  const comparisons = [
    ...(v?.reordered ? [v.reordered.isMatched] : []),
    ...(v?.seeds ? [v.seeds.matched === v.seeds.total] : []),
  ];
  return {
    isExclusivityArtifact: v?.exclusivity?.isArtifact ?? null,
    isMatched: comparisons.length === 0 ? null : comparisons.every(Boolean),
  };
}

/** The file column an annotation field comes from (for error messages). */
const columnOfField: Record<string, string> = {
  isUninterpretable: 'uninterpretable',
  lifecycleOverride: 'lifecycle_label',
  isAllLanguages: 'languages',
};

/**
 * The annotator's record after an imported row: their current answer (or an empty one) with the
 * file's fields over it and status done. Fields the file has no column for stay as they were.
 */
function importedFields(
  current: AnnotationFields | null,
  row: ImportRow,
  fail: (message: string, column: string) => AppError,
): AnnotationFields {
  const base = current ?? annotationFieldsSchema.parse({});
  const next: Record<string, unknown> = {
    ...base,
    description: row.description,
    isUninterpretable: row.isUninterpretable,
    status: 'done',
  };
  if (row.interpretability !== undefined) next.interpretability = row.interpretability;
  if (row.complexity !== undefined) next.complexity = row.complexity;
  if (row.languages !== undefined) {
    next.languages = row.languages.tags;
    next.isAllLanguages = row.languages.isAll;
  }
  if (row.lifecycleLabel !== undefined) next.lifecycleOverride = row.lifecycleLabel;
  const parsed = annotationFieldsSchema.safeParse(next);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = String(issue.path[0] ?? 'description');
    throw fail(issue.message, columnOfField[field] ?? field);
  }
  return parsed.data;
}
