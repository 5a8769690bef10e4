/**
 * Task importers: one file of minimal pairs (BLiMP JSONL, CLAMS JSONL, MultiBLiMP TSV or JSONL) →
 * `MinimalPair[]`, streamed line by line so that large files never sit in memory as one string.
 *
 * Rows that are well formed but give no pair (a two-prefix BLiMP paradigm, a CLAMS `skip`, a
 * MultiBLiMP pair without a shared prefix) are skipped and counted with their reason. Rows that are
 * malformed (invalid JSON, a missing field, a wrong type, an empty prefix, identical answers) fail the
 * whole import with a `TaskFileError` naming the file, the line and the reason, unless the caller
 * passes `onMalformed: 'skip'`. Blank lines are ignored. Line numbers are 1-based physical lines.
 */
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { looksLikeBlimp, parseBlimpRow } from './blimp-row';
import { looksLikeClams, parseClamsRow } from './clams-row';
import { toIso639_3, unknownLanguageMessage } from './language-codes';
import type { MinimalPair, TaskSource } from './minimal-pair';
import { looksLikeMultiblimp, parseMultiblimpRow } from './multiblimp-row';
import { MalformedRowError, type RowContext, type RowOutcome, type SkipCode } from './row-fields';
import { splitTsvLine } from './tsv';

export const importTaskOptionsSchema = z.object({
  /** File format; `auto` tells it from the first row's fields (a tab-separated header means MultiBLiMP). */
  format: z.enum(['auto', 'blimp', 'clams', 'multiblimp']).default('auto'),
  /** Stop after this many pairs; skipped rows do not count towards it. */
  limit: z.number().int().nonnegative().optional(),
  /** Language of every pair (ISO 639-3, 639-1 or an English name), overriding the file and its rows. */
  language: z
    .string()
    .refine((value) => toIso639_3(value) !== undefined, {
      error: (issue) => unknownLanguageMessage(String(issue.input), 'the `language` option'),
    })
    .optional(),
  /** `fail` (default): the first malformed line fails the import; `skip`: it goes to `skipped`. */
  onMalformed: z.enum(['fail', 'skip']).default('fail'),
});
export type ImportTaskOptions = z.input<typeof importTaskOptionsSchema>;

export interface SkippedLine {
  line: number;
  code: SkipCode;
  reason: string;
}

export interface TaskImport {
  /** The path as the caller named it. */
  file: string;
  /** The format read; null only for a file with no data line and `format: 'auto'`. */
  format: TaskSource | null;
  pairs: MinimalPair[];
  skipped: SkippedLine[];
  /** Physical lines consumed, blank lines and a TSV header included (fewer than the file with `limit`). */
  linesRead: number;
}

/** The import failed; `line` is null when the failure concerns the whole file (unreadable, bad header). */
export class TaskFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    readonly reason: string,
  ) {
    super(line === null ? `${file}: ${reason}` : `${file}: line ${line}: ${reason}`);
    this.name = 'TaskFileError';
  }
}

/** A problem with the file as a whole: fails the import even with `onMalformed: 'skip'`. */
class FileFormatError extends Error {}

const rowParsers: Record<TaskSource, (row: Record<string, unknown>, ctx: RowContext) => RowOutcome> = {
  blimp: parseBlimpRow,
  clams: parseClamsRow,
  multiblimp: parseMultiblimpRow,
};

/** The format a JSON row belongs to, from its fields; undefined when none fits. */
export function detectRowFormat(row: Record<string, unknown>): TaskSource | undefined {
  if (looksLikeClams(row)) return 'clams';
  if (looksLikeMultiblimp(row)) return 'multiblimp';
  if (looksLikeBlimp(row)) return 'blimp';
  return undefined;
}

interface ReaderState {
  file: string;
  format: TaskSource | undefined;
  container: 'jsonl' | 'tsv' | undefined;
  /** TSV column names; '' for pandas' unnamed index column. */
  header: string[] | undefined;
}

