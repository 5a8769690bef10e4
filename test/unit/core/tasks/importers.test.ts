import { writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import {
  countSkippedByCode,
  detectRowFormat,
  importTaskFile,
  TaskFileError,
} from '../../../../src/core/tasks/importers';
import { minimalPairSchema } from '../../../../src/core/tasks/minimal-pair';
import { createTmpDirs } from '../../../helpers/tmp-dir';

/** The real task files shipped beside the project (see ../shared/data/README.md). */
const dataDir = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const tmp = createTmpDirs('ctt-tasks-');
afterAll(() => tmp.cleanup());

function writeFixture(name: string, lines: readonly (string | object)[]): string {
  const file = join(tmp.make(), name);
  const text = lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n');
  writeFileSync(file, `${text}\n`);
  return file;
}

const clamsRow = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  sentence_good: 'The author is tall',
  sentence_bad: 'The author are tall',
  clean_prefix: 'The author',
  clean_answer: ' is',
  patch_answer: ' are',
  skip: false,
  ...overrides,
});

const blimpRow = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  sentence_good: 'Susan revealed herself.',
  sentence_bad: 'Susan revealed themselves.',
  one_prefix_prefix: 'Susan revealed',
  one_prefix_word_good: 'herself',
  one_prefix_word_bad: 'themselves',
  linguistics_term: 'anaphor_agreement',
  UID: 'anaphor_number_agreement',
  one_prefix_method: true,
  two_prefix_method: false,
  pairID: '0',
  ...overrides,
});

async function expectTaskFileError(promise: Promise<unknown>): Promise<TaskFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskFileError);
  return error as TaskFileError;
}

describe('importTaskFile: the real sample files', () => {
  const samples = [
    { path: 'blimp/anaphor_number_agreement.jsonl', format: 'blimp', lines: 1000, language: 'eng' },
    { path: 'blimp/determiner_noun_agreement_1.jsonl', format: 'blimp', lines: 1000, language: 'eng' },
    {
      path: 'blimp/regular_plural_subject_verb_agreement_1.jsonl',
      format: 'blimp',
      lines: 1000,
      language: 'eng',
    },
    { path: 'clams/en_simple_agrmt.jsonl', format: 'clams', lines: 80, language: 'eng' },
    { path: 'clams/fr_simple_agrmt.jsonl', format: 'clams', lines: 240, language: 'fra' },
  ] as const;

  for (const sample of samples) {
    it(`reads ${sample.path}: ${sample.lines} lines → ${sample.lines} pairs, none skipped`, async () => {
      const result = await importTaskFile(join(dataDir, sample.path));
      expect(result.format).toBe(sample.format);
      expect(result.linesRead).toBe(sample.lines);
      expect(result.pairs).toHaveLength(sample.lines);
      expect(result.skipped).toEqual([]);
      expect(new Set(result.pairs.map((p) => p.id)).size).toBe(sample.lines);
      for (const pair of result.pairs) {
        expect(minimalPairSchema.safeParse(pair).success, pair.id).toBe(true);
        expect(pair.language).toBe(sample.language);
        expect(pair.source).toBe(sample.format);
        // The good sentence continues the prefix with the good answer (both formats are built that way).
        expect(pair.sentenceGood.startsWith(pair.prefix + pair.goodAnswer), pair.id).toBe(true);
      }
    });
  }

  it('builds a BLiMP pair from the one-prefix fields, adding the leading space', async () => {
    const { pairs } = await importTaskFile(join(dataDir, 'blimp/anaphor_number_agreement.jsonl'), {
      limit: 1,
    });
    expect(pairs[0]).toEqual({
      id: 'anaphor_number_agreement:0',
      taskName: 'anaphor_number_agreement',
      source: 'blimp',
      language: 'eng',
      prefix: 'Susan revealed',
      goodAnswer: ' herself',
      badAnswer: ' themselves',
      sentenceGood: 'Susan revealed herself.',
      sentenceBad: 'Susan revealed themselves.',
      phenomenon: 'anaphor_agreement',
      line: 1,
      file: join(dataDir, 'blimp/anaphor_number_agreement.jsonl'),
    });
  });

  it("takes a BLiMP row's own language field (generated tasks), unless the caller names one", async () => {
    const file = writeFixture('agreement.jsonl', [blimpRow({ language: 'fra' }), blimpRow({ pairID: '2' })]);
    const { pairs } = await importTaskFile(file);
    expect(pairs.map((p) => p.language)).toEqual(['fra', 'eng']);
    const forced = await importTaskFile(file, { language: 'deu' });
    expect(forced.pairs.map((p) => p.language)).toEqual(['deu', 'deu']);
  });

  it('keeps multi-word BLiMP answers whole (" grocery store" / " grocery stores")', async () => {
    const { pairs } = await importTaskFile(join(dataDir, 'blimp/determiner_noun_agreement_1.jsonl'), {
      limit: 2,
    });
    expect(pairs[1]).toMatchObject({ goodAnswer: ' grocery store', badAnswer: ' grocery stores', line: 2 });
  });

  it('names CLAMS tasks after the file and takes the language from its prefix', async () => {
    const { pairs } = await importTaskFile(join(dataDir, 'clams/fr_simple_agrmt.jsonl'), { limit: 1 });
    expect(pairs[0]).toMatchObject({
      id: 'fr_simple_agrmt:1',
      taskName: 'fr_simple_agrmt',
      phenomenon: 'simple_agrmt',
      language: 'fra',
      prefix: 'Les auteurs',
      goodAnswer: ' sont',
      badAnswer: ' est',
    });
  });
});

