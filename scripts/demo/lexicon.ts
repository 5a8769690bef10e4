/**
 * The word lists of the demo grammar: an English-like (`eng`) and a French-like (`fra`) lexicon with
 * number (and, for French-like and the reflexives, gender) marked on every form that agrees.
 *
 * Design notes:
 * - The two languages share no word except the full stop `.`, so a feature that fires on a word
 *   tells which language it read.
 * - Every form is lower case and ASCII (no accents, no apostrophes): the tokenizer is word-level with
 *   no normaliser, and the HF decoder's clean-up rules touch `'s`, `n't`, … — none of which occur.
 * - A word form has one number: no invariant nouns (sheep, souris), and no form is both a noun and a
 *   verb. `lexiconIndex` checks this when it is built.
 * - English-like `a` and the adjectives never meet a vowel-initial word, so `a`/`an` never arises.
 */

export const LANGUAGES = ['eng', 'fra'] as const;
export type Language = (typeof LANGUAGES)[number];

export type GrammaticalNumber = 'sg' | 'pl';
/** `n` (neuter) only in the English-like lexicon, for `itself`. */
export type Gender = 'm' | 'f' | 'n';

export interface NounLexeme {
  sg: string;
  pl: string;
  gender: Gender;
  isAnimate: boolean;
  /** A plural not formed with the language's regular `-s` (children, mice, chevaux, yeux). */
  isIrregular: boolean;
}

/**
 * What follows the verb: `transitive` an object, `intransitive` nothing (animate subject),
 * `inanimate` nothing (inanimate subject), `copula` an adjective, `clausal` a `that`/`que` clause.
 */
export type VerbFrame = 'transitive' | 'intransitive' | 'inanimate' | 'copula' | 'clausal';

export interface VerbLexeme {
  sg: string;
  pl: string;
  frame: VerbFrame;
}

export type DeterminerKind = 'definite' | 'indefinite' | 'demonstrative';

export interface Determiner {
  form: string;
  kind: DeterminerKind;
  /** null: the determiner does not mark number (English-like `the`). */
  number: GrammaticalNumber | null;
  /** null: any gender. */
  gender: Gender | null;
}

export interface Lexicon {
  language: Language;
  determiners: readonly Determiner[];
  nouns: readonly NounLexeme[];
  verbs: readonly VerbLexeme[];
  adjectives: readonly string[];
  /** True for French-like (`la cle rouge`), false for English-like (`the red key`). */
  adjectivesFollowNoun: boolean;
  prepositions: readonly string[];
  adverbs: readonly string[];
  complementizer: string;
  /** Introduces a relative clause whose gap is the subject (`the boy that sees …`, `qui`). */
  subjectRelativizer: string;
  /** Introduces a relative clause whose gap is the object (`the boy that the girls see`, `que`). */
  objectRelativizer: string;
  reflexives: Readonly<Record<GrammaticalNumber, Readonly<Partial<Record<Gender, string>>>>>;
}

export const FULL_STOP = '.';

const noun = (
  sg: string,
  pl: string,
  gender: Gender,
  isAnimate: boolean,
  isIrregular = false,
): NounLexeme => ({
  sg,
  pl,
  gender,
  isAnimate,
  isIrregular,
});
const verb = (sg: string, pl: string, frame: VerbFrame): VerbLexeme => ({ sg, pl, frame });
const det = (
  form: string,
  kind: DeterminerKind,
  number: GrammaticalNumber | null,
  gender: Gender | null = null,
) => ({
  form,
  kind,
  number,
  gender,
});

