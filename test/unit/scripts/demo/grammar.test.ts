import { describe, expect, it } from 'vitest';
import {
  CONSTRUCTIONS,
  generateAnnotatedCorpus,
  generateCorpus,
  phenomenonShares,
  type Agreement,
  type AnnotatedSentence,
} from '../../../../scripts/demo/grammar';
import {
  FULL_STOP,
  LANGUAGES,
  type Language,
  lexiconIndex,
  lexiconWords,
  reflexiveFor,
  wordInfo,
} from '../../../../scripts/demo/lexicon';

const corpus = generateAnnotatedCorpus({ seed: 11, sentences: 5000 });

const isNoun = (s: AnnotatedSentence, i: number): boolean =>
  wordInfo(s.language, s.words[i]!).category === 'noun';

/** Number of a word that has one (determiner with number, noun, verb, reflexive). */
const numberOf = (language: Language, word: string): string | null => {
  const info = wordInfo(language, word);
  return info.category === 'other' ? null : info.number;
};

/** Index of the nearest noun before `target`. */
const nearestNounBefore = (s: AnnotatedSentence, target: number): number => {
  for (let i = target - 1; i >= 0; i--) if (isNoun(s, i)) return i;
  return -1;
};

const svAgreements = (s: AnnotatedSentence): Agreement[] =>
  s.agreements.filter((a) => a.phenomenon.startsWith('sv_'));

describe('demo lexicons', () => {
  it('build their word index (one number per form) and share no word but the full stop', () => {
    for (const language of LANGUAGES) expect(lexiconIndex(language).size).toBeGreaterThan(100);
    const eng = new Set(lexiconWords('eng'));
    const shared = lexiconWords('fra').filter((w) => eng.has(w));
    expect(shared).toEqual([FULL_STOP]);
  });
});

