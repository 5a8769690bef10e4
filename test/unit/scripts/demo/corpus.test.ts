import { describe, expect, it } from 'vitest';
import {
  buildDemoCorpus,
  buildDemoCorpusWithStats,
  documentText,
  tokensPerSentenceStats,
} from '../../../../scripts/demo/corpus';
import { LANGUAGES, lexiconWords } from '../../../../scripts/demo/lexicon';
import { generateTasks, taskSentences } from '../../../../scripts/demo/tasks';

const TOKENS = 100_000;

describe('demo corpus', () => {
  it('is deterministic from the seed', () => {
    const a = buildDemoCorpus({ seed: 4, tokens: 5000 });
    expect(buildDemoCorpus({ seed: 4, tokens: 5000 })).toEqual(a);
    expect(buildDemoCorpus({ seed: 5, tokens: 5000 })).not.toEqual(a);
  });

  it('stops at the document that reaches the token budget and counts tokens as words', () => {
    const { documents, stats } = buildDemoCorpusWithStats({ seed: 1, tokens: TOKENS });
    const counted = tokensPerSentenceStats(documents);
    expect(stats.tokens).toBe(counted.tokens);
    expect(stats.sentences).toBe(counted.sentences);
    expect(stats.tokens).toBeGreaterThanOrEqual(TOKENS);
    const lastDocument = documents.at(-1)!;
    expect(stats.tokens - documentText(lastDocument).split(' ').length).toBeLessThan(TOKENS);
    expect(stats.tokensByLanguage.eng + stats.tokensByLanguage.fra).toBe(stats.tokens);
    expect(stats.tokensByLanguage.eng / stats.tokens).toBeGreaterThan(0.64);
    expect(stats.tokensByLanguage.eng / stats.tokens).toBeLessThan(0.76);
  });

  it('keeps each document in one language and within the sentence-count range', () => {
    const documents = buildDemoCorpus({ seed: 2, tokens: 20_000, sentencesPerDocument: [2, 5] });
    const lexicons = LANGUAGES.map((l) => new Set(lexiconWords(l)));
    for (const document of documents) {
      expect(document.length).toBeGreaterThanOrEqual(2);
      expect(document.length).toBeLessThanOrEqual(5);
      const words = documentText(document)
        .split(' ')
        .filter((w) => w !== '.');
      expect(lexicons.filter((lexicon) => words.every((w) => lexicon.has(w)))).toHaveLength(1);
    }
  });

  it('leaves out the task sentences, and few corpus sentences are lost to that filter', () => {
    const exclude = taskSentences(generateTasks({ seed: 1, pairsPerPhenomenon: 1000 }));
    const { documents, stats } = buildDemoCorpusWithStats({ seed: 1, tokens: TOKENS, exclude });
    for (const sentence of documents.flat()) expect(exclude.has(sentence)).toBe(false);
    expect(stats.excludedSentences / (stats.sentences + stats.excludedSentences)).toBeLessThan(0.02);
    // The phenomena keep their shares (anaphor sentences are the shortest, so the most exposed).
    expect(stats.phenomenonShares.anaphor_number).toBeGreaterThan(0.06);
    expect(stats.attractorShares.sv_pp_attractor + stats.attractorShares.sv_rc_attractor).toBeGreaterThan(
      0.08,
    );
  });

  it('draws again when a sentence is excluded', () => {
    const plain = buildDemoCorpus({ seed: 3, tokens: 3000 });
    const first = plain[0]![0]!;
    const { documents, stats } = buildDemoCorpusWithStats({
      seed: 3,
      tokens: 3000,
      exclude: new Set([first]),
    });
    expect(stats.excludedSentences).toBeGreaterThanOrEqual(1);
    expect(documents[0]![0]).not.toBe(first);
    expect(documents.flat()).not.toContain(first);
    expect(documents[0]!.length).toBe(plain[0]!.length);
  });

  it('computes tokens-per-sentence statistics by hand', () => {
    const stats = tokensPerSentenceStats([
      ['the boys run .', 'a dog sleeps again .'],
      ['les chats dorment .'],
    ]);
    expect(stats).toEqual({
      sentences: 3,
      tokens: 13,
      mean: 13 / 3,
      min: 4,
      max: 5,
      histogram: { 4: 2, 5: 1 },
    });
    expect(tokensPerSentenceStats([])).toEqual({
      sentences: 0,
      tokens: 0,
      mean: 0,
      min: 0,
      max: 0,
      histogram: {},
    });
  });

  it('rejects an empty sentence range', () => {
    expect(() => buildDemoCorpus({ seed: 1, tokens: 10, sentencesPerDocument: [3, 2] })).toThrow(
      /sentencesPerDocument/,
    );
  });
});