/** Regular nouns with `-s`; the last block is irregular. */
const ENGLISH: Lexicon = {
  language: 'eng',
  determiners: [
    det('the', 'definite', null),
    det('a', 'indefinite', 'sg'),
    det('some', 'indefinite', 'pl'),
    det('this', 'demonstrative', 'sg'),
    det('these', 'demonstrative', 'pl'),
  ],
  nouns: [
    noun('boy', 'boys', 'm', true),
    noun('girl', 'girls', 'f', true),
    noun('king', 'kings', 'm', true),
    noun('queen', 'queens', 'f', true),
    noun('farmer', 'farmers', 'm', true),
    noun('singer', 'singers', 'f', true),
    noun('doctor', 'doctors', 'm', true),
    noun('teacher', 'teachers', 'f', true),
    noun('dog', 'dogs', 'n', true),
    noun('cat', 'cats', 'n', true),
    noun('bird', 'birds', 'n', true),
    noun('key', 'keys', 'n', false),
    noun('cabinet', 'cabinets', 'n', false),
    noun('table', 'tables', 'n', false),
    noun('door', 'doors', 'n', false),
    noun('window', 'windows', 'n', false),
    noun('box', 'boxes', 'n', false),
    noun('letter', 'letters', 'n', false),
    noun('picture', 'pictures', 'n', false),
    noun('car', 'cars', 'n', false),
    noun('lamp', 'lamps', 'n', false),
    noun('bottle', 'bottles', 'n', false),
    noun('man', 'men', 'm', true, true),
    noun('woman', 'women', 'f', true, true),
    noun('child', 'children', 'n', true, true),
    noun('mouse', 'mice', 'n', true, true),
    noun('goose', 'geese', 'n', true, true),
    noun('knife', 'knives', 'n', false, true),
  ],
  verbs: [
    verb('sees', 'see', 'transitive'),
    verb('likes', 'like', 'transitive'),
    verb('finds', 'find', 'transitive'),
    verb('watches', 'watch', 'transitive'),
    verb('remembers', 'remember', 'transitive'),
    verb('helps', 'help', 'transitive'),
    verb('sleeps', 'sleep', 'intransitive'),
    verb('smiles', 'smile', 'intransitive'),
    verb('runs', 'run', 'intransitive'),
    verb('waits', 'wait', 'intransitive'),
    verb('laughs', 'laugh', 'intransitive'),
    verb('sings', 'sing', 'intransitive'),
    verb('falls', 'fall', 'inanimate'),
    verb('breaks', 'break', 'inanimate'),
    verb('shines', 'shine', 'inanimate'),
    verb('moves', 'move', 'inanimate'),
    verb('is', 'are', 'copula'),
    verb('was', 'were', 'copula'),
    verb('says', 'say', 'clausal'),
    verb('thinks', 'think', 'clausal'),
    verb('knows', 'know', 'clausal'),
  ],
  adjectives: ['red', 'small', 'big', 'new', 'blue', 'happy', 'tired', 'quiet', 'green', 'dark'],
  adjectivesFollowNoun: false,
  prepositions: ['near', 'behind', 'under', 'beside', 'above'],
  adverbs: ['today', 'again', 'quickly', 'slowly'],
  complementizer: 'that',
  subjectRelativizer: 'that',
  objectRelativizer: 'that',
  reflexives: {
    sg: { m: 'himself', f: 'herself', n: 'itself' },
    pl: { m: 'themselves', f: 'themselves', n: 'themselves' },
  },
};

/** French-like: gendered determiners, post-nominal invariant adjectives, verbs in -e/-t vs -ent. */
const FRENCH: Lexicon = {
  language: 'fra',
  determiners: [
    det('le', 'definite', 'sg', 'm'),
    det('la', 'definite', 'sg', 'f'),
    det('les', 'definite', 'pl'),
    det('un', 'indefinite', 'sg', 'm'),
    det('une', 'indefinite', 'sg', 'f'),
    det('des', 'indefinite', 'pl'),
    det('ce', 'demonstrative', 'sg', 'm'),
    det('cette', 'demonstrative', 'sg', 'f'),
    det('ces', 'demonstrative', 'pl'),
  ],
  nouns: [
    noun('garcon', 'garcons', 'm', true),
    noun('fille', 'filles', 'f', true),
    noun('roi', 'rois', 'm', true),
    noun('reine', 'reines', 'f', true),
    noun('fermier', 'fermiers', 'm', true),
    noun('chanteuse', 'chanteuses', 'f', true),
    noun('medecin', 'medecins', 'm', true),
    noun('maitresse', 'maitresses', 'f', true),
    noun('chien', 'chiens', 'm', true),
    noun('chat', 'chats', 'm', true),
    noun('vache', 'vaches', 'f', true),
    noun('cle', 'cles', 'f', false),
    noun('armoire', 'armoires', 'f', false),
    noun('porte', 'portes', 'f', false),
    noun('fenetre', 'fenetres', 'f', false),
    noun('boite', 'boites', 'f', false),
    noun('lettre', 'lettres', 'f', false),
    noun('voiture', 'voitures', 'f', false),
    noun('lampe', 'lampes', 'f', false),
    noun('livre', 'livres', 'm', false),
    noun('jardin', 'jardins', 'm', false),
    noun('mur', 'murs', 'm', false),
    noun('cheval', 'chevaux', 'm', true, true),
    noun('oiseau', 'oiseaux', 'm', true, true),
    noun('animal', 'animaux', 'm', true, true),
    noun('agneau', 'agneaux', 'm', true, true),
    noun('journal', 'journaux', 'm', false, true),
    noun('oeil', 'yeux', 'm', false, true),
  ],
  verbs: [
    verb('voit', 'voient', 'transitive'),
    verb('aime', 'aiment', 'transitive'),
    verb('trouve', 'trouvent', 'transitive'),
    verb('regarde', 'regardent', 'transitive'),
    verb('garde', 'gardent', 'transitive'),
    verb('aide', 'aident', 'transitive'),
    verb('dort', 'dorment', 'intransitive'),
    verb('sourit', 'sourient', 'intransitive'),
    verb('court', 'courent', 'intransitive'),
    verb('attend', 'attendent', 'intransitive'),
    verb('rit', 'rient', 'intransitive'),
    verb('chante', 'chantent', 'intransitive'),
    verb('tombe', 'tombent', 'inanimate'),
    verb('casse', 'cassent', 'inanimate'),
    verb('brille', 'brillent', 'inanimate'),
    verb('bouge', 'bougent', 'inanimate'),
    verb('est', 'sont', 'copula'),
    verb('etait', 'etaient', 'copula'),
    verb('dit', 'disent', 'clausal'),
    verb('pense', 'pensent', 'clausal'),
    verb('sait', 'savent', 'clausal'),
  ],
  adjectives: ['rouge', 'petit', 'grand', 'neuf', 'bleu', 'content', 'fatigue', 'calme', 'vert', 'sombre'],
  adjectivesFollowNoun: true,
  prepositions: ['pres', 'derriere', 'sous', 'devant', 'avec'],
  adverbs: ['hier', 'encore', 'vite', 'lentement'],
  complementizer: 'que',
  subjectRelativizer: 'qui',
  objectRelativizer: 'que',
  reflexives: {
    sg: { m: 'lui-meme', f: 'elle-meme' },
    pl: { m: 'eux-memes', f: 'elles-memes' },
  },
};

