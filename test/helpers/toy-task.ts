import { writeFileSync } from 'node:fs';

/** One BLiMP row (one-prefix form) over the tiny word-level vocabulary (the cat sat on mat .). */
export function toyBlimpRow(good: string, bad: string, pairId: number, phenomenon: string): string {
  return JSON.stringify({
    sentence_good: `the cat ${good} .`,
    sentence_bad: `the cat ${bad} .`,
    one_prefix_prefix: 'the cat',
    one_prefix_word_good: good,
    one_prefix_word_bad: bad,
    one_prefix_method: true,
    UID: 'toy_agreement',
    pairID: String(pairId),
    linguistics_term: phenomenon,
  });
}

const answerPairs: ReadonlyArray<readonly [string, string, string]> = [
  ['sat', 'on', 'verb'],
  ['on', 'mat', 'preposition'],
  ['mat', 'sat', 'noun'],
  ['sat on', 'the', 'verb'], // a two-token good answer: skipped under singleTokenOnly
  ['.', 'cat', 'punctuation'],
];

/**
 * Writes a BLiMP JSONL task of `count` pairs (the five toy pairs, cycled) and one two-prefix row the
 * importer skips. Returns the number of pairs.
 */
export function writeToyTask(path: string, count = answerPairs.length): number {
  const rows = Array.from({ length: count }, (_, i) => {
    const [good, bad, phenomenon] = answerPairs[i % answerPairs.length]!;
    return toyBlimpRow(good, bad, i + 1, phenomenon);
  });
  const twoPrefix = JSON.stringify({
    sentence_good: 'the cat sat .',
    sentence_bad: 'the mat sat .',
    one_prefix_method: false,
    UID: 'toy_agreement',
    pairID: 'x',
  });
  writeFileSync(path, [...rows, twoPrefix].join('\n') + '\n');
  return count;
}
