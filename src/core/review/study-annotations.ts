/**
 * Import of the original study's annotation CSVs (../shared/METHOD-REFERENCE.md §8: `annotation.csv`,
 * `annotation_{task}.csv`, `annotation_pythia_2way_blimp.csv`): the machine columns of
 * `attribution.py:main` (`feat_id`, `comparison`, `rel_ie_value`, …) plus the human `description` and,
 * for BLOOM, `languages`. All or error (`CsvError` naming line, record and column): a file with one bad
 * cell imports nothing.
 *
 * - Required columns: `feat_id` (non-negative integer) and `description` ("-" = uninterpretable).
 * - `languages`: codes separated by `,` or `;`, a trailing `*` marks a tentative one, `all` = every
 *   language; codes are kept as written, lowercased (2 or 3 letters: the study writes `zh` beside `eng`).
 * - `rel_ie_value`: a number (2 checkpoints) or a numpy vector repr "[0.32 0.43 0.25]" (3 checkpoints).
 * - `interpretability`, `complexity` (not in the released files; the workbench's own fields): 0–1.
 * - Duplicate features are refused. A feature is identified by `feat_id` within its crosscoder, so when
 *   the file has `version` or `comparison` columns (the 2-way files hold several comparisons) the key is
 *   (version, comparison, feat_id).
 */
import { CsvError, type CsvPlace, parseCsv, parseNumberCell, unguardFormula } from './csv-reader';
import { exportMarker } from './provenance';

export interface StudyLanguages {
  codes: { code: string; isTentative: boolean }[];
  isAll: boolean;
}

export interface StudyAnnotation {
  /** Physical line of the record in the file. */
  line: number;
  featId: number;
  description: string;
  isUninterpretable: boolean;
  /** Null when the file has no `languages` column or the cell is empty. */
  languages: StudyLanguages | null;
  relIe: number | number[] | null;
  comparison: string | null;
  version: string | null;
  task: string | null;
  interpretability: number | null;
  complexity: number | null;
  /** Every cell of the record by header name, as read. */
  raw: Record<string, string>;
}

export interface StudyImport {
  header: string[];
  annotations: StudyAnnotation[];
}

const requiredColumns = ['feat_id', 'description'];

function parseFeatId(text: string, place: CsvPlace): number {
  if (!/^\d+$/.test(text.trim()))
    throw new CsvError(`feature id "${text}" is not a non-negative integer`, place);
  return Number(text.trim());
}

export function parseLanguages(text: string, place: CsvPlace): StudyLanguages | null {
  const tokens = text
    .split(/[,;]/)
    .map((t) => t.trim().toLowerCase())
    .filter((t) => t !== '');
  if (tokens.length === 0) return null;
  const codes: StudyLanguages['codes'] = [];
  for (const token of tokens) {
    if (token === 'all') continue;
    const match = /^([a-z]{2,3})(\*?)$/.exec(token);
    if (match === null)
      throw new CsvError(`"${token}" is not a language code (2–3 letters, optional trailing *)`, place);
    if (codes.some((c) => c.code === match[1]))
      throw new CsvError(`language "${match[1]}" is listed twice`, place);
    codes.push({ code: match[1]!, isTentative: match[2] === '*' });
  }
  return { codes, isAll: tokens.includes('all') };
}

/** A scalar, or a numpy 1-D repr with 2–3 entries ("[0.32 0.43 0.25]", commas also accepted). */
export function parseRelIe(text: string, place: CsvPlace): number | number[] | null {
  const t = text.trim();
  if (!t.startsWith('[')) return parseNumberCell(t, place);
  if (!t.endsWith(']')) throw new CsvError(`"${text}" opens a vector with [ but does not close it`, place);
  const parts = t
    .slice(1, -1)
    .split(/[\s,]+/)
    .filter((p) => p !== '');
  if (parts.length < 2 || parts.length > 3) throw new CsvError(`"${text}" must hold 2 or 3 values`, place);
  return parts.map((p) => {
    const value = parseNumberCell(p, place);
    if (value === null) throw new CsvError(`"${text}" has an empty entry`, place);
    return value;
  });
}

function parseUnitRating(text: string, place: CsvPlace): number | null {
  const value = parseNumberCell(text, place);
  if (value !== null && (value < 0 || value > 1))
    throw new CsvError(`${value} is not between 0 and 1`, place);
  return value;
}

/** Reads one file; throws `CsvError` on the first problem (nothing is returned half-way). */
export function importStudyAnnotations(input: string | Uint8Array): StudyImport {
  const doc = parseCsv(input);
  const header = doc.header.fields;
  // Our own CSV exports guard text cells against formula injection; undo it (csv-reader.ts).
  const isOurs = doc.preamble[0] === exportMarker;
  const missing = requiredColumns.filter((c) => !header.includes(c));
  if (missing.length > 0)
    throw new CsvError(`missing required column(s): ${missing.join(', ')}`, { line: doc.header.line });
  const seen = new Map<string, number>();
  const annotations = doc.records.map((record, k): StudyAnnotation => {
    const raw = Object.fromEntries(
      header.map((name, j) => [name, isOurs ? unguardFormula(record.fields[j]!) : record.fields[j]!]),
    );
    const at = (name: string): CsvPlace => ({
      line: record.line,
      record: k + 1,
      column: header.indexOf(name) + 1,
      columnName: name,
    });
    const cell = (name: string): string | null => (header.includes(name) ? raw[name]! : null);
    const optional = <T>(name: string, parse: (text: string, place: CsvPlace) => T): T | null => {
      const text = cell(name);
      return text === null ? null : parse(text, at(name));
    };
    const featId = parseFeatId(raw.feat_id!, at('feat_id'));
    const description = raw.description!;
    const annotation: StudyAnnotation = {
      line: record.line,
      featId,
      description,
      isUninterpretable: description.trim() === '-',
      languages: optional('languages', parseLanguages),
      relIe: optional('rel_ie_value', parseRelIe),
      comparison: cell('comparison'),
      version: cell('version'),
      task: cell('task'),
      interpretability: optional('interpretability', parseUnitRating),
      complexity: optional('complexity', parseUnitRating),
      raw,
    };
    const key = JSON.stringify([annotation.version, annotation.comparison, featId]);
    const first = seen.get(key);
    if (first !== undefined)
      throw new CsvError(`feature ${featId} appears twice (first on line ${first})`, at('feat_id'));
    seen.set(key, record.line);
    return annotation;
  });
  return { header, annotations };
}
