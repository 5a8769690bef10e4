import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  type Encode,
  scoreAnswer,
  tokenizePair,
  tokenizePairs,
} from '../../../../src/core/tasks/answer-tokens';
import { importTaskFile } from '../../../../src/core/tasks/importers';
import type { MinimalPair } from '../../../../src/core/tasks/minimal-pair';

const dataDir = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));

/** GPT-2-like word tokens: a word with its leading space is one token; ids in order of first sight. */
function wordEncoder(): { encode: Encode; id: (token: string) => number } {
  const vocab = new Map<string, number>();
  const id = (token: string): number => {
    if (!vocab.has(token)) vocab.set(token, vocab.size);
    return vocab.get(token)!;
  };
  return { encode: (text) => (text.match(/\s?\S+/g) ?? []).map(id), id };
}

/** Character tokens (id = char code), except that "s " is merged into one token, id 1000. */
const charEncoder: Encode = (text) => {
  const ids: number[] = [];
  for (let i = 0; i < text.length; i++) {
    if (text[i] === 's' && text[i + 1] === ' ') {
      ids.push(1000);
      i++;
    } else {
      ids.push(text.charCodeAt(i));
    }
  }
  return ids;
};
const chars = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const pairOf = (prefix: string, goodAnswer: string, badAnswer: string): MinimalPair => ({
  id: `toy:${prefix}`,
  taskName: 'toy',
  source: 'clams',
  language: 'eng',
  prefix,
  goodAnswer,
  badAnswer,
  sentenceGood: prefix + goodAnswer,
  sentenceBad: prefix + badAnswer,
  line: 1,
  file: 'toy.jsonl',
});

describe('tokenizePair with a word-level encoder', () => {
  it('single-token answers: the ids after the prefix ids', () => {
    const { encode, id } = wordEncoder();
    const t = tokenizePair(pairOf('The author', ' is', ' are'), encode);
    expect(t.prefixIds).toEqual([id('The'), id(' author')]);
    expect(t.goodIds).toEqual([id(' is')]);
    expect(t.badIds).toEqual([id(' are')]);
    expect(t).toMatchObject({ isSingleToken: true, sharedLeadingTokens: 0, isBoundaryMerged: false });
    expect(t.divergence).toEqual({ prefixIds: t.prefixIds, goodId: id(' is'), badId: id(' are') });
  });

  it('multi-token answers with a shared first token move it into the divergence prefix', () => {
    const { encode, id } = wordEncoder();
    const t = tokenizePair(pairOf('Craig explored that', ' grocery store', ' grocery stores'), encode);
    expect(t.goodIds).toEqual([id(' grocery'), id(' store')]);
    expect(t.badIds).toEqual([id(' grocery'), id(' stores')]);
    expect(t).toMatchObject({ isSingleToken: false, sharedLeadingTokens: 1, isBoundaryMerged: false });
    expect(t.divergence).toEqual({
      prefixIds: [...t.prefixIds, id(' grocery')],
      goodId: id(' store'),
      badId: id(' stores'),
    });
  });
});

describe('tokenizePair with a char-level encoder', () => {
  it('without a merge at the boundary, answers are the chars after the prefix', () => {
    const t = tokenizePair(pairOf('The cat', ' is', ' are'), charEncoder);
    expect(t.prefixIds).toEqual(chars('The cat'));
    expect(t.goodIds).toEqual(chars(' is'));
    expect(t.badIds).toEqual(chars(' are'));
    expect(t).toMatchObject({ isSingleToken: false, sharedLeadingTokens: 1, isBoundaryMerged: false });
    expect(t.divergence).toEqual({
      prefixIds: [...chars('The cat'), 32],
      goodId: 'i'.charCodeAt(0),
      badId: 'a'.charCodeAt(0),
    });
  });

  it('when the boundary merges ("s " is one token) it falls back to encode(answer) and says so', () => {
    // encode("The dogs run") = …, 'g', 1000 ("s "), 'r', 'u', 'n': encode("The dogs") = …, 'g', 's' is no prefix of it.
    const t = tokenizePair(pairOf('The dogs', ' run', ' ran'), charEncoder);
    expect(t.prefixIds).toEqual(chars('The dogs'));
    expect(charEncoder('The dogs run')).toContain(1000);
    expect(t.goodIds).toEqual(chars(' run'));
    expect(t.badIds).toEqual(chars(' ran'));
    expect(t.isBoundaryMerged).toBe(true);
    expect(t.sharedLeadingTokens).toBe(2);
    expect(t.divergence?.goodId).toBe('u'.charCodeAt(0));
  });

  it('has no divergence when one answer is a token prefix of the other', () => {
    const t = tokenizePair(pairOf('The cat', ' run', ' runs'), charEncoder);
    expect(t.sharedLeadingTokens).toBe(4);
    expect(t.divergence).toBeNull();
  });
});