describe('CLAMS rows split inside a word (token-level)', () => {
  it('moves the partial word back into the answers (real fr_simple_agrmt line 5)', async () => {
    const { pairs } = await importTaskFile(join(dataDir, 'clams/fr_simple_agrmt.jsonl'), { limit: 5 });
    expect(pairs[4]).toMatchObject({
      line: 5,
      prefix: 'Les auteurs',
      goodAnswer: ' déménagent',
      badAnswer: ' déménage',
      sentenceGood: 'Les auteurs déménagent',
    });
  });

  it('skips a row whose prefix is only the partial word, and rejects mixed spacing', async () => {
    const lone = clamsRow({ clean_prefix: 'Dém', clean_answer: 'énagent', patch_answer: 'énage' });
    const skipped = await importTaskFile(writeFixture('fr_lone.jsonl', [lone]));
    expect(skipped.skipped.map((s) => s.code)).toEqual(['no-shared-prefix']);
    const mixed = clamsRow({ clean_answer: ' is', patch_answer: 'are' });
    await expect(importTaskFile(writeFixture('en_mixed.jsonl', [mixed]))).rejects.toThrow(
      /line 1: one answer starts with a space and the other does not/,
    );
  });
});

describe('importTaskFile: skipped rows are counted with their reason', () => {
  it('honours the CLAMS skip field', async () => {
    const file = writeFixture('en_prep_anim.jsonl', [
      clamsRow(),
      clamsRow({ skip: true, clean_answer: '', patch_answer: '' }),
      clamsRow({ sentence_good: 'The authors are tall', clean_answer: ' are', patch_answer: ' is' }),
      clamsRow({ skip: true }),
    ]);
    const result = await importTaskFile(file);
    expect(result.pairs.map((p) => p.line)).toEqual([1, 3]);
    expect(result.skipped).toEqual([
      { line: 2, code: 'marked-skip', reason: 'skip is true in the file' },
      { line: 4, code: 'marked-skip', reason: 'skip is true in the file' },
    ]);
    expect(countSkippedByCode(result.skipped)).toEqual({ 'marked-skip': 2 });
    expect(result.pairs[0]?.language).toBe('eng');
  });

  it('skips BLiMP pairs without a one-prefix form and counts them', async () => {
    const twoPrefix = blimpRow({ one_prefix_method: false, two_prefix_method: true, pairID: '1' });
    delete twoPrefix.one_prefix_prefix;
    const hubStyle = blimpRow({ pairID: '2' });
    delete hubStyle.one_prefix_prefix;
    delete hubStyle.one_prefix_word_good;
    delete hubStyle.one_prefix_word_bad;
    const file = writeFixture('mixed_blimp.jsonl', [blimpRow(), twoPrefix, hubStyle]);
    const result = await importTaskFile(file);
    expect(result.pairs).toHaveLength(1);
    expect(result.skipped.map((s) => [s.line, s.code])).toEqual([
      [2, 'no-one-prefix'],
      [3, 'no-one-prefix'],
    ]);
    expect(result.skipped[0]?.reason).toMatch(/one_prefix_method is false/);
  });

  it('ignores blank lines but keeps physical line numbers', async () => {
    const file = writeFixture('en_blank.jsonl', ['', clamsRow(), '   ', '', clamsRow()]);
    const result = await importTaskFile(file);
    expect(result.pairs.map((p) => p.line)).toEqual([2, 5]);
    expect(result.linesRead).toBe(5);
  });

  it('reads CRLF line endings and a byte-order mark', async () => {
    const file = join(tmp.make(), 'en_crlf.jsonl');
    writeFileSync(file, `\uFEFF${JSON.stringify(clamsRow())}\r\n${JSON.stringify(clamsRow())}\r\n`);
    const result = await importTaskFile(file);
    expect(result.pairs).toHaveLength(2);
    expect(result.pairs[1]?.prefix).toBe('The author');
  });
});

