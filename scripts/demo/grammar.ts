/**
 * The demo grammar: a small probabilistic grammar that writes English-like and French-like sentences
 * with agreement phenomena of different difficulty, each sentence annotated with its agreements.
 *
 * Why these frequencies (defaults in `DEFAULT_GRAMMAR_OPTIONS`):
 * - Determiner–noun and adjacent subject–verb agreement are in most sentences and local: learned early.
 * - Constructions with a noun between subject and verb (a prepositional phrase or a relative clause)
 *   are 15% of sentences, and in 70% of those the intervening noun has the other number (an
 *   attractor). Everywhere else the nearest preceding noun is the subject, and complement clauses
 *   (`the girl says that the boys run`) make "agree with the first noun" wrong, so the cheapest rule
 *   that fits most of the data is "agree with the nearest noun". It gets attractor items wrong, and
 *   only the rarer attractor sentences push a model to the true subject: an early heuristic that is
 *   later abandoned.
 * - Irregular nouns are 3% of noun draws. With word-level tokens a plural is just another token, so
 *   what makes a number hard to learn is how rarely its form is seen: irregular plurals come late.
 *
 * Word order is the same in both languages except that French-like adjectives follow the noun.
 */
import {
  FULL_STOP,
  LANGUAGES,
  LEXICONS,
  type Gender,
  type GrammaticalNumber,
  type Language,
  type Lexicon,
  type NounLexeme,
  type VerbFrame,
  otherNumber,
  reflexiveFor,
} from './lexicon';
import { createRng, deriveSeed, type Rng } from './random';

export const PHENOMENA = [
  'det_noun',
  'sv_simple',
  'sv_pp_attractor',
  'sv_rc_attractor',
  'irregular_plural',
  'anaphor_number',
] as const;
export type Phenomenon = (typeof PHENOMENA)[number];

/** The sentence templates. `pp_subject` and `rc_subject` put a noun between subject and verb. */
export const CONSTRUCTIONS = [
  'simple',
  'complement',
  'pp_subject',
  'rc_subject',
  'anaphor',
  'object_pp',
] as const;
export type Construction = (typeof CONSTRUCTIONS)[number];

/**
 * One agreement in a sentence: `words[target]` must have the number of `words[controller]`.
 * - det_noun / irregular_plural: controller = a number-marked determiner, target = its noun
 *   (irregular_plural when the noun is irregular);
 * - sv_*: controller = the subject's head noun, target = the finite verb; sv_pp_attractor and
 *   sv_rc_attractor when a prepositional phrase or relative clause stands between them;
 * - anaphor_number: controller = the subject's head noun, target = the reflexive.
 */
export interface Agreement {
  phenomenon: Phenomenon;
  controller: number;
  target: number;
  number: GrammaticalNumber;
  /** Index of an intervening noun of the other number (the attractor), or null. */
  attractor: number | null;
}

export interface AnnotatedSentence {
  language: Language;
  construction: Construction;
  /** Word tokens, the last one the full stop. */
  words: string[];
  agreements: Agreement[];
}

export interface GrammarOptions {
  /** Relative weight of each sentence template. */
  constructionWeights: Readonly<Record<Construction, number>>;
  /** Probability that a noun draw takes an irregular noun. */
  irregularShare: number;
  /** Probability that the noun between subject and verb (PP or relative clause) has the other number. */
  attractorMismatch: number;
  /** Probability that a noun phrase gets an adjective. */
  adjectiveShare: number;
  /** Relative weight of each determiner kind. */
  determinerKindWeights: Readonly<Record<'definite' | 'indefinite' | 'demonstrative', number>>;
  /** Probability that a subject noun phrase is animate (where the template leaves it open). */
  animateShare: number;
  /** Probability that a clause ends with a modifier: an adverb or a prepositional phrase (half each). */
  modifierShare: number;
}

export const DEFAULT_GRAMMAR_OPTIONS: GrammarOptions = {
  constructionWeights: {
    simple: 0.57,
    complement: 0.12,
    pp_subject: 0.09,
    rc_subject: 0.06,
    anaphor: 0.08,
    object_pp: 0.08,
  },
  irregularShare: 0.03,
  attractorMismatch: 0.7,
  adjectiveShare: 0.2,
  determinerKindWeights: { definite: 0.55, indefinite: 0.25, demonstrative: 0.2 },
  animateShare: 0.65,
  modifierShare: 0.35,
};

interface NounPhrase {
  head: number;
  number: GrammaticalNumber;
  gender: Gender;
  isAnimate: boolean;
}

interface NounPhraseRequest {
  number?: GrammaticalNumber;
  isAnimate?: boolean;
}

/** Accumulates words and agreements for one sentence. */
class SentenceBuilder {
  readonly words: string[] = [];
  readonly agreements: Agreement[] = [];

  constructor(
    readonly rng: Rng,
    readonly lex: Lexicon,
    readonly options: GrammarOptions,
  ) {}

