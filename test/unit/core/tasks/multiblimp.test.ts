import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { countSkippedByCode, importTaskFile, TaskFileError } from '../../../../src/core/tasks/importers';
import { knownLanguageCode, toIso639_3 } from '../../../../src/core/tasks/language-codes';
import { minimalPairSchema } from '../../../../src/core/tasks/minimal-pair';
import { splitTsvLine } from '../../../../src/core/tasks/tsv';
import { compareWords, stripSharedTrailingPunctuation } from '../../../../src/core/tasks/word-split';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-multiblimp-');
afterAll(() => tmp.cleanup());

/**
 * A MultiBLiMP TSV as pandas writes it: an unnamed index column first, `prefix` as the pipeline's
 * `set_minimal_pairs` fills it, empty cells for NaN, quotes doubled inside a quoted cell.
 */
const header = ['', 'sen', 'verb', 'wrong_sen', 'wrong_verb', 'prefix', 'phenomenon', 'lang'];
const tsvRows = [
  // line 2: explicit prefix, the verb is the next word
  ['0', 'The dogs run fast .', 'run', 'The dogs runs fast .', 'runs', 'The dogs', 'SV-#', 'eng'],
  // line 3: no prefix cell → derived from the sentences; trailing full stop stays out of the answer
  ['1', 'The dog sleeps.', 'sleeps', 'The dog sleep.', 'sleep', '', 'SV-#', 'eng'],
  // line 4: verb-initial, nothing shared to the left
  ['2', 'Runs the dog .', 'Runs', 'Run the dog .', 'Run', '', 'SV-#', 'eng'],
  // line 5: two words differ
  ['3', 'The dog runs and jumps .', 'runs', 'The dog run and jump .', 'run', '', 'SV-#', 'eng'],
  // line 6: a quoted cell with doubled quotes
  ['4', '"""Yes"" , she says ."', 'says', '"""Yes"" , she say ."', 'say', '"""Yes"" , she"', 'SV-P', 'eng'],
  // line 7: the given prefix stops one word early
  ['5', 'I think she runs .', 'runs', 'I think she run .', 'run', 'I think', 'SV-#', 'eng'],
  // line 8: the given prefix does not start the sentences
  ['6', 'The cat sleeps .', 'sleeps', 'The cat sleep .', 'sleep', 'A cat', 'SV-#', 'eng'],
];

function writeTsv(folder: string, name: string, rows: readonly (readonly string[])[]): string {
  const dir = join(tmp.make(), folder);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, name);
  writeFileSync(file, `${rows.map((row) => row.join('\t')).join('\n')}\n`);
  return file;
}

describe('MultiBLiMP TSV', () => {
  it('imports the fixture: pairs, skips with reasons, quoted cells', async () => {
    const file = writeTsv('eng', 'data.tsv', [header, ...tsvRows]);
    const result = await importTaskFile(file);
    expect(result.format).toBe('multiblimp');
    expect(result.linesRead).toBe(8);
    expect(result.pairs.map((p) => [p.line, p.prefix, p.goodAnswer, p.badAnswer])).toEqual([
      [2, 'The dogs', ' run', ' runs'],
      [3, 'The dog', ' sleeps', ' sleep'],
      [6, '"Yes" , she', ' says', ' say'],
    ]);
    expect(result.skipped.map((s) => [s.line, s.code])).toEqual([
      [4, 'no-shared-prefix'],
      [5, 'not-single-word'],
      [7, 'not-single-word'],
      [8, 'prefix-mismatch'],
    ]);
    expect(countSkippedByCode(result.skipped)).toEqual({
      'no-shared-prefix': 1,
      'not-single-word': 2,
      'prefix-mismatch': 1,
    });
    for (const pair of result.pairs) expect(minimalPairSchema.safeParse(pair).success).toBe(true);
    expect(result.pairs[0]).toMatchObject({
      id: 'multiblimp_eng:2',
      taskName: 'multiblimp_eng',
      source: 'multiblimp',
      language: 'eng',
      phenomenon: 'SV-#',
      sentenceGood: 'The dogs run fast .',
      sentenceBad: 'The dogs runs fast .',
    });
    expect(result.pairs[2]?.phenomenon).toBe('SV-P');
  });

  it('takes the language from the folder when there is no `lang` column', async () => {
    const rows = [
      ['sen', 'wrong_sen'],
      ['Les chiens courent .', 'Les chiens court .'],
    ];
    const { pairs } = await importTaskFile(writeTsv('fra', 'data.tsv', rows));
    expect(pairs[0]).toMatchObject({ language: 'fra', taskName: 'multiblimp_fra', goodAnswer: ' courent' });
  });

  it('fails on a row with the wrong number of cells, naming the line', async () => {
    const file = writeTsv('eng', 'data.tsv', [header, tsvRows[0]!, ['9', 'too', 'few']]);
    const error = await importTaskFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskFileError);
    expect((error as Error).message).toMatch(/data\.tsv: line 3: expected 8 tab-separated fields, got 3/);
  });

  it('fails on a header without `wrong_sen`, even when skipping malformed lines', async () => {
    const file = writeTsv('eng', 'data.tsv', [
      ['', 'sen', 'verb'],
      ['0', 'a b', 'b'],
    ]);
    await expect(importTaskFile(file, { onMalformed: 'skip' })).rejects.toThrow(
      /line 1: TSV header lacks column\(s\) `wrong_sen`/,
    );
  });

  it('refuses to read a TSV as BLiMP', async () => {
    const file = writeTsv('eng', 'data.tsv', [header, tsvRows[0]!]);
    await expect(importTaskFile(file, { format: 'blimp' })).rejects.toThrow(
      /tab-separated file cannot be blimp/,
    );
  });
});

