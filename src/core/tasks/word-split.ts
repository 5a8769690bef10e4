/**
 * Whitespace-word comparison of a grammatical and an ungrammatical sentence, for files that give only
 * the two sentences (MultiBLiMP). It mirrors the paper's word-level split (METHOD-REFERENCE §9.2–9.3):
 * the longest common whitespace-word prefix is the prefix, and the first differing word is the answer.
 * We are stricter than the paper's loader in one way: the rest of the sentence after the differing
 * word must be identical, so a pair that differs in two places is skipped rather than scored on its
 * first difference.
 */

interface Word {
  text: string;
  /** Character offset one past the word's last character. */
  end: number;
}

function wordsOf(sentence: string): Word[] {
  return [...sentence.matchAll(/\S+/g)].map((m) => ({ text: m[0], end: m.index + m[0].length }));
}

export type WordComparison =
  | { kind: 'identical' }
  | {
      kind: 'differ';
      /** 0-based index of the first differing word (= number of shared leading words). */
      index: number;
      /** Character offset in the good sentence where the shared words end (0 when none are shared). */
      sharedEnd: number;
      goodWord: string;
      badWord: string;
      /** True when the sentences have the same words apart from the one at `index`. */
      isSingleWord: boolean;
    };

export function compareWords(good: string, bad: string): WordComparison {
  const g = wordsOf(good);
  const b = wordsOf(bad);
  let index = 0;
  while (index < g.length && index < b.length && g[index]!.text === b[index]!.text) index++;
  if (index === g.length && index === b.length) return { kind: 'identical' };
  const rest = (words: Word[]): string =>
    words
      .slice(index + 1)
      .map((w) => w.text)
      .join(' ');
  const [goodWord, badWord] = stripSharedTrailingPunctuation(g[index]?.text ?? '', b[index]?.text ?? '');
  return {
    kind: 'differ',
    index,
    sharedEnd: index === 0 ? 0 : g[index - 1]!.end,
    goodWord,
    badWord,
    isSingleWord: index < g.length && index < b.length && g.length === b.length && rest(g) === rest(b),
  };
}

/**
 * `runs.` / `run.` → `runs` / `run`: punctuation glued to both words is not part of the answer
 * (whitespace splitting keeps it attached; the answer is the word, the full stop comes after it).
 * At least one character of each word is kept.
 */
export function stripSharedTrailingPunctuation(a: string, b: string): [string, string] {
  let n = 0;
  while (n < a.length - 1 && n < b.length - 1) {
    const ca = a[a.length - 1 - n]!;
    if (ca !== b[b.length - 1 - n] || !/\p{P}/u.test(ca)) break;
    n++;
  }
  return [a.slice(0, a.length - n), b.slice(0, b.length - n)];
}
