/**
 * Minimal-pair tasks for the demo family, one BLiMP-format JSONL file per phenomenon and language
 * (`sv_pp_attractor.eng.jsonl`), drawn from the same grammar as the corpus.
 *
 * A pair is a grammatical sentence and the same sentence with one word (the critical word, right
 * after the prefix) put in the other number: the noun after a demonstrative (det_noun,
 * irregular_plural), the finite verb (sv_*), the reflexive (anaphor_number). For attractor items the
 * intervening noun always has the other number, so the wrong answer is the form that agrees with the
 * nearest noun.
 *
 * Rows follow the real BLiMP files: `one_prefix_word_*` without a leading space (the importers add
 * it), `one_prefix_method: true`, `two_prefix_method: false`, `pairID` a string; plus `language`.
 */
import {
  DEFAULT_GRAMMAR_OPTIONS,
  PHENOMENA,
  generateConstruction,
  sentenceText,
  type Agreement,
  type AnnotatedSentence,
  type Construction,
  type GrammarOptions,
  type Phenomenon,
} from './grammar';
import { LANGUAGES, type Language, otherNumber, reflexiveFor, wordInfo } from './lexicon';
import { createRng, deriveSeed } from './random';

/** One JSONL row. */
export interface DemoBlimpRow {
  sentence_good: string;
  sentence_bad: string;
  one_prefix_prefix: string;
  one_prefix_word_good: string;
  one_prefix_word_bad: string;
  field: 'morphology';
  linguistics_term: Phenomenon;
  UID: string;
  simple_LM_method: true;
  one_prefix_method: true;
  two_prefix_method: false;
  lexically_identical: false;
  pairID: string;
  language: Language;
}

interface TaskSpec {
  construction: Construction;
  options: Partial<GrammarOptions>;
  /** Whether an agreement of a generated sentence can be the pair's critical dependency. */
  accepts: (agreement: Agreement, sentence: AnnotatedSentence) => boolean;
}

const isDemonstrative = (sentence: AnnotatedSentence, index: number): boolean => {
  const info = wordInfo(sentence.language, sentence.words[index]!);
  return info.category === 'determiner' && info.determiner.kind === 'demonstrative';
};

/** Determiner directly before its noun (no English-like adjective), the determiner a demonstrative. */
const demonstrativeNoun =
  (phenomenon: Phenomenon) =>
  (a: Agreement, s: AnnotatedSentence): boolean =>
    a.phenomenon === phenomenon && a.target === a.controller + 1 && isDemonstrative(s, a.controller);

/**
 * Every task sentence ends with a modifier (`… again .`, `… near the door .`). The short sentences
 * without one carry much of the grammar's probability mass; were they task items, leaving the task
 * sentences out of the corpus would remove a large share of its short sentences (for anaphor_number,
 * most of them). With a modifier, the left-out sentences are rare ones.
 */
const TASK_OPTIONS: Partial<GrammarOptions> = { modifierShare: 1 };

const TASK_SPECS: Readonly<Record<Phenomenon, TaskSpec>> = {
  det_noun: {
    construction: 'simple',
    options: {
      irregularShare: 0,
      determinerKindWeights: { definite: 0.3, indefinite: 0.2, demonstrative: 0.5 },
    },
    accepts: demonstrativeNoun('det_noun'),
  },
  irregular_plural: {
    construction: 'simple',
    options: {
      irregularShare: 0.5,
      determinerKindWeights: { definite: 0.3, indefinite: 0.2, demonstrative: 0.5 },
    },
    accepts: demonstrativeNoun('irregular_plural'),
  },
  sv_simple: {
    construction: 'simple',
    options: {},
    accepts: (a) => a.phenomenon === 'sv_simple',
  },
  sv_pp_attractor: {
    construction: 'pp_subject',
    options: { attractorMismatch: 1 },
    accepts: (a) => a.phenomenon === 'sv_pp_attractor' && a.attractor !== null,
  },
  sv_rc_attractor: {
    construction: 'rc_subject',
    options: { attractorMismatch: 1 },
    accepts: (a) => a.phenomenon === 'sv_rc_attractor' && a.attractor !== null,
  },
  anaphor_number: {
    construction: 'anaphor',
    options: {},
    accepts: (a) => a.phenomenon === 'anaphor_number',
  },
};