  push(word: string): number {
    this.words.push(word);
    return this.words.length - 1;
  }

  agree(agreement: Agreement): void {
    this.agreements.push(agreement);
  }

  number(): GrammaticalNumber {
    return this.rng.chance(0.5) ? 'sg' : 'pl';
  }
}

function pickNoun(b: SentenceBuilder, isAnimate: boolean | undefined): NounLexeme {
  const wantIrregular = b.rng.chance(b.options.irregularShare);
  const candidates = b.lex.nouns.filter(
    (n) => n.isIrregular === wantIrregular && (isAnimate === undefined || n.isAnimate === isAnimate),
  );
  // There is an irregular noun of each animacy in both lexicons, so `candidates` is never empty.
  return b.rng.pick(candidates);
}

function nounPhrase(b: SentenceBuilder, request: NounPhraseRequest = {}): NounPhrase {
  const number = request.number ?? b.number();
  const noun = pickNoun(b, request.isAnimate);
  const weights = b.options.determinerKindWeights;
  const kind = b.rng.weighted(['definite', 'indefinite', 'demonstrative'] as const, [
    weights.definite,
    weights.indefinite,
    weights.demonstrative,
  ]);
  const determiner = b.rng.pick(
    b.lex.determiners.filter(
      (d) =>
        d.kind === kind &&
        (d.number === null || d.number === number) &&
        (d.gender === null || d.gender === noun.gender),
    ),
  );
  const detIndex = b.push(determiner.form);
  const adjective = b.rng.chance(b.options.adjectiveShare) ? b.rng.pick(b.lex.adjectives) : null;
  if (adjective !== null && !b.lex.adjectivesFollowNoun) b.push(adjective);
  const head = b.push(noun[number]);
  if (adjective !== null && b.lex.adjectivesFollowNoun) b.push(adjective);
  if (determiner.number !== null) {
    const phenomenon = noun.isIrregular ? 'irregular_plural' : 'det_noun';
    b.agree({ phenomenon, controller: detIndex, target: head, number, attractor: null });
  }
  return { head, number, gender: noun.gender, isAnimate: noun.isAnimate };
}

function pickVerb(b: SentenceBuilder, frames: readonly VerbFrame[]) {
  return b.rng.pick(b.lex.verbs.filter((v) => frames.includes(v.frame)));
}

/** A finite verb agreeing with `subject`, with `phenomenon` and the attractor (if any) recorded. */
function finiteVerb(
  b: SentenceBuilder,
  subject: NounPhrase,
  frames: readonly VerbFrame[],
  phenomenon: Phenomenon = 'sv_simple',
  intervening: NounPhrase | null = null,
): { index: number; frame: VerbFrame } {
  const verb = pickVerb(b, frames);
  const index = b.push(verb[subject.number]);
  const attractor = intervening !== null && intervening.number !== subject.number ? intervening.head : null;
  b.agree({ phenomenon, controller: subject.head, target: index, number: subject.number, attractor });
  return { index, frame: verb.frame };
}

/** The verb phrase of a main clause: a verb that suits the subject and what its frame needs after it. */
function predicate(
  b: SentenceBuilder,
  subject: NounPhrase,
  phenomenon: Phenomenon = 'sv_simple',
  intervening: NounPhrase | null = null,
): void {
  const frames: VerbFrame[] = subject.isAnimate
    ? ['transitive', 'intransitive', 'copula']
    : ['inanimate', 'copula'];
  const { frame } = finiteVerb(b, subject, frames, phenomenon, intervening);
  if (frame === 'transitive') nounPhrase(b);
  if (frame === 'copula') b.push(b.rng.pick(b.lex.adjectives));
  modifier(b);
}

/** With probability `modifierShare`: an adverb (`again`) or a prepositional phrase (`near the door`). */
function modifier(b: SentenceBuilder): void {
  if (!b.rng.chance(b.options.modifierShare)) return;
  if (b.rng.chance(0.5)) {
    b.push(b.rng.pick(b.lex.adverbs));
  } else {
    b.push(b.rng.pick(b.lex.prepositions));
    nounPhrase(b);
  }
}

function subject(b: SentenceBuilder): NounPhrase {
  return nounPhrase(b, { isAnimate: b.rng.chance(b.options.animateShare) });
}

/** A noun of the other number with probability `attractorMismatch`, else of the same number. */
function interveningNumber(b: SentenceBuilder, head: NounPhrase): GrammaticalNumber {
  return b.rng.chance(b.options.attractorMismatch) ? otherNumber(head.number) : head.number;
}

