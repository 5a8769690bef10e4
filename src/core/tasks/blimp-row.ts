/**
 * BLiMP rows (Warstadt et al. 2020, the `.jsonl` files of the original release; the paper's code
 * reads the same files). A pair is built from the one-prefix form:
 * `one_prefix_prefix` + " " + `one_prefix_word_good` | `one_prefix_word_bad`.
 *
 * - `one_prefix_method: false` (two-prefix paradigms, e.g. `*_2`) → skipped, counted (`no-one-prefix`);
 *   the paper's loader drops these silently, we count them.
 * - No `one_prefix_*` fields at all (the Hugging Face copy of BLiMP strips them) → skipped, counted.
 *   We do not rebuild a prefix from the sentences: that would be a different method under the same name.
 * - Some but not all of the three `one_prefix_*` fields → malformed.
 * - The answer words carry no leading space in the file; we add one (see minimal-pair.ts).
 */
import { z } from 'zod';
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

const onePrefixKeys = ['one_prefix_prefix', 'one_prefix_word_good', 'one_prefix_word_bad'] as const;

const blimpRowSchema = z.looseObject({
  sentence_good: z.string(),
  sentence_bad: z.string(),
  one_prefix_prefix: z.string().optional(),
  one_prefix_word_good: z.string().optional(),
  one_prefix_word_bad: z.string().optional(),
  one_prefix_method: z.boolean().nullish(),
  UID: z.string().nullish(),
  /** Not in the original BLiMP files; generated tasks (the demo family, other languages) carry it. */
  language: z.string().nullish(),
  lang: z.string().nullish(),
  // `pairID` in the release files (a string), `pair_id` on the Hugging Face hub (an integer).
  pairID: z.union([z.string(), z.number()]).nullish(),
  pair_id: z.union([z.string(), z.number()]).nullish(),
  linguistics_term: z.string().nullish(),
});

/** True when a parsed JSON object looks like a BLiMP row (used by format detection). */
export function looksLikeBlimp(row: Record<string, unknown>): boolean {
  return 'one_prefix_prefix' in row || 'one_prefix_method' in row || ('UID' in row && 'sentence_good' in row);
}

export function parseBlimpRow(row: Record<string, unknown>, ctx: RowContext): RowOutcome {
  const r = parseRow(blimpRowSchema, row);
  if (r.one_prefix_method === false) {
    return {
      kind: 'skip',
      code: 'no-one-prefix',
      reason: 'one_prefix_method is false (two-prefix paradigm)',
    };
  }
  const present = onePrefixKeys.filter((key) => r[key] !== undefined);
  if (present.length === 0) {
    return { kind: 'skip', code: 'no-one-prefix', reason: 'no one_prefix_* fields' };
  }
  const missing = onePrefixKeys.find((key) => r[key] === undefined);
  if (missing !== undefined) throw new MalformedRowError(`missing field \`${missing}\``);

  const prefix = asPrefix(r.one_prefix_prefix!, 'one_prefix_prefix');
  const goodAnswer = asContinuation(r.one_prefix_word_good!, 'one_prefix_word_good');
  const badAnswer = asContinuation(r.one_prefix_word_bad!, 'one_prefix_word_bad');
  assertDifferentAnswers(goodAnswer, badAnswer);

  const taskName = r.UID ?? fileStem(ctx.file);
  const pairId = r.pairID ?? r.pair_id;
  const pair: MinimalPair = {
    id: r.UID != null && pairId != null ? `${r.UID}:${pairId}` : `${taskName}:${ctx.line}`,
    taskName,
    source: 'blimp',
    // The caller's language, else the row's, else the file name's, else English (BLiMP itself).
    language:
      ctx.language ??
      languageField(r.language, 'language') ??
      languageField(r.lang, 'lang') ??
      languageFromPath(ctx.file) ??
      'eng',
    prefix,
    goodAnswer,
    badAnswer,
    sentenceGood: r.sentence_good,
    sentenceBad: r.sentence_bad,
    line: ctx.line,
    file: ctx.file,
  };
  if (r.linguistics_term != null) pair.phenomenon = r.linguistics_term;
  return { kind: 'pair', pair };
}