describe('importTaskFile: malformed lines fail the import with file, line and reason', () => {
  it('invalid JSON on line 3', async () => {
    const file = writeFixture('broken.jsonl', [
      clamsRow(),
      clamsRow(),
      '{"sentence_good": "The author',
      clamsRow(),
    ]);
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.message).toContain('broken.jsonl');
    expect(error.message).toContain('line 3');
    expect(error.message).toMatch(/invalid JSON/);
    expect(error.line).toBe(3);
    expect(basename(error.file)).toBe('broken.jsonl');
  });

  it('a missing field', async () => {
    const row = clamsRow();
    delete row.patch_answer;
    const error = await expectTaskFileError(importTaskFile(writeFixture('missing.jsonl', [clamsRow(), row])));
    expect(error.message).toMatch(/missing\.jsonl: line 2: missing field `patch_answer`/);
  });

  it('a wrong type', async () => {
    const file = writeFixture('typed.jsonl', [clamsRow({ clean_prefix: 5 })]);
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.message).toMatch(/line 1: field `clean_prefix` must be string, got number/);
  });

  it('a wrong type in a BLiMP flag', async () => {
    const file = writeFixture('flag.jsonl', [blimpRow({ one_prefix_method: 'yes' })]);
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.message).toMatch(/line 1: field `one_prefix_method` must be boolean, got string/);
  });

  it('identical answers', async () => {
    const file = writeFixture('same.jsonl', [clamsRow(), clamsRow(), clamsRow({ patch_answer: ' is' })]);
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.message).toMatch(/same\.jsonl: line 3: identical answers/);
  });

  it('an empty prefix', async () => {
    const file = writeFixture('empty.jsonl', [blimpRow({ one_prefix_prefix: '  ' })]);
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.message).toMatch(/line 1: empty prefix/);
  });

  it('a BLiMP row that claims the one-prefix method but lacks its word', async () => {
    const row = blimpRow();
    delete row.one_prefix_word_bad;
    const error = await expectTaskFileError(importTaskFile(writeFixture('partial.jsonl', [row])));
    expect(error.message).toMatch(/line 1: missing field `one_prefix_word_bad`/);
  });

  it('a line that is JSON but not an object', async () => {
    const error = await expectTaskFileError(
      importTaskFile(writeFixture('array.jsonl', [clamsRow(), '[1, 2]'])),
    );
    expect(error.message).toMatch(/line 2: expected a JSON object/);
  });

  it("collects malformed lines in `skipped` with onMalformed: 'skip'", async () => {
    const row = clamsRow();
    delete row.clean_answer;
    const file = writeFixture('en_lenient.jsonl', [
      clamsRow(),
      '{oops',
      row,
      clamsRow({ patch_answer: ' is' }),
    ]);
    const result = await importTaskFile(file, { onMalformed: 'skip' });
    expect(result.pairs.map((p) => p.line)).toEqual([1]);
    expect(result.skipped.map((s) => [s.line, s.code])).toEqual([
      [2, 'malformed'],
      [3, 'malformed'],
      [4, 'malformed'],
    ]);
    expect(result.skipped[1]?.reason).toBe('missing field `clean_answer`');
  });

  it('a missing file', async () => {
    const file = join(tmp.make(), 'nowhere.jsonl');
    const error = await expectTaskFileError(importTaskFile(file));
    expect(error.line).toBeNull();
    expect(error.message).toContain('nowhere.jsonl');
    expect(error.message).toMatch(/ENOENT/);
  });
});

