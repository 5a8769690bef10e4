/**
 * MultiBLiMP 1.0 rows (Jumelet, Weissweiler & Bisazza 2025; Hugging Face `jumelet/multiblimp`).
 *
 * What we assumed, and why:
 * - METHOD-REFERENCE §9.3 documents the fields the paper's loader reads: `sen` (grammatical sentence),
 *   `wrong_sen` (ungrammatical sentence) and `phenomenon` (SV-#, SV-G, SV-P, …), with "the same
 *   word-level split and filtering as CLAMS". Those three are what we rely on.
 * - The hub stores one tab-separated `{lang}/data.tsv` per language (the MultiBLiMP scripts read it with
 *   `pandas.read_csv(sep="\t")`; their pipeline writes `{langcode}.tsv` with `to_csv(sep="\t")`, so a
 *   leading unnamed index column may be present). We read that TSV and also JSONL rows with the same
 *   field names (what `datasets` exports).
 * - The MultiBLiMP pipeline (`set_minimal_pairs`) also writes a `prefix` column: the sentence up to
 *   the swapped word. When a row has a non-empty `prefix`, we use it, and the differing word must be
 *   the next word after it in both sentences (else the row is skipped, `not-single-word` /
 *   `prefix-mismatch`). Without it we derive the prefix as the longest common whitespace-word prefix
 *   (word-split.ts), which needs at least one shared word (else `no-shared-prefix`: verb-initial
 *   sentences have no left context to score the verb on).
 * - `lang` may be a code or a language name; the caller's `language` wins, then `lang`, then the path
 *   (`eng/data.tsv`, `eng.tsv`), then `und`. The task is named `multiblimp_${language}`.
 * - Other columns (verb, indices, features, …) are ignored: their names differ between releases.
 */
import { z } from 'zod';
import { UNDETERMINED_LANGUAGE } from './language-codes';
import type { MinimalPair } from './minimal-pair';
import {
  asContinuation,
  assertDifferentAnswers,
  languageField,
  languageFromPath,
  MalformedRowError,
  parseRow,
  type RowContext,
  type RowOutcome,
} from './row-fields';
import { compareWords } from './word-split';

const multiblimpRowSchema = z.looseObject({
  sen: z.string(),
  wrong_sen: z.string(),
  prefix: z.string().nullish(),
  phenomenon: z.string().nullish(),
  lang: z.string().nullish(),
});

/** True when a parsed row looks like a MultiBLiMP row (used by format detection). */
export function looksLikeMultiblimp(row: Record<string, unknown>): boolean {
  return 'wrong_sen' in row;
}

type Split = { prefix: string; goodWord: string; badWord: string } | Extract<RowOutcome, { kind: 'skip' }>;

function splitWithPrefix(good: string, bad: string, given: string): Split {
  const prefix = given.trimEnd();
  if (!good.startsWith(prefix) || !bad.startsWith(prefix)) {
    return { kind: 'skip', code: 'prefix-mismatch', reason: '`prefix` does not start both sentences' };
  }
  const goodRest = good.slice(prefix.length);
  const badRest = bad.slice(prefix.length);
  if (!/^\s/.test(goodRest) || !/^\s/.test(badRest)) {
    return { kind: 'skip', code: 'prefix-mismatch', reason: 'no space between `prefix` and the next word' };
  }
  const cmp = compareWords(goodRest, badRest);
  if (cmp.kind === 'identical') throw new MalformedRowError('identical sentences');
  if (cmp.index !== 0 || !cmp.isSingleWord) {
    return {
      kind: 'skip',
      code: 'not-single-word',
      reason: 'the differing word is not the one word right after `prefix`',
    };
  }
  return { prefix, goodWord: cmp.goodWord, badWord: cmp.badWord };
}

function splitDerived(good: string, bad: string): Split {
  const cmp = compareWords(good, bad);
  if (cmp.kind === 'identical') throw new MalformedRowError('identical sentences');
  if (!cmp.isSingleWord) {
    return { kind: 'skip', code: 'not-single-word', reason: 'the sentences differ in more than one word' };
  }
  if (cmp.index === 0) {
    return { kind: 'skip', code: 'no-shared-prefix', reason: 'the first word differs: no shared prefix' };
  }
  return { prefix: good.slice(0, cmp.sharedEnd), goodWord: cmp.goodWord, badWord: cmp.badWord };
}

export function parseMultiblimpRow(row: Record<string, unknown>, ctx: RowContext): RowOutcome {
  const r = parseRow(multiblimpRowSchema, row);
  const hasPrefix = r.prefix != null && r.prefix.trim().length > 0;
  const split = hasPrefix ? splitWithPrefix(r.sen, r.wrong_sen, r.prefix!) : splitDerived(r.sen, r.wrong_sen);
  if ('kind' in split) return split;

  const goodAnswer = asContinuation(split.goodWord, 'sen');
  const badAnswer = asContinuation(split.badWord, 'wrong_sen');
  assertDifferentAnswers(goodAnswer, badAnswer);
  const language =
    ctx.language ??
    languageField(r.lang, 'lang') ??
    languageFromPath(ctx.file, { isPerLanguageFile: true }) ??
    UNDETERMINED_LANGUAGE;
  const taskName = `multiblimp_${language}`;
  const pair: MinimalPair = {
    id: `${taskName}:${ctx.line}`,
    taskName,
    source: 'multiblimp',
    language,
    prefix: split.prefix,
    goodAnswer,
    badAnswer,
    sentenceGood: r.sen,
    sentenceBad: r.wrong_sen,
    line: ctx.line,
    file: ctx.file,
  };
  if (r.phenomenon != null) pair.phenomenon = r.phenomenon;
  return { kind: 'pair', pair };
}
