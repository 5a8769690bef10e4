/**
 * Annotation rows to import for one annotator, from a CSV in the original study's columns
 * (`study-annotations.ts`: `feat_id`, `description`, `languages`, `rel_ie_value`, …; our CSV exports
 * have the same names) or from our own JSONL export (`export-table.ts`). All or error: the first
 * problem throws a `CsvError` naming the line, record and column (the caller adds the file).
 *
 * - `description` "-" with nothing else = uninterpretable (the study's convention); an
 *   `uninterpretable` column (yes/no, our exports) decides when present.
 * - `languages`: ISO 639-3 codes (others of three letters are kept as custom codes); two-letter ISO
 *   639-1 codes the study wrote (`zh`, `en`) become their 639-3 code; an unknown two-letter code is an error.
 * - `lifecycle_label` (our exports): a lifecycle category name, or empty.
 * - A feature may appear once (whatever its `version` / `comparison`: the rows go to one run).
 * A field whose column the file does not have is `undefined`: the import leaves it as it was.
 */
import { iso6393 } from 'iso-639-3';
import { lifecycleCategorySchema, type LanguageTag, type LifecycleCategory } from '../../shared/domain';
import { isKnownLanguageCode } from '../../shared/languages';
import { CsvError, type CsvPlace, decodeUtf8 } from './csv-reader';
import { parseLanguages, type StudyLanguages, importStudyAnnotations } from './study-annotations';

export interface ImportRow {
  /** Line of the row in the file (CSV: physical line where the record starts; JSONL: the line). */
  line: number;
  /** Data record number (1-based, header or provenance line excluded). */
  record: number;
  featId: number;
  description: string;
  isUninterpretable: boolean;
  interpretability?: number | null;
  complexity?: number | null;
  languages?: { tags: LanguageTag[]; isAll: boolean };
  lifecycleLabel?: LifecycleCategory | null;
}

export interface ImportFile {
  format: 'csv' | 'jsonl';
  rows: ImportRow[];
  /** Columns present but not imported. */
  ignoredColumns: string[];
}

const iso6391 = new Map<string, string>(
  iso6393.filter((l) => l.iso6391 !== undefined).map((l) => [l.iso6391!, l.iso6393]),
);

function languageTags(value: StudyLanguages, place: CsvPlace): { tags: LanguageTag[]; isAll: boolean } {
  const tags = value.codes.map(({ code, isTentative }) => {
    const full = code.length === 2 ? iso6391.get(code) : code;
    if (full === undefined)
      throw new CsvError(`"${code}" is not an ISO 639-1 code; write its ISO 639-3 code`, place);
    // A three-letter code outside ISO 639-3 is kept as a custom code (as the annotation form allows).
    return { code: full, isTentative, isCustom: !isKnownLanguageCode(full) };
  });
  const codes = tags.map((t) => t.code);
  const twice = codes.find((c, i) => codes.indexOf(c) !== i);
  if (twice !== undefined) throw new CsvError(`language "${twice}" is listed twice`, place);
  return { tags, isAll: value.isAll };
}

function yesNo(text: string, place: CsvPlace): boolean | undefined {
  const t = text.trim().toLowerCase();
  if (t === '') return undefined;
  if (['yes', 'true', '1'].includes(t)) return true;
  if (['no', 'false', '0'].includes(t)) return false;
  throw new CsvError(`"${text}" is not yes or no`, place);
}

function lifecycleLabel(text: string, place: CsvPlace): LifecycleCategory | null {
  const t = text.trim();
  if (t === '') return null;
  const parsed = lifecycleCategorySchema.safeParse(t);
  if (!parsed.success)
    throw new CsvError(
      `"${text}" is not a lifecycle category (${lifecycleCategorySchema.options.join(', ')})`,
      place,
    );
  return parsed.data;
}

const used = new Set([
  'feat_id',
  'description',
  'languages',
  'interpretability',
  'complexity',
  'uninterpretable',
  'lifecycle_label',
]);

