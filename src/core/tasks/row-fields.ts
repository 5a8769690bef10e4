/**
 * What the three row parsers (BLiMP, CLAMS, MultiBLiMP) share: the row context, the outcome of one
 * row, the malformed-row error, and field reading with messages that name the field.
 */
import { basename, dirname, extname } from 'node:path';
import type { z } from 'zod';
import { knownLanguageCode, toIso639_3, unknownLanguageMessage } from './language-codes';
import type { MinimalPair } from './minimal-pair';

/** Why a well-formed row produced no pair. `malformed` is used only when the caller asked to skip them. */
export type SkipCode =
  'malformed' | 'no-one-prefix' | 'marked-skip' | 'no-shared-prefix' | 'not-single-word' | 'prefix-mismatch';

export type RowOutcome =
  | { kind: 'pair'; pair: MinimalPair }
  | { kind: 'skip'; code: Exclude<SkipCode, 'malformed'>; reason: string };

export interface RowContext {
  /** The path as the caller named it; copied into every pair. */
  file: string;
  /** 1-based physical line. */
  line: number;
  /** ISO 639-3 code forced by the caller, if any (it wins over the row and the file name). */
  language?: string;
}

/** A row that cannot be read: invalid JSON, a missing field, a wrong type, an empty prefix, … */
export class MalformedRowError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'MalformedRowError';
  }
}

/** Validates `row` with a row schema, turning the first issue into a message that names the field. */
export function parseRow<S extends z.ZodType>(schema: S, row: Record<string, unknown>): z.infer<S> {
  const result = schema.safeParse(row);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new MalformedRowError('invalid row');
  const key = issue.path[0];
  if (typeof key !== 'string') throw new MalformedRowError(issue.message);
  const value = row[key];
  if (value === undefined) throw new MalformedRowError(`missing field \`${key}\``);
  if (issue.code === 'invalid_type' || issue.code === 'invalid_union') {
    const expected = issue.code === 'invalid_type' ? issue.expected : 'another type';
    throw new MalformedRowError(`field \`${key}\` must be ${expected}, got ${describeType(value)}`);
  }
  throw new MalformedRowError(`field \`${key}\`: ${issue.message}`);
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** `"herself"` or `" herself"` → `" herself"`; an empty answer is malformed. */
export function asContinuation(text: string, field: string): string {
  const body = text.replace(/^\s+/, '').trimEnd();
  if (body.length === 0) throw new MalformedRowError(`empty answer in \`${field}\``);
  return ` ${body}`;
}

/** Trailing whitespace removed; an empty prefix is malformed. */
export function asPrefix(text: string, field: string): string {
  const prefix = text.trimEnd();
  if (prefix.trim().length === 0) throw new MalformedRowError(`empty prefix in \`${field}\``);
  return prefix;
}

export function assertDifferentAnswers(goodAnswer: string, badAnswer: string): void {
  if (goodAnswer === badAnswer) {
    throw new MalformedRowError(`identical answers: both are ${JSON.stringify(goodAnswer)}`);
  }
}

/**
 * The ISO 639-3 code of a row's language field, or undefined when the row has none (absent or blank).
 * A value that is no known code or name fails the row, naming the field and the value.
 */
export function languageField(value: string | null | undefined, field: string): string | undefined {
  if (value == null || value.trim() === '') return undefined;
  const code = toIso639_3(value);
  if (code === undefined) throw new MalformedRowError(unknownLanguageMessage(value, `\`${field}\``));
  return code;
}

/** `data/clams/en_simple_agrmt.jsonl` → `en_simple_agrmt`. */
export function fileStem(file: string): string {
  return basename(file, extname(file));
}

/**
 * The language a file name implies. For per-language files (MultiBLiMP) the stem when it is an ISO 639-3
 * code (`ces.tsv`, as its pipeline saves) or the folder of a `data.tsv` (`ces/data.tsv`, as on the
 * Hugging Face hub). For any file, a leading `en_`/`fra-` code (CLAMS) or the parent folder, but only
 * for the languages of language-codes.ts's file-name table: `obj_rel_across_anim` or `toy.jsonl` name
 * no language ("rel" and "toy" are ISO 639-3 codes).
 */
export function languageFromPath(
  file: string,
  options: { isPerLanguageFile?: boolean } = {},
): string | undefined {
  const stem = fileStem(file).toLowerCase();
  const folder = basename(dirname(file)).toLowerCase();
  if (options.isPerLanguageFile === true) {
    // MultiBLiMP names files by ISO 639-3 code (`ces.tsv`, the hub's `ces/data.tsv`): any language.
    if (/^[a-z]{3}$/.test(stem) && toIso639_3(stem) !== undefined) return stem;
    if (stem === 'data' && /^[a-z]{3}$/.test(folder) && toIso639_3(folder) !== undefined) return folder;
  }
  const leading = /^([a-z]{2,3})(?:[_-]|$)/.exec(stem)?.[1];
  for (const candidate of [leading, folder]) {
    const code = candidate === undefined ? undefined : knownLanguageCode(candidate);
    if (code !== undefined) return code;
  }
  return undefined;
}
