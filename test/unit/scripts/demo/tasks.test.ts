import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { importTaskFile } from '../../../../src/core/tasks/importers';
import { PHENOMENA } from '../../../../scripts/demo/grammar';
import { LANGUAGES, type Language, lexiconWords, wordInfo } from '../../../../scripts/demo/lexicon';
import { generateTasks, taskSentences, type DemoBlimpRow } from '../../../../scripts/demo/tasks';
import {
  UNKNOWN_ID,
  buildTokenizerJson,
  demoTokenizerConfig,
  demoVocabulary,
} from '../../../../scripts/demo/tokenizer';

const PAIRS = 300;
const files = generateTasks({ seed: 9, pairsPerPhenomenon: PAIRS });

const rowsOf = (text: string): DemoBlimpRow[] =>
  text
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as DemoBlimpRow);

const allRows = [...files.values()].flatMap(rowsOf);

const numberOf = (language: Language, word: string): string | null => {
  const info = wordInfo(language, word);
  return info.category === 'other' ? null : info.number;
};

describe('demo tasks', () => {
  it('writes one file per phenomenon and language, deterministically from the seed', () => {
    const expected = PHENOMENA.flatMap((p) => LANGUAGES.map((l) => `${p}.${l}.jsonl`));
    expect([...files.keys()]).toEqual(expected);
    expect(generateTasks({ seed: 9, pairsPerPhenomenon: PAIRS })).toEqual(files);
    const other = generateTasks({ seed: 10, pairsPerPhenomenon: PAIRS });
    expect(other.get('sv_simple.eng.jsonl')).not.toEqual(files.get('sv_simple.eng.jsonl'));
  });

  it('writes BLiMP rows: fields, types, UID, sequential pairIDs, the file language', () => {
    for (const [name, text] of files) {
      const [phenomenon, language] = name.split('.') as [string, Language];
      expect(text.endsWith('\n')).toBe(true);
      const rows = rowsOf(text);
      expect(rows).toHaveLength(PAIRS);
      rows.forEach((row, i) => {
        expect(row).toMatchObject({
          field: 'morphology',
          linguistics_term: phenomenon,
          UID: `${phenomenon}_${language}`,
          simple_LM_method: true,
          one_prefix_method: true,
          two_prefix_method: false,
          pairID: String(i),
          language,
        });
        for (const key of [
          'sentence_good',
          'sentence_bad',
          'one_prefix_prefix',
          'one_prefix_word_good',
          'one_prefix_word_bad',
        ] as const) {
          expect(typeof row[key]).toBe('string');
        }
      });
    }
  });

  it('makes each sentence the prefix, the answer word and the same rest, with no duplicate pair', () => {
    for (const text of files.values()) {
      const keys = new Set<string>();
      for (const row of rowsOf(text)) {
        const { one_prefix_prefix: prefix, one_prefix_word_good: good, one_prefix_word_bad: bad } = row;
        expect(good).not.toBe(bad);
        expect(good).toMatch(/^\S+$/);
        expect(bad).toMatch(/^\S+$/);
        expect(row.sentence_good.startsWith(`${prefix} ${good} `)).toBe(true);
        expect(row.sentence_bad.startsWith(`${prefix} ${bad} `)).toBe(true);
        expect(row.sentence_good.slice(prefix.length + good.length + 1)).toBe(
          row.sentence_bad.slice(prefix.length + bad.length + 1),
        );
        keys.add(`${row.sentence_good}\n${row.sentence_bad}`);
      }
      expect(keys.size).toBe(PAIRS);
    }
  });

  it('puts the right critical word after the prefix and the other number in the wrong answer', () => {
    for (const row of allRows) {
      const { language } = row;
      const prefixWords = row.one_prefix_prefix.split(' ');
      const good = wordInfo(language, row.one_prefix_word_good);
      const last = wordInfo(language, prefixWords.at(-1)!);
      expect(numberOf(language, row.one_prefix_word_bad)).not.toBe(
        numberOf(language, row.one_prefix_word_good),
      );
      switch (row.linguistics_term) {
        case 'det_noun':
        case 'irregular_plural':
          if (good.category !== 'noun' || last.category !== 'determiner') throw new Error(row.sentence_good);
          expect(last.determiner.kind).toBe('demonstrative');
          expect(last.number).toBe(good.number);
          expect(good.lexeme.isIrregular).toBe(row.linguistics_term === 'irregular_plural');
          break;
        case 'anaphor_number':
          expect(good.category).toBe('reflexive');
          break;
        default:
          expect(good.category).toBe('verb');
      }
    }
  });

  it('makes the wrong answer of attractor items agree with the nearest noun, the right one with the subject', () => {
    const attractorRows = allRows.filter((r) => r.linguistics_term.endsWith('_attractor'));
    expect(attractorRows).toHaveLength(2 * LANGUAGES.length * PAIRS);
    for (const row of attractorRows) {
      const nouns = row.one_prefix_prefix
        .split(' ')
        .filter((w) => wordInfo(row.language, w).category === 'noun');
      const subject = nouns[0]!;
      const nearest = nouns.at(-1)!;
      expect(numberOf(row.language, nearest)).not.toBe(numberOf(row.language, subject));
      expect(numberOf(row.language, row.one_prefix_word_good)).toBe(numberOf(row.language, subject));
      expect(numberOf(row.language, row.one_prefix_word_bad)).toBe(numberOf(row.language, nearest));
    }
  });

  it('uses only words of the row language, all in the tokenizer vocabulary, answers one token each', () => {
    const tokenizer = new Tokenizer(buildTokenizerJson(demoVocabulary()), demoTokenizerConfig());
    const lexicons = { eng: new Set(lexiconWords('eng')), fra: new Set(lexiconWords('fra')) };
    const wrong: string[] = [];
    for (const row of allRows) {
      for (const w of `${row.sentence_good} ${row.sentence_bad}`.split(' ')) {
        if (!lexicons[row.language].has(w)) wrong.push(`${w} (${row.language})`);
      }
      if (tokenizer.encode(row.sentence_good).ids.includes(UNKNOWN_ID)) wrong.push(row.sentence_good);
      const prefixIds = tokenizer.encode(row.one_prefix_prefix).ids;
      for (const answer of [row.one_prefix_word_good, row.one_prefix_word_bad]) {
        const ids = tokenizer.encode(`${row.one_prefix_prefix} ${answer}`).ids;
        const isSplit =
          ids.length === prefixIds.length + 1 &&
          prefixIds.every((id, i) => ids[i] === id) &&
          ids.at(-1) === tokenizer.token_to_id(answer);
        if (ids.includes(UNKNOWN_ID) || !isSplit) wrong.push(`${row.one_prefix_prefix} | ${answer}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('imports through the project BLiMP importer with no skipped line (language from the caller)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-tasks-'));
    try {
      for (const [name, text] of files) {
        const path = join(dir, name);
        await writeFile(path, text);
        const language = name.split('.')[1]!;
        const imported = await importTaskFile(path, { language });
        expect(imported.format).toBe('blimp');
        expect(imported.skipped).toEqual([]);
        expect(imported.pairs).toHaveLength(PAIRS);
        for (const pair of imported.pairs) {
          expect(pair.language).toBe(language);
          expect(pair.sentenceGood.startsWith(pair.prefix + pair.goodAnswer + ' ')).toBe(true);
          expect(pair.sentenceBad.startsWith(pair.prefix + pair.badAnswer + ' ')).toBe(true);
        }
        expect(new Set(imported.pairs.map((p) => p.id)).size).toBe(PAIRS);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('collects the grammatical task sentences for the corpus filter', () => {
    const sentences = taskSentences(files);
    expect(sentences.size).toBeGreaterThan(0.9 * allRows.length);
    for (const row of allRows) expect(sentences.has(row.sentence_good)).toBe(true);
  });
});