/** Rows of a study-format (or our) CSV. */
export function readAnnotationCsv(input: string | Uint8Array): ImportFile {
  const study = importStudyAnnotations(input);
  const has = (name: string): boolean => study.header.includes(name);
  const seen = new Map<number, number>();
  const rows = study.annotations.map((a, k): ImportRow => {
    const at = (name: string): CsvPlace => ({
      line: a.line,
      record: k + 1,
      column: study.header.indexOf(name) + 1,
      columnName: name,
    });
    const first = seen.get(a.featId);
    if (first !== undefined)
      throw new CsvError(`feature ${a.featId} appears twice (first on line ${first})`, at('feat_id'));
    seen.set(a.featId, a.line);
    const flag = has('uninterpretable') ? yesNo(a.raw.uninterpretable!, at('uninterpretable')) : undefined;
    const isUninterpretable = flag ?? a.isUninterpretable;
    const description = isUninterpretable && a.description.trim() === '-' ? '' : a.description;
    const row: ImportRow = { line: a.line, record: k + 1, featId: a.featId, description, isUninterpretable };
    if (has('interpretability')) row.interpretability = a.interpretability;
    if (has('complexity')) row.complexity = a.complexity;
    if (has('languages'))
      row.languages =
        a.languages === null ? { tags: [], isAll: false } : languageTags(a.languages, at('languages'));
    if (has('lifecycle_label'))
      row.lifecycleLabel = lifecycleLabel(a.raw.lifecycle_label!, at('lifecycle_label'));
    return row;
  });
  return { format: 'csv', rows, ignoredColumns: study.header.filter((h) => h !== '' && !used.has(h)) };
}

/** Rows of our JSONL export (line 1: the provenance line; then one object per row). */
export function readAnnotationJsonl(input: string | Uint8Array): ImportFile {
  const text = typeof input === 'string' ? input.replace(/^\uFEFF/, '') : decodeUtf8(input);
  const lines = text.split(/\r?\n/);
  const parsed: { line: number; value: Record<string, unknown> }[] = [];
  lines.forEach((raw, i) => {
    if (raw.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new CsvError(`not JSON (${(error as Error).message})`, { line: i + 1 });
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value))
      throw new CsvError('each line must be a JSON object', { line: i + 1 });
    parsed.push({ line: i + 1, value: value as Record<string, unknown> });
  });
  const header = parsed[0];
  if (header?.value.type !== 'provenance')
    throw new CsvError('line 1 must be the provenance line of a workbench JSONL export', { line: 1 });
  const seen = new Map<number, number>();
  const keys = new Set<string>();
  const rows = parsed.slice(1).map(({ line, value }, k): ImportRow => {
    Object.keys(value).forEach((key) => keys.add(key));
    const at = (name: string): CsvPlace => ({ line, record: k + 1, columnName: name });
    const text = (name: string, isRequired: boolean): string | undefined => {
      const v = value[name];
      if (v === undefined || v === null) {
        if (isRequired) throw new CsvError('missing', at(name));
        return undefined;
      }
      if (typeof v !== 'string') throw new CsvError(`must be a string (got ${JSON.stringify(v)})`, at(name));
      return v;
    };
    const rating = (name: string): number | null | undefined => {
      if (!(name in value)) return undefined;
      const v = value[name];
      if (v === null) return null;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 1)
        throw new CsvError(`must be a number between 0 and 1 or null (got ${JSON.stringify(v)})`, at(name));
      return v;
    };
    const id = value.feat_id;
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0)
      throw new CsvError(`must be a non-negative integer (got ${JSON.stringify(id)})`, at('feat_id'));
    const first = seen.get(id);
    if (first !== undefined)
      throw new CsvError(`feature ${id} appears twice (first on line ${first})`, at('feat_id'));
    seen.set(id, line);
    const shown = text('description', true)!;
    const flag = text('uninterpretable', false);
    const isUninterpretable =
      (flag === undefined ? undefined : yesNo(flag, at('uninterpretable'))) ?? shown.trim() === '-';
    const row: ImportRow = {
      line,
      record: k + 1,
      featId: id,
      description: isUninterpretable && shown.trim() === '-' ? '' : shown,
      isUninterpretable,
    };
    const interpretability = rating('interpretability');
    if (interpretability !== undefined) row.interpretability = interpretability;
    const complexity = rating('complexity');
    if (complexity !== undefined) row.complexity = complexity;
    const languages = text('languages', false);
    if (languages !== undefined) {
      const parsedLanguages = parseLanguages(languages, at('languages'));
      row.languages =
        parsedLanguages === null
          ? { tags: [], isAll: false }
          : languageTags(parsedLanguages, at('languages'));
    }
    const label = text('lifecycle_label', false);
    if (label !== undefined) row.lifecycleLabel = lifecycleLabel(label, at('lifecycle_label'));
    return row;
  });
  return { format: 'jsonl', rows, ignoredColumns: [...keys].filter((k) => !used.has(k)) };
}

/** By the file name: `.jsonl` is our JSONL export, anything else a CSV. */
export function readAnnotationFile(name: string, input: Uint8Array): ImportFile {
  return name.toLowerCase().endsWith('.jsonl') ? readAnnotationJsonl(input) : readAnnotationCsv(input);
}