describe('importTaskFile: options', () => {
  it('stops after `limit` pairs without reading the rest of the file', async () => {
    const result = await importTaskFile(
      join(dataDir, 'blimp/regular_plural_subject_verb_agreement_1.jsonl'),
      {
        limit: 10,
      },
    );
    expect(result.pairs).toHaveLength(10);
    expect(result.linesRead).toBe(10);
    expect(result.pairs.at(-1)?.id).toBe('regular_plural_subject_verb_agreement_1:9');
  });

  it('counts only pairs towards `limit`, not skipped rows', async () => {
    const file = writeFixture('en_limit.jsonl', [
      clamsRow({ skip: true }),
      clamsRow(),
      clamsRow(),
      clamsRow(),
    ]);
    const result = await importTaskFile(file, { limit: 2 });
    expect(result.pairs.map((p) => p.line)).toEqual([2, 3]);
    expect(result.skipped).toHaveLength(1);
    expect(result.linesRead).toBe(3);
  });

  it('limit 0 reads nothing', async () => {
    const result = await importTaskFile(join(dataDir, 'clams/en_simple_agrmt.jsonl'), { limit: 0 });
    expect(result).toMatchObject({ pairs: [], skipped: [], linesRead: 0 });
  });

  it('a caller language overrides the file (ISO 639-1 is normalised)', async () => {
    const result = await importTaskFile(join(dataDir, 'clams/en_simple_agrmt.jsonl'), {
      limit: 3,
      language: 'de',
    });
    expect(result.pairs.map((p) => p.language)).toEqual(['deu', 'deu', 'deu']);
  });

  it('rejects an unknown language option', async () => {
    await expect(
      importTaskFile(join(dataDir, 'clams/en_simple_agrmt.jsonl'), { language: 'xx' }),
    ).rejects.toThrow(/unknown language code/);
  });

  it('falls back to `und` when a CLAMS file names no language', async () => {
    const { pairs } = await importTaskFile(writeFixture('obj_rel_across_anim.jsonl', [clamsRow()]));
    expect(pairs[0]).toMatchObject({ language: 'und', taskName: 'obj_rel_across_anim' });
  });
});

describe('format detection', () => {
  it('tells the format from the fields of a row', () => {
    expect(detectRowFormat(blimpRow())).toBe('blimp');
    expect(detectRowFormat(clamsRow())).toBe('clams');
    expect(detectRowFormat({ sen: 'a b', wrong_sen: 'a c', phenomenon: 'SV-#' })).toBe('multiblimp');
    expect(detectRowFormat({ sentence_good: 'a', sentence_bad: 'b' })).toBeUndefined();
  });

  it('detects the format of each sample file when format is auto, whatever the file name', async () => {
    const blimpCopy = writeFixture('anything.jsonl', [blimpRow()]);
    const clamsCopy = writeFixture('whatever.jsonl', [clamsRow()]);
    expect((await importTaskFile(blimpCopy)).format).toBe('blimp');
    expect((await importTaskFile(clamsCopy)).format).toBe('clams');
  });

  it('fails on line 1 when no format fits the fields', async () => {
    const error = await expectTaskFileError(importTaskFile(writeFixture('odd.jsonl', [{ a: 1 }])));
    expect(error.message).toMatch(/odd\.jsonl: line 1: cannot tell the format/);
  });

  it('a forced format reads rows with that format only', async () => {
    const error = await expectTaskFileError(
      importTaskFile(join(dataDir, 'blimp/anaphor_number_agreement.jsonl'), { format: 'clams' }),
    );
    expect(error.message).toMatch(/line 1: missing field `clean_prefix`/);
  });

  it('returns format null for an empty file in auto mode', async () => {
    const result = await importTaskFile(writeFixture('empty_task.jsonl', ['']));
    expect(result).toMatchObject({ format: null, pairs: [], skipped: [] });
  });
});
