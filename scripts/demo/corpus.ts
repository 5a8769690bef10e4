/**
 * The demo training corpus: documents of grammar sentences, one language a document, until a word
 * token budget is reached.
 *
 * - Documents, not a sentence stream: the trainer joins a document's sentences with single spaces
 *   and separates documents with `<|endoftext|>`, as in web-text pretraining; a document keeps to one
 *   language, so the model sees language as context.
 * - Task sentences are kept out: the corpus draws from its own seed stream (`corpus:documents`, not
 *   the tasks' streams), and any sentence equal to a task's grammatical sentence is dropped and drawn
 *   again. The filter removes some of the shortest sentences from training; the share it removes is
 *   reported by `buildDemoCorpusWithStats`.
 */
import {
  DEFAULT_GRAMMAR_OPTIONS,
  DEFAULT_LANGUAGE_SHARES,
  PHENOMENA,
  generateSentence,
  sentenceText,
  type GrammarOptions,
  type LanguageShares,
  type Phenomenon,
} from './grammar';
import { LANGUAGES, type Language } from './lexicon';
import { createRng, deriveSeed } from './random';

export interface DemoCorpusRequest {
  seed: number;
  /** Stop after the document that reaches this many word tokens (the full stop counts as a word). */
  tokens: number;
  languageShares?: LanguageShares;
  /** Sentences per document are drawn uniformly from this inclusive range. */
  sentencesPerDocument?: readonly [number, number];
  /** Sentences that must not occur in the corpus (the tasks' `sentence_good`). */
  exclude?: ReadonlySet<string>;
  options?: GrammarOptions;
}

export interface DemoCorpusStats {
  documents: number;
  sentences: number;
  /** Word tokens, the full stops included; `<|endoftext|>` separators not. */
  tokens: number;
  tokensByLanguage: Record<Language, number>;
  /** Share of sentences that contain each phenomenon (see `phenomenonShares`). */
  phenomenonShares: Record<Phenomenon, number>;
  /** Share of sentences with an attractor, per attractor phenomenon. */
  attractorShares: Record<'sv_pp_attractor' | 'sv_rc_attractor', number>;
  /** Sentences drawn and dropped because they equal a task sentence. */
  excludedSentences: number;
}

export const DEFAULT_SENTENCES_PER_DOCUMENT: readonly [number, number] = [4, 12];

/** Documents (arrays of sentence strings) and counts, from one seed. */
export function buildDemoCorpusWithStats(request: DemoCorpusRequest): {
  documents: string[][];
  stats: DemoCorpusStats;
} {
  const rng = createRng(deriveSeed(request.seed, 'corpus:documents'));
  const shares = request.languageShares ?? DEFAULT_LANGUAGE_SHARES;
  // Fixed language order, so that the key order of `languageShares` cannot change the draws.
  const weights = LANGUAGES.map((l) => shares[l]);
  const [minSentences, maxSentences] = request.sentencesPerDocument ?? DEFAULT_SENTENCES_PER_DOCUMENT;
  if (!(minSentences >= 1 && maxSentences >= minSentences)) {
    throw new Error(
      `sentencesPerDocument must be [min ≥ 1, max ≥ min], got [${minSentences}, ${maxSentences}]`,
    );
  }
  const exclude = request.exclude ?? new Set<string>();
  const options = request.options ?? DEFAULT_GRAMMAR_OPTIONS;
  const counts = Object.fromEntries(PHENOMENA.map((p) => [p, 0])) as Record<Phenomenon, number>;
  const attractors = { sv_pp_attractor: 0, sv_rc_attractor: 0 };
  const tokensByLanguage: Record<Language, number> = { eng: 0, fra: 0 };
  const documents: string[][] = [];
  let tokens = 0;
  let sentences = 0;
  let excludedSentences = 0;

  while (tokens < request.tokens) {
    const language = rng.weighted(LANGUAGES, weights);
    const length = minSentences + rng.int(maxSentences - minSentences + 1);
    const document: string[] = [];
    while (document.length < length) {
      const sentence = generateSentence(rng, language, options);
      const text = sentenceText(sentence);
      if (exclude.has(text)) {
        excludedSentences++;
        continue;
      }
      document.push(text);
      tokens += sentence.words.length;
      tokensByLanguage[language] += sentence.words.length;
      for (const p of PHENOMENA) if (sentence.agreements.some((a) => a.phenomenon === p)) counts[p]++;
      for (const p of ['sv_pp_attractor', 'sv_rc_attractor'] as const) {
        if (sentence.agreements.some((a) => a.phenomenon === p && a.attractor !== null)) attractors[p]++;
      }
    }
    sentences += document.length;
    documents.push(document);
  }

  const share = (count: number): number => (sentences === 0 ? 0 : count / sentences);
  return {
    documents,
    stats: {
      documents: documents.length,
      sentences,
      tokens,
      tokensByLanguage,
      phenomenonShares: Object.fromEntries(PHENOMENA.map((p) => [p, share(counts[p])])) as Record<
        Phenomenon,
        number
      >,
      attractorShares: {
        sv_pp_attractor: share(attractors.sv_pp_attractor),
        sv_rc_attractor: share(attractors.sv_rc_attractor),
      },
      excludedSentences,
    },
  };
}

/** Documents (arrays of sentences, each words joined by single spaces) until about `tokens` word tokens. */
export function buildDemoCorpus(request: DemoCorpusRequest): string[][] {
  return buildDemoCorpusWithStats(request).documents;
}

/** The text the trainer sees for one document: its sentences joined by single spaces. */
export function documentText(document: readonly string[]): string {
  return document.join(' ');
}

export interface TokensPerSentenceStats {
  sentences: number;
  tokens: number;
  mean: number;
  min: number;
  max: number;
  /** Sentence count by length in word tokens. */
  histogram: Record<number, number>;
}

/** Word tokens per sentence over documents (or any list of sentence lists). */
export function tokensPerSentenceStats(documents: readonly (readonly string[])[]): TokensPerSentenceStats {
  let sentences = 0;
  let tokens = 0;
  let min = Infinity;
  let max = 0;
  const histogram: Record<number, number> = {};
  for (const document of documents) {
    for (const sentence of document) {
      const length = sentence.split(' ').length;
      sentences++;
      tokens += length;
      min = Math.min(min, length);
      max = Math.max(max, length);
      histogram[length] = (histogram[length] ?? 0) + 1;
    }
  }
  return {
    sentences,
    tokens,
    mean: sentences === 0 ? 0 : tokens / sentences,
    min: sentences === 0 ? 0 : min,
    max,
    histogram,
  };
}