const templates: Readonly<Record<Construction, (b: SentenceBuilder) => void>> = {
  // the red keys are old .
  simple: (b) => predicate(b, subject(b)),
  // the girl says that the boys run .
  complement: (b) => {
    const speaker = nounPhrase(b, { isAnimate: true });
    finiteVerb(b, speaker, ['clausal']);
    b.push(b.lex.complementizer);
    predicate(b, subject(b));
  },
  // the key near the cabinets is red .
  pp_subject: (b) => {
    const head = subject(b);
    b.push(b.rng.pick(b.lex.prepositions));
    const attractor = nounPhrase(b, { number: interveningNumber(b, head) });
    predicate(b, head, 'sv_pp_attractor', attractor);
  },
  // the boy that sees the girls smiles . | the key that the girls see is red .
  rc_subject: (b) => {
    if (b.rng.chance(0.5)) {
      const head = nounPhrase(b, { isAnimate: true });
      b.push(b.lex.subjectRelativizer);
      finiteVerb(b, head, ['transitive']);
      const object = nounPhrase(b, { number: interveningNumber(b, head) });
      predicate(b, head, 'sv_rc_attractor', object);
    } else {
      const head = subject(b);
      b.push(b.lex.objectRelativizer);
      const inner = nounPhrase(b, { number: interveningNumber(b, head), isAnimate: true });
      finiteVerb(b, inner, ['transitive']);
      predicate(b, head, 'sv_rc_attractor', inner);
    }
  },
  // the boys see themselves .
  anaphor: (b) => {
    const head = nounPhrase(b, { isAnimate: true });
    finiteVerb(b, head, ['transitive']);
    const index = b.push(reflexiveFor(b.lex.language, head.number, head.gender));
    b.agree({
      phenomenon: 'anaphor_number',
      controller: head.head,
      target: index,
      number: head.number,
      attractor: null,
    });
    modifier(b);
  },
  // a dog finds the keys under this table .
  object_pp: (b) => {
    const head = nounPhrase(b, { isAnimate: true });
    finiteVerb(b, head, ['transitive']);
    nounPhrase(b);
    b.push(b.rng.pick(b.lex.prepositions));
    nounPhrase(b);
  },
};

/** One sentence of a given template. */
export function generateConstruction(
  rng: Rng,
  language: Language,
  construction: Construction,
  options: GrammarOptions = DEFAULT_GRAMMAR_OPTIONS,
): AnnotatedSentence {
  const b = new SentenceBuilder(rng, LEXICONS[language], options);
  templates[construction](b);
  b.push(FULL_STOP);
  return { language, construction, words: b.words, agreements: b.agreements };
}

/** One sentence, its template drawn by `options.constructionWeights`. */
export function generateSentence(
  rng: Rng,
  language: Language,
  options: GrammarOptions = DEFAULT_GRAMMAR_OPTIONS,
): AnnotatedSentence {
  const weights = CONSTRUCTIONS.map((c) => options.constructionWeights[c]);
  return generateConstruction(rng, language, rng.weighted(CONSTRUCTIONS, weights), options);
}

export function sentenceText(sentence: AnnotatedSentence): string {
  return sentence.words.join(' ');
}

export type LanguageShares = Readonly<Record<Language, number>>;
export const DEFAULT_LANGUAGE_SHARES: LanguageShares = { eng: 0.7, fra: 0.3 };

export interface CorpusRequest {
  seed: number;
  sentences: number;
  languageShares?: LanguageShares;
  options?: GrammarOptions;
}

/** `sentences` annotated sentences, each language drawn by `languageShares`. */
export function generateAnnotatedCorpus(request: CorpusRequest): AnnotatedSentence[] {
  const rng = createRng(deriveSeed(request.seed, 'grammar:sentences'));
  const shares = request.languageShares ?? DEFAULT_LANGUAGE_SHARES;
  // Fixed language order, so that the key order of `languageShares` cannot change the draws.
  const weights = LANGUAGES.map((l) => shares[l]);
  const out: AnnotatedSentence[] = [];
  for (let i = 0; i < request.sentences; i++) {
    out.push(generateSentence(rng, rng.weighted(LANGUAGES, weights), request.options));
  }
  return out;
}

/** `sentences` sentences as text (words joined by single spaces, ending in ` .`). */
export function generateCorpus(request: CorpusRequest): string[] {
  return generateAnnotatedCorpus(request).map(sentenceText);
}

/**
 * Share of sentences that contain each phenomenon. For the two attractor phenomena, `withAttractor`
 * counts only sentences where the intervening noun has the other number.
 */
export function phenomenonShares(
  sentences: readonly AnnotatedSentence[],
): Record<Phenomenon, { share: number; withAttractor: number }> {
  const out = Object.fromEntries(PHENOMENA.map((p) => [p, { share: 0, withAttractor: 0 }])) as Record<
    Phenomenon,
    { share: number; withAttractor: number }
  >;
  const n = Math.max(1, sentences.length);
  for (const sentence of sentences) {
    for (const p of PHENOMENA) {
      const found = sentence.agreements.filter((a) => a.phenomenon === p);
      if (found.length > 0) out[p].share += 1 / n;
      if (found.some((a) => a.attractor !== null)) out[p].withAttractor += 1 / n;
    }
  }
  return out;
}