describe('MultiBLiMP JSONL', () => {
  it('reads `sen` / `wrong_sen` rows, with the language from `lang` (code or name)', async () => {
    const file = join(tmp.make(), 'multiblimp_sample.jsonl');
    const rows = [
      { sen: 'Les chiens courent .', wrong_sen: 'Les chiens court .', phenomenon: 'SV-#', lang: 'fra' },
      { sen: 'Los perros corren .', wrong_sen: 'Los perros corre .', phenomenon: 'SV-#', lang: 'Spanish' },
      { sen: 'Les chiens courent .', wrong_sen: 'Les chiens courent .', lang: 'fra' },
    ];
    writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n'));
    const result = await importTaskFile(file, { onMalformed: 'skip' });
    expect(result.format).toBe('multiblimp');
    expect(result.pairs.map((p) => [p.language, p.taskName, p.prefix, p.goodAnswer, p.badAnswer])).toEqual([
      ['fra', 'multiblimp_fra', 'Les chiens', ' courent', ' court'],
      ['spa', 'multiblimp_spa', 'Los perros', ' corren', ' corre'],
    ]);
    expect(result.skipped).toEqual([{ line: 3, code: 'malformed', reason: 'identical sentences' }]);
  });
});

describe('word split', () => {
  it('finds the first differing word and whether it is the only one', () => {
    expect(compareWords('The dog runs fast', 'The dog run fast')).toEqual({
      kind: 'differ',
      index: 2,
      sharedEnd: 7,
      goodWord: 'runs',
      badWord: 'run',
      isSingleWord: true,
    });
    expect(compareWords('a  b', 'a b')).toEqual({ kind: 'identical' });
    expect(compareWords('The dog runs', 'The dog runs fast')).toMatchObject({
      kind: 'differ',
      isSingleWord: false,
    });
    expect(compareWords('x b c', 'y b d')).toMatchObject({ index: 0, isSingleWord: false });
  });

  it('strips punctuation glued to both words, keeping at least one character', () => {
    expect(stripSharedTrailingPunctuation('runs.', 'run.')).toEqual(['runs', 'run']);
    expect(stripSharedTrailingPunctuation('runs?!', 'run!')).toEqual(['runs?', 'run']);
    expect(stripSharedTrailingPunctuation('..', '..')).toEqual(['.', '.']);
    expect(stripSharedTrailingPunctuation('runs', 'run')).toEqual(['runs', 'run']);
  });
});

describe('TSV lines and language codes', () => {
  it('splits pandas-quoted cells', () => {
    expect(splitTsvLine('a\t"b\tc"\t"say ""hi"""\t')).toEqual(['a', 'b\tc', 'say "hi"', '']);
    expect(splitTsvLine('')).toEqual(['']);
    expect(() => splitTsvLine('"open')).toThrow(/unterminated/);
  });

  it('normalises codes and names to ISO 639-3', () => {
    expect(toIso639_3('en')).toBe('eng');
    expect(toIso639_3('FR')).toBe('fra');
    expect(toIso639_3('hin')).toBe('hin');
    expect(toIso639_3('Arabic')).toBe('arb');
    expect(toIso639_3('Klingonese')).toBeUndefined();
    expect(knownLanguageCode('obj')).toBeUndefined();
    expect(knownLanguageCode('por')).toBe('por');
  });
});