describe('scoreAnswer: teacher-forced sum, position p predicts token p+1', () => {
  // Hand-set log-probs by (position, token).
  const table = new Map<string, number>([
    ['2:7', -0.5],
    ['3:8', -1.25],
    ['4:9', -2],
    ['2:5', -0.75],
  ]);
  const calls: string[] = [];
  const logProbsAt = (position: number, tokenId: number): number => {
    calls.push(`${position}:${tokenId}`);
    const value = table.get(`${position}:${tokenId}`);
    if (value === undefined) throw new Error(`unexpected read ${position}:${tokenId}`);
    return value;
  };

  it('sums the log-probs of the answer tokens from the last prefix position on', () => {
    calls.length = 0;
    expect(scoreAnswer(logProbsAt, 3, [7, 8, 9])).toBeCloseTo(-3.75, 12);
    expect(calls).toEqual(['2:7', '3:8', '4:9']);
    expect(scoreAnswer(logProbsAt, 3, [5])).toBeCloseTo(-0.75, 12);
  });

  it('rejects an empty prefix or an empty answer', () => {
    expect(() => scoreAnswer(logProbsAt, 0, [7])).toThrow(/prefixLength/);
    expect(() => scoreAnswer(logProbsAt, 3, [])).toThrow(/at least one token/);
  });
});

describe('tokenizePairs: the singleTokenOnly policy', () => {
  const { encode } = wordEncoder();
  const pairs = [
    pairOf('The author', ' is', ' are'),
    pairOf('Craig explored that', ' grocery store', ' grocery stores'),
    pairOf('Those radii', ' have', ' has'),
  ];

  it('skips and counts pairs whose answers are not single tokens', () => {
    const task = tokenizePairs(pairs, encode, 'singleTokenOnly');
    expect(task.items.map((item) => item.pair.prefix)).toEqual(['The author', 'Those radii']);
    expect(task.counts).toEqual({ pairs: 3, kept: 2, skippedMultiToken: 1, boundaryMerged: 0 });
    expect(task.skipped).toEqual([
      { id: 'toy:Craig explored that', line: 1, reason: 'answers are 2 and 2 tokens, not 1 and 1' },
    ]);
  });

  it('keeps every pair under multiToken', () => {
    const task = tokenizePairs(pairs, encode, 'multiToken');
    expect(task.counts).toEqual({ pairs: 3, kept: 3, skippedMultiToken: 0, boundaryMerged: 0 });
  });

  it('counts boundary merges among kept pairs', () => {
    const task = tokenizePairs([pairOf('The dogs', ' run', ' ran')], charEncoder, 'multiToken');
    expect(task.counts.boundaryMerged).toBe(1);
  });

  it('on the real BLiMP determiner file, keeps exactly the pairs with one-word answers', async () => {
    const { pairs: real } = await importTaskFile(join(dataDir, 'blimp/determiner_noun_agreement_1.jsonl'));
    const task = tokenizePairs(real, wordEncoder().encode, 'singleTokenOnly');
    const multiWord = real.filter(
      (p) => p.goodAnswer.trim().includes(' ') || p.badAnswer.trim().includes(' '),
    );
    expect(multiWord.length).toBeGreaterThan(0);
    expect(task.counts.skippedMultiToken).toBe(multiWord.length);
    expect(task.counts.kept).toBe(real.length - multiWord.length);
  });
});