export const LEXICONS: Readonly<Record<Language, Lexicon>> = { eng: ENGLISH, fra: FRENCH };

/** What a word form is, for the forms that carry agreement features. */
export type WordInfo =
  | { category: 'determiner'; number: GrammaticalNumber | null; determiner: Determiner }
  | { category: 'noun'; number: GrammaticalNumber; lexeme: NounLexeme }
  | { category: 'verb'; number: GrammaticalNumber; lexeme: VerbLexeme }
  | { category: 'reflexive'; number: GrammaticalNumber }
  | { category: 'other' };

/** Every word of one language, in lexicon order, without duplicates; includes the full stop. */
export function lexiconWords(language: Language): string[] {
  const lex = LEXICONS[language];
  const words = [
    ...lex.determiners.map((d) => d.form),
    ...lex.nouns.flatMap((n) => [n.sg, n.pl]),
    ...lex.verbs.flatMap((v) => [v.sg, v.pl]),
    ...lex.adjectives,
    ...lex.prepositions,
    ...lex.adverbs,
    lex.complementizer,
    lex.subjectRelativizer,
    lex.objectRelativizer,
    ...Object.values(lex.reflexives.sg),
    ...Object.values(lex.reflexives.pl),
    FULL_STOP,
  ];
  return [...new Set(words)];
}

const indexCache = new Map<Language, ReadonlyMap<string, WordInfo>>();

/** word → features, for one language. Throws if a form would get two different feature sets. */
export function lexiconIndex(language: Language): ReadonlyMap<string, WordInfo> {
  const cached = indexCache.get(language);
  if (cached !== undefined) return cached;
  const lex = LEXICONS[language];
  const index = new Map<string, WordInfo>();
  const add = (form: string, info: WordInfo): void => {
    const seen = index.get(form);
    if (seen !== undefined && JSON.stringify(seen) !== JSON.stringify(info)) {
      throw new Error(`${language} lexicon: "${form}" is both a ${seen.category} and a ${info.category}`);
    }
    index.set(form, info);
  };
  for (const d of lex.determiners) add(d.form, { category: 'determiner', number: d.number, determiner: d });
  for (const n of lex.nouns) {
    add(n.sg, { category: 'noun', number: 'sg', lexeme: n });
    add(n.pl, { category: 'noun', number: 'pl', lexeme: n });
  }
  for (const v of lex.verbs) {
    add(v.sg, { category: 'verb', number: 'sg', lexeme: v });
    add(v.pl, { category: 'verb', number: 'pl', lexeme: v });
  }
  for (const number of ['sg', 'pl'] as const) {
    for (const form of Object.values(lex.reflexives[number])) add(form, { category: 'reflexive', number });
  }
  for (const form of lexiconWords(language)) if (!index.has(form)) index.set(form, { category: 'other' });
  indexCache.set(language, index);
  return index;
}

/** The features of `word` in `language`; throws for a word the lexicon does not have. */
export function wordInfo(language: Language, word: string): WordInfo {
  const info = lexiconIndex(language).get(word);
  if (info === undefined) throw new Error(`"${word}" is not a ${language} word`);
  return info;
}

export function otherNumber(number: GrammaticalNumber): GrammaticalNumber {
  return number === 'sg' ? 'pl' : 'sg';
}

/** The reflexive for a controller of this number and gender (`himself`, `elles-memes`). */
export function reflexiveFor(language: Language, number: GrammaticalNumber, gender: Gender): string {
  const form = LEXICONS[language].reflexives[number][gender];
  if (form === undefined) throw new Error(`${language} has no ${number} ${gender} reflexive`);
  return form;
}