/** The critical word in the other number: the form the pair's bad sentence puts at `agreement.target`. */
export function wrongForm(sentence: AnnotatedSentence, agreement: Agreement): string {
  const word = sentence.words[agreement.target]!;
  const info = wordInfo(sentence.language, word);
  const flipped = otherNumber(agreement.number);
  switch (info.category) {
    case 'noun':
    case 'verb':
      return info.lexeme[flipped];
    case 'reflexive': {
      const controller = wordInfo(sentence.language, sentence.words[agreement.controller]!);
      if (controller.category !== 'noun') throw new Error(`reflexive controller "${word}" is not a noun`);
      return reflexiveFor(sentence.language, flipped, controller.lexeme.gender);
    }
    default:
      throw new Error(`"${word}" has no number to change`);
  }
}

/** The BLiMP row for one sentence and its critical agreement. */
export function toBlimpRow(
  sentence: AnnotatedSentence,
  agreement: Agreement,
  phenomenon: Phenomenon,
  pairId: number,
): DemoBlimpRow {
  const good = sentence.words[agreement.target]!;
  const bad = wrongForm(sentence, agreement);
  const badWords = sentence.words.slice();
  badWords[agreement.target] = bad;
  return {
    sentence_good: sentenceText(sentence),
    sentence_bad: badWords.join(' '),
    one_prefix_prefix: sentence.words.slice(0, agreement.target).join(' '),
    one_prefix_word_good: good,
    one_prefix_word_bad: bad,
    field: 'morphology',
    linguistics_term: phenomenon,
    UID: `${phenomenon}_${sentence.language}`,
    simple_LM_method: true,
    one_prefix_method: true,
    two_prefix_method: false,
    lexically_identical: false,
    pairID: String(pairId),
    language: sentence.language,
  };
}

/** Tries per pair before giving up: the pair space of every task is far larger than 1000. */
const MAX_ATTEMPTS_PER_PAIR = 200;

/** `count` distinct pairs of one phenomenon in one language. */
export function generatePairs(
  seed: number,
  phenomenon: Phenomenon,
  language: Language,
  count: number,
): DemoBlimpRow[] {
  const rng = createRng(deriveSeed(seed, `tasks:${phenomenon}:${language}`));
  const spec = TASK_SPECS[phenomenon];
  const options: GrammarOptions = { ...DEFAULT_GRAMMAR_OPTIONS, ...TASK_OPTIONS, ...spec.options };
  const rows: DemoBlimpRow[] = [];
  const seen = new Set<string>();
  for (let attempt = 0; rows.length < count; attempt++) {
    if (attempt >= count * MAX_ATTEMPTS_PER_PAIR) {
      throw new Error(`only ${rows.length} distinct ${phenomenon} ${language} pairs after ${attempt} tries`);
    }
    const sentence = generateConstruction(rng, language, spec.construction, options);
    const candidates = sentence.agreements.filter((a) => spec.accepts(a, sentence));
    if (candidates.length === 0) continue;
    const row = toBlimpRow(sentence, rng.pick(candidates), phenomenon, rows.length);
    const key = `${row.sentence_good}\n${row.sentence_bad}`;
    if (seen.has(key)) continue;
    seen.add(key);
    rows.push(row);
  }
  return rows;
}

export interface TaskRequest {
  seed: number;
  pairsPerPhenomenon: number;
}

/** `${phenomenon}.${language}.jsonl` → JSONL text (one row a line, trailing newline), in a fixed order. */
export function generateTasks(request: TaskRequest): Map<string, string> {
  const files = new Map<string, string>();
  for (const phenomenon of PHENOMENA) {
    for (const language of LANGUAGES) {
      const rows = generatePairs(request.seed, phenomenon, language, request.pairsPerPhenomenon);
      files.set(`${phenomenon}.${language}.jsonl`, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    }
  }
  return files;
}

/** Every grammatical sentence of the tasks, for keeping them out of the training corpus. */
export function taskSentences(files: ReadonlyMap<string, string>): Set<string> {
  const out = new Set<string>();
  for (const text of files.values()) {
    for (const line of text.split('\n')) {
      if (line.trim().length === 0) continue;
      const row = JSON.parse(line) as Pick<DemoBlimpRow, 'sentence_good'>;
      out.add(row.sentence_good);
    }
  }
  return out;
}