export async function importTaskFile(file: string, options: ImportTaskOptions = {}): Promise<TaskImport> {
  const parsedOptions = importTaskOptionsSchema.safeParse(options);
  if (!parsedOptions.success) {
    const issues = parsedOptions.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`);
    throw new Error(`${file}: ${issues.join('; ')}`);
  }
  const opts = parsedOptions.data;
  const language = opts.language === undefined ? undefined : toIso639_3(opts.language);
  const state: ReaderState = {
    file,
    format: opts.format === 'auto' ? undefined : opts.format,
    container: undefined,
    header: undefined,
  };
  const result: TaskImport = { file, format: state.format ?? null, pairs: [], skipped: [], linesRead: 0 };
  if (opts.limit === 0) return result;

  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const raw of lines) {
      const line = ++result.linesRead;
      const text = line === 1 ? raw.replace(/^\uFEFF/, '') : raw;
      if (text.trim() === '') continue;
      let outcome: RowOutcome | undefined;
      try {
        outcome = readLine(state, text, language === undefined ? { file, line } : { file, line, language });
      } catch (error) {
        if (error instanceof FileFormatError) throw new TaskFileError(file, line, error.message);
        if (!(error instanceof MalformedRowError)) throw error;
        if (opts.onMalformed === 'fail') throw new TaskFileError(file, line, error.message);
        result.skipped.push({ line, code: 'malformed', reason: error.message });
        continue;
      }
      if (outcome === undefined) continue; // the TSV header
      if (outcome.kind === 'skip') {
        result.skipped.push({ line, code: outcome.code, reason: outcome.reason });
        continue;
      }
      result.pairs.push(outcome.pair);
      if (opts.limit !== undefined && result.pairs.length >= opts.limit) break;
    }
  } catch (error) {
    if (error instanceof TaskFileError || !isSystemError(error)) throw error;
    throw new TaskFileError(file, null, `cannot read the file (${error.code}: ${error.message})`);
  } finally {
    lines.close();
    input.destroy();
  }
  result.format = state.format ?? null;
  return result;
}

/** Counts skipped lines by reason code, e.g. `{ 'marked-skip': 3, malformed: 1 }`. */
export function countSkippedByCode(skipped: readonly SkippedLine[]): Partial<Record<SkipCode, number>> {
  const counts: Partial<Record<SkipCode, number>> = {};
  for (const { code } of skipped) counts[code] = (counts[code] ?? 0) + 1;
  return counts;
}

/** One non-blank line → a pair, a skip, or undefined for a header. Throws MalformedRowError. */
function readLine(state: ReaderState, text: string, ctx: RowContext): RowOutcome | undefined {
  state.container ??= detectContainer(state, text);
  if (state.container === 'tsv') {
    if (state.header === undefined) {
      state.header = readTsvHeader(text);
      return undefined;
    }
    return parseMultiblimpRow(readTsvRow(state.header, text), ctx);
  }
  const row = parseJsonObject(text);
  if (state.format === undefined) {
    const format = detectRowFormat(row);
    if (format === undefined) {
      throw new MalformedRowError(
        'cannot tell the format from the fields (expected BLiMP `one_prefix_*`, CLAMS `clean_prefix`, ' +
          'or MultiBLiMP `sen`/`wrong_sen`)',
      );
    }
    state.format = format;
  }
  return rowParsers[state.format](row, ctx);
}

function detectContainer(state: ReaderState, firstLine: string): 'jsonl' | 'tsv' {
  const isTsv =
    !firstLine.trimStart().startsWith('{') &&
    (firstLine.includes('\t') || extname(state.file).toLowerCase() === '.tsv');
  if (!isTsv) return 'jsonl';
  if (state.format !== undefined && state.format !== 'multiblimp') {
    throw new FileFormatError(`a tab-separated file cannot be ${state.format} (that format is JSONL)`);
  }
  state.format = 'multiblimp';
  return 'tsv';
}

function readTsvHeader(text: string): string[] {
  const header = splitTsvLine(text).map((name) => name.trim());
  const missing = ['sen', 'wrong_sen'].filter((name) => !header.includes(name));
  if (missing.length > 0) {
    throw new FileFormatError(`TSV header lacks column(s) ${missing.map((m) => `\`${m}\``).join(', ')}`);
  }
  return header;
}

/** A TSV data line as a row object; empty cells (pandas' NaN) are left out, like absent fields. */
function readTsvRow(header: readonly string[], text: string): Record<string, unknown> {
  let cells: string[];
  try {
    cells = splitTsvLine(text);
  } catch (error) {
    throw new MalformedRowError(error instanceof Error ? error.message : String(error));
  }
  if (cells.length !== header.length) {
    throw new MalformedRowError(`expected ${header.length} tab-separated fields, got ${cells.length}`);
  }
  const row: Record<string, unknown> = {};
  header.forEach((name, i) => {
    const cell = cells[i]!;
    if (name !== '' && cell !== '') row[name] = cell;
  });
  return row;
}

function parseJsonObject(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new MalformedRowError(`invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new MalformedRowError('expected a JSON object');
  }
  return value as Record<string, unknown>;
}

function isSystemError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}
