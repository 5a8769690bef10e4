/**
 * CLAMS rows (Mueller et al. 2020), as committed with the paper's code: `clean_prefix` is the shared
 * prefix, `clean_answer` the grammatical and `patch_answer` the ungrammatical continuation (both with
 * their leading space). A row with `skip: true` is skipped and counted (`marked-skip`) without further
 * checks, since such rows may carry empty answers.
 *
 * Token-level rows. Some committed rows were split on a tokenizer's boundary inside the verb
 * (fr_simple_agrmt: prefix "Les auteurs démén", answers "agent" / "age"). Such a split belongs to one
 * tokenizer, and breaks the rule that answers start with a space, so we move the partial word back
 * into the answers: prefix "Les auteurs", answers " déménagent" / " déménage". Tokenising for a given
 * model is then answer-tokens.ts's job (shared leading tokens are handled there).
 *
 * Language: the caller's, else a `lang`/`language` field, else the file name (`en_…` → `eng`,
 * `fr_…` → `fra`), else `und`.
 */
import { z } from 'zod';
import { knownLanguageCode, UNDETERMINED_LANGUAGE } from './language-codes';
import type { MinimalPair } from './minimal-pair';
import {
  asContinuation,
  asPrefix,
  assertDifferentAnswers,
  fileStem,
  languageField,
  languageFromPath,
  MalformedRowError,
  parseRow,
  type RowContext,
  type RowOutcome,
} from './row-fields';

const clamsSkipSchema = z.looseObject({ skip: z.boolean().nullish() });

const clamsRowSchema = z.looseObject({
  sentence_good: z.string(),
  sentence_bad: z.string(),
  clean_prefix: z.string(),
  clean_answer: z.string(),
  patch_answer: z.string(),
  lang: z.string().nullish(),
  language: z.string().nullish(),
});

/** True when a parsed JSON object looks like a CLAMS row (used by format detection). */
export function looksLikeClams(row: Record<string, unknown>): boolean {
  return 'clean_prefix' in row || 'clean_answer' in row || 'patch_answer' in row;
}

export function parseClamsRow(row: Record<string, unknown>, ctx: RowContext): RowOutcome {
  if (parseRow(clamsSkipSchema, row).skip === true) {
    return { kind: 'skip', code: 'marked-skip', reason: 'skip is true in the file' };
  }
  const r = parseRow(clamsRowSchema, row);
  const words = toWordLevel(r.clean_prefix, r.clean_answer, r.patch_answer);
  if (words === null) {
    return { kind: 'skip', code: 'no-shared-prefix', reason: 'the prefix is part of the first word' };
  }
  const prefix = asPrefix(words.prefix, 'clean_prefix');
  const goodAnswer = asContinuation(words.good, 'clean_answer');
  const badAnswer = asContinuation(words.bad, 'patch_answer');
  assertDifferentAnswers(goodAnswer, badAnswer);

  const language =
    ctx.language ??
    languageField(r.lang, 'lang') ??
    languageField(r.language, 'language') ??
    languageFromPath(ctx.file) ??
    UNDETERMINED_LANGUAGE;
  const taskName = fileStem(ctx.file);
  const pair: MinimalPair = {
    id: `${taskName}:${ctx.line}`,
    taskName,
    source: 'clams',
    language,
    prefix,
    goodAnswer,
    badAnswer,
    sentenceGood: r.sentence_good,
    sentenceBad: r.sentence_bad,
    line: ctx.line,
    file: ctx.file,
  };
  return { kind: 'pair', pair: { ...pair, phenomenon: clamsConstruction(taskName) } };
}

/** `en_simple_agrmt` → `simple_agrmt`: the CLAMS construction, shared across languages. */
function clamsConstruction(taskName: string): string {
  const match = /^([a-z]{2,3})_(.+)$/.exec(taskName);
  return match !== null && knownLanguageCode(match[1]!) !== undefined ? match[2]! : taskName;
}

/**
 * Word-level prefix and answers. Answers that start with a space are kept as they are; answers that
 * continue the prefix's last word (a token-level split) take that partial word back. Null when the
 * prefix is nothing but that partial word.
 */
function toWordLevel(
  prefix: string,
  good: string,
  bad: string,
): { prefix: string; good: string; bad: string } | null {
  const goodSpaced = /^\s/.test(good);
  const badSpaced = /^\s/.test(bad);
  if (goodSpaced !== badSpaced) {
    throw new MalformedRowError('one answer starts with a space and the other does not');
  }
  if (goodSpaced || /\s$/.test(prefix) || prefix.length === 0) return { prefix, good, bad };
  const cut = prefix.search(/\S+$/);
  const partial = prefix.slice(cut);
  const head = prefix.slice(0, cut).trimEnd();
  if (head.length === 0) return null;
  return { prefix: head, good: ` ${partial}${good}`, bad: ` ${partial}${bad}` };
}