describe('demo grammar', () => {
  it('is deterministic from the seed', () => {
    const a = generateCorpus({ seed: 5, sentences: 300 });
    expect(generateCorpus({ seed: 5, sentences: 300 })).toEqual(a);
    expect(generateCorpus({ seed: 6, sentences: 300 })).not.toEqual(a);
    // Key order of languageShares does not change the draws.
    expect(generateCorpus({ seed: 5, sentences: 300, languageShares: { fra: 0.3, eng: 0.7 } })).toEqual(a);
  });

  it('writes lower-case words of one language separated by single spaces, ending in a full stop', () => {
    const lexicons = { eng: new Set(lexiconWords('eng')), fra: new Set(lexiconWords('fra')) };
    const wrong: string[] = [];
    for (const s of corpus) {
      if (s.words.at(-1) !== FULL_STOP || s.words.indexOf(FULL_STOP) !== s.words.length - 1)
        wrong.push(s.words.join(' '));
      for (const w of s.words) if (!lexicons[s.language].has(w)) wrong.push(`${w} (${s.language})`);
    }
    expect(wrong).toEqual([]);
    for (const text of generateCorpus({ seed: 11, sentences: 200 }))
      expect(text).toMatch(/^[a-z-]+( [a-z-]+)* \.$/);
  });

  it('draws languages and phenomena in the designed proportions (5000 sentences)', () => {
    const eng = corpus.filter((s) => s.language === 'eng').length / corpus.length;
    expect(eng).toBeGreaterThan(0.67);
    expect(eng).toBeLessThan(0.73);
    const shares = phenomenonShares(corpus);
    expect(shares.sv_simple.share).toBeGreaterThan(0.85);
    expect(shares.det_noun.share).toBeGreaterThan(0.6);
    expect(shares.det_noun.share).toBeLessThan(0.85);
    expect(shares.sv_pp_attractor.share).toBeGreaterThan(0.07);
    expect(shares.sv_pp_attractor.share).toBeLessThan(0.11);
    expect(shares.sv_pp_attractor.withAttractor).toBeGreaterThan(0.045);
    expect(shares.sv_pp_attractor.withAttractor).toBeLessThan(0.085);
    expect(shares.sv_rc_attractor.share).toBeGreaterThan(0.045);
    expect(shares.sv_rc_attractor.share).toBeLessThan(0.075);
    expect(shares.sv_rc_attractor.withAttractor).toBeGreaterThan(0.025);
    expect(shares.sv_rc_attractor.withAttractor).toBeLessThan(0.055);
    expect(shares.irregular_plural.share).toBeGreaterThan(0.015);
    expect(shares.irregular_plural.share).toBeLessThan(0.06);
    expect(shares.anaphor_number.share).toBeGreaterThan(0.06);
    expect(shares.anaphor_number.share).toBeLessThan(0.1);
    // Attractor constructions together: 10–20% of sentences; with a real attractor about 10%.
    const intervening = shares.sv_pp_attractor.share + shares.sv_rc_attractor.share;
    expect(intervening).toBeGreaterThan(0.1);
    expect(intervening).toBeLessThan(0.2);
    const seen = new Set(corpus.map((s) => s.construction));
    expect([...seen].sort()).toEqual([...CONSTRUCTIONS].sort());
  });

  it('makes every annotated agreement hold: controller, target and annotation have one number', () => {
    let checked = 0;
    const wrong: string[] = [];
    for (const s of corpus) {
      for (const a of s.agreements) {
        const controller = numberOf(s.language, s.words[a.controller]!);
        const target = numberOf(s.language, s.words[a.target]!);
        if (a.controller >= a.target || controller !== a.number || target !== a.number) {
          wrong.push(`${s.words.join(' ')}: ${JSON.stringify(a)}`);
        }
        checked++;
      }
    }
    expect(wrong).toEqual([]);
    expect(checked).toBeGreaterThan(10_000);
  });

  it('annotates every finite verb, reflexive and number-marked determiner (checked from the words)', () => {
    for (const s of corpus) {
      const targets = new Map(s.agreements.map((a) => [a.target, a] as const));
      const controllers = new Set(s.agreements.map((a) => a.controller));
      s.words.forEach((word, i) => {
        const info = wordInfo(s.language, word);
        if (info.category === 'verb') expect(targets.get(i)?.phenomenon).toMatch(/^sv_/);
        if (info.category === 'reflexive') expect(targets.get(i)?.phenomenon).toBe('anaphor_number');
        if (info.category === 'determiner' && info.number !== null) {
          expect(controllers.has(i)).toBe(true);
          // Independently of the annotation: the next noun after the determiner has its number.
          let j = i + 1;
          while (!isNoun(s, j)) j++;
          expect(numberOf(s.language, s.words[j]!)).toBe(info.number);
        }
      });
    }
  });

  it('marks det–noun agreements with irregular nouns as irregular_plural, the others as det_noun', () => {
    for (const s of corpus) {
      for (const a of s.agreements.filter(
        (x) => x.phenomenon === 'det_noun' || x.phenomenon === 'irregular_plural',
      )) {
        const info = wordInfo(s.language, s.words[a.target]!);
        if (info.category !== 'noun') throw new Error('det agreement target is not a noun');
        expect(a.phenomenon === 'irregular_plural').toBe(info.lexeme.isIrregular);
      }
    }
  });

  it('gives reflexives the gender of their antecedent', () => {
    for (const s of corpus) {
      for (const a of s.agreements.filter((x) => x.phenomenon === 'anaphor_number')) {
        const head = wordInfo(s.language, s.words[a.controller]!);
        if (head.category !== 'noun') throw new Error('antecedent is not a noun');
        expect(s.words[a.target]).toBe(reflexiveFor(s.language, a.number, head.lexeme.gender));
      }
    }
  });

  it('puts the attractor as the nearest noun before the verb, so nearest-noun agreement fails there', () => {
    let attractors = 0;
    for (const s of corpus) {
      for (const a of svAgreements(s)) {
        const nearest = nearestNounBefore(s, a.target);
        if (a.phenomenon === 'sv_simple') {
          // No noun between subject and verb: the nearest noun is the subject.
          expect(nearest).toBe(a.controller);
          expect(a.attractor).toBeNull();
        } else if (a.attractor !== null) {
          attractors++;
          expect(nearest).toBe(a.attractor);
          expect(numberOf(s.language, s.words[a.attractor]!)).not.toBe(a.number);
        } else {
          // An intervening noun of the same number.
          expect(nearest).not.toBe(a.controller);
          expect(numberOf(s.language, s.words[nearest]!)).toBe(a.number);
        }
      }
    }
    expect(attractors).toBeGreaterThan(300);
  });

  it('writes French-like adjectives after the noun and English-like ones before it', () => {
    const examples = generateAnnotatedCorpus({
      seed: 2,
      sentences: 400,
      languageShares: { eng: 0.5, fra: 0.5 },
    });
    let checked = 0;
    for (const s of examples) {
      s.words.forEach((word, i) => {
        if (!['red', 'rouge', 'small', 'petit'].includes(word)) return;
        const neighbour = s.language === 'fra' ? i - 1 : i + 1;
        if (s.words[i - 1] !== undefined && wordInfo(s.language, s.words[i - 1]!).category === 'verb') return; // copula
        expect(isNoun(s, neighbour)).toBe(true);
        checked++;
      });
    }
    expect(checked).toBeGreaterThan(20);
  });
});
