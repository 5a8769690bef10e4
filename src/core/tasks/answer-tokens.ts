/**
 * Answers as tokens, and the one rule the whole app uses to score them.
 *
 * THE RULE. An answer (a pair's `goodAnswer` or `badAnswer`, with its leading space) is scored by the
 * SUM of the log-probabilities of its tokens given the prefix, teacher-forced:
 *
 *   score(answer) = Σ_k log p(a_k | prefix, a_1 … a_{k-1})
 *
 * where a_1 … a_n are the answer's tokens as they appear after the prefix tokens. With sequence
 * positions 0 … T-1 and "position p predicts token p+1", token k of the answer (0-based) sits at
 * position prefixLength + k and is read from the distribution at position prefixLength + k − 1.
 * A pair is right when score(good) > score(bad). For single-token answers this is the comparison of
 * the two next-token log-probs at the last prefix position (the paper's setting, where only such
 * pairs are kept); multi-token answers need one teacher-forced pass over prefix + answer per answer.
 *
 * Why a sum, not a mean: the sum is the log-probability of the answer string itself, so it does not
 * depend on how a tokenizer happens to cut the word; a per-token mean would favour long answers.
 *
 * Answer tokens are encode(prefix + answer) minus encode(prefix), so that they are the tokens the
 * model actually sees after the prefix. When a tokenizer merges across the boundary (the prefix's
 * tokens are not a prefix of the full text's tokens) we fall back to encode(answer) and say so with
 * `isBoundaryMerged`. `encode` must not add special tokens (BOS/EOS): add those around the result.
 *
 * The IE metric (logit(bad) − logit(good) at one position) needs one position where the answers
 * differ: `divergence` gives it. When the answers share leading tokens (" grocery store" / " grocery
 * stores") the shared tokens move into its prefix, as the paper's loader does.
 *
 * Everything here is pure: no tensors, no tokenizer library.
 */
import type { MinimalPair } from './minimal-pair';

/** Text → token ids, without special tokens. */
export type Encode = (text: string) => readonly number[];

/** Log-probability of `tokenId` in the next-token distribution at sequence `position`. */
export type LogProbsAt = (position: number, tokenId: number) => number;

export interface TokenizedPair {
  prefixIds: number[];
  goodIds: number[];
  badIds: number[];
  /** Both answers are exactly one token. */
  isSingleToken: boolean;
  /** Leading tokens the two answers have in common. */
  sharedLeadingTokens: number;
  /** At least one answer crossed a token boundary with the prefix; its ids are encode(answer). */
  isBoundaryMerged: boolean;
  /**
   * Where the answers first differ, for single-position metrics: the prefix extended by the shared
   * tokens, and the first differing token of each answer. Null when one answer's tokens are a prefix
   * of the other's (there is no position where both have a token to compare).
   */
  divergence: { prefixIds: number[]; goodId: number; badId: number } | null;
}

function startsWith(ids: readonly number[], head: readonly number[]): boolean {
  return head.length <= ids.length && head.every((id, i) => ids[i] === id);
}

/** Tokens of `answer` after `prefixIds`, and whether the boundary merged. */
function answerIds(
  encode: Encode,
  prefix: string,
  prefixIds: readonly number[],
  answer: string,
): { ids: number[]; isMerged: boolean } {
  const full = encode(prefix + answer);
  if (startsWith(full, prefixIds) && full.length > prefixIds.length) {
    return { ids: full.slice(prefixIds.length), isMerged: false };
  }
  const ids = [...encode(answer)];
  if (ids.length === 0) throw new Error(`answer ${JSON.stringify(answer)} encodes to no tokens`);
  return { ids, isMerged: true };
}

export function tokenizePair(
  pair: Pick<MinimalPair, 'prefix' | 'goodAnswer' | 'badAnswer'>,
  encode: Encode,
): TokenizedPair {
  const prefixIds = [...encode(pair.prefix)];
  if (prefixIds.length === 0) throw new Error(`prefix ${JSON.stringify(pair.prefix)} encodes to no tokens`);
  const good = answerIds(encode, pair.prefix, prefixIds, pair.goodAnswer);
  const bad = answerIds(encode, pair.prefix, prefixIds, pair.badAnswer);

  let shared = 0;
  while (shared < good.ids.length && shared < bad.ids.length && good.ids[shared] === bad.ids[shared])
    shared++;
  const goodId = good.ids[shared];
  const badId = bad.ids[shared];
  return {
    prefixIds,
    goodIds: good.ids,
    badIds: bad.ids,
    isSingleToken: good.ids.length === 1 && bad.ids.length === 1,
    sharedLeadingTokens: shared,
    isBoundaryMerged: good.isMerged || bad.isMerged,
    divergence:
      goodId === undefined || badId === undefined
        ? null
        : { prefixIds: [...prefixIds, ...good.ids.slice(0, shared)], goodId, badId },
  };
}

/**
 * Teacher-forced score of one answer: Σ_k logProbsAt(prefixLength − 1 + k, answerIds[k]).
 * `logProbsAt` reads the model's output on the sequence prefix + this answer.
 */
export function scoreAnswer(
  logProbsAt: LogProbsAt,
  prefixLength: number,
  answerIds: readonly number[],
): number {
  if (!Number.isInteger(prefixLength) || prefixLength < 1) {
    throw new Error(`prefixLength must be a positive integer, got ${prefixLength}`);
  }
  if (answerIds.length === 0) throw new Error('an answer has at least one token');
  let sum = 0;
  answerIds.forEach((tokenId, k) => {
    sum += logProbsAt(prefixLength - 1 + k, tokenId);
  });
  return sum;
}

/**
 * `singleTokenOnly` (the paper's setting): pairs whose answers are not both single tokens are skipped
 * and counted. `multiToken`: every pair is kept and scored by the rule above.
 */
export type AnswerTokenPolicy = 'singleTokenOnly' | 'multiToken';

export interface TokenizedTask {
  items: { pair: MinimalPair; tokens: TokenizedPair }[];
  skipped: { id: string; line: number; reason: string }[];
  counts: { pairs: number; kept: number; skippedMultiToken: number; boundaryMerged: number };
}

export function tokenizePairs(
  pairs: readonly MinimalPair[],
  encode: Encode,
  policy: AnswerTokenPolicy,
): TokenizedTask {
  const task: TokenizedTask = {
    items: [],
    skipped: [],
    counts: { pairs: pairs.length, kept: 0, skippedMultiToken: 0, boundaryMerged: 0 },
  };
  for (const pair of pairs) {
    const tokens = tokenizePair(pair, encode);
    if (policy === 'singleTokenOnly' && !tokens.isSingleToken) {
      task.skipped.push({
        id: pair.id,
        line: pair.line,
        reason: `answers are ${tokens.goodIds.length} and ${tokens.badIds.length} tokens, not 1 and 1`,
      });
      task.counts.skippedMultiToken++;
      continue;
    }
    if (tokens.isBoundaryMerged) task.counts.boundaryMerged++;
    task.items.push({ pair, tokens });
    task.counts.kept++;
  }
  return task;
}
