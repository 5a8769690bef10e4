import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { importTaskFile, TaskFileError } from '../../../../src/core/tasks/importers';
import { knownLanguageCode, languageOfTaskName, toIso639_3 } from '../../../../src/core/tasks/language-codes';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Issue 9: the language on every task item (ISO 639-3), and a clear error for an unknown code.

const dataDir = fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const tmp = createTmpDirs('ctt-task-languages-');
afterAll(() => tmp.cleanup());

function write(relative: string, lines: readonly (string | object)[]): string {
  const file = join(tmp.make(), relative);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  return file;
}

const clams = (prefix: string, good: string, bad: string, extra: Record<string, unknown> = {}) => ({
  sentence_good: `${prefix}${good}`,
  sentence_bad: `${prefix}${bad}`,
  clean_prefix: prefix,
  clean_answer: good,
  patch_answer: bad,
  skip: false,
  ...extra,
});

async function failure(promise: Promise<unknown>): Promise<TaskFileError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(TaskFileError);
  return error as TaskFileError;
}

describe('language codes', () => {
  it('accepts every ISO 639-3 code and maps ISO 639-1 through the package table', () => {
    expect(toIso639_3('ces')).toBe('ces');
    expect(toIso639_3('wbp')).toBe('wbp');
    expect(toIso639_3('sv')).toBe('swe');
    expect(toIso639_3('cs')).toBe('ces');
    expect(toIso639_3('EN')).toBe('eng');
    // Standard Arabic, as MultiBLiMP and BLOOM use it, not the macrolanguage.
    expect(toIso639_3('ar')).toBe('arb');
    expect(toIso639_3('Swedish')).toBe('swe');
    expect(toIso639_3('xqz')).toBeUndefined();
    expect(toIso639_3('qq')).toBeUndefined();
  });

  it('reads languages from file-name pieces only for the study table', () => {
    // "rel" and "sub" are ISO 639-3 codes, "sv" is Swedish: none of them names a CLAMS file's language.
    expect(toIso639_3('rel')).toBe('rel');
    expect(knownLanguageCode('rel')).toBeUndefined();
    expect(knownLanguageCode('sv')).toBeUndefined();
    expect(knownLanguageCode('fr')).toBe('fra');
  });

  it('tells a task name’s language: .xxx suffix, multiblimp_xxx, CLAMS en_/fr_, or none', () => {
    expect(languageOfTaskName('sv_pp_attractor.eng')).toBe('eng');
    expect(languageOfTaskName('sv_pp_attractor.fra')).toBe('fra');
    expect(languageOfTaskName('multiblimp_hin')).toBe('hin');
    expect(languageOfTaskName('multiblimp_ces_all')).toBe('ces');
    expect(languageOfTaskName('en_simple_agrmt')).toBe('eng');
    expect(languageOfTaskName('fr_simple_agrmt')).toBe('fra');
    expect(languageOfTaskName('sv_simple_fra')).toBe('fra');
    expect(languageOfTaskName('regular_plural_subject_verb_agreement_1')).toBeNull();
    expect(languageOfTaskName('obj_rel_across_anim')).toBeNull();
    expect(languageOfTaskName('subj_rel')).toBeNull();
  });
});

describe('the language on each item', () => {
  it('CLAMS en and fr (the real files): eng and fra on every pair', async () => {
    const en = await importTaskFile(join(dataDir, 'clams/en_simple_agrmt.jsonl'));
    const fr = await importTaskFile(join(dataDir, 'clams/fr_simple_agrmt.jsonl'));
    expect(new Set(en.pairs.map((p) => p.language))).toEqual(new Set(['eng']));
    expect(new Set(fr.pairs.map((p) => p.language))).toEqual(new Set(['fra']));
    expect(en.pairs.length).toBeGreaterThan(0);
    expect(fr.pairs.length).toBeGreaterThan(0);
  });

  it('a CLAMS file that mixes languages keeps each row’s own code (639-1 or 639-3)', async () => {
    const file = write('mixed_agrmt.jsonl', [
      clams('The author', ' is', ' are', { lang: 'en' }),
      clams("L'auteur", ' est', ' sont', { lang: 'fra' }),
      clams('Der Autor', ' ist', ' sind', { language: 'de' }),
    ]);
    const { pairs } = await importTaskFile(file);
    expect(pairs.map((p) => p.language)).toEqual(['eng', 'fra', 'deu']);
  });

  it('a file named like an ISO code but not a per-language file names no language', async () => {
    // "toy" is an ISO 639-3 code (Topoiyo); a CLAMS file called toy.jsonl is not in it.
    const { pairs } = await importTaskFile(write('toy.jsonl', [clams('The author', ' is', ' are')]));
    expect(pairs[0]?.language).toBe('und');
  });

  it('MultiBLiMP: the language from `lang`, the hub folder `{lang}/data.tsv`, or a `{lang}.tsv` stem', async () => {
    const header = 'sen\twrong_sen\tphenomenon';
    const row = 'Psi běží .\tPsi běžíš .\tSV-P';
    const hub = await importTaskFile(write('ces/data.tsv', [header, row]));
    expect(hub.pairs[0]).toMatchObject({ language: 'ces', taskName: 'multiblimp_ces' });
    const stem = await importTaskFile(write('hin.tsv', [header, row]));
    expect(stem.pairs[0]?.language).toBe('hin');
    const named = await importTaskFile(
      write('pairs.tsv', ['sen\twrong_sen\tlang', 'Los perros corren .\tLos perros corre .\tspa']),
    );
    expect(named.pairs[0]).toMatchObject({ language: 'spa', taskName: 'multiblimp_spa' });
  });
});

describe('unknown language codes in task data', () => {
  it('fail the import naming the file, the line and the code (CLAMS `lang`)', async () => {
    const file = write('en_agrmt.jsonl', [
      clams('The author', ' is', ' are'),
      clams('The dog', ' runs', ' run', { lang: 'xx' }),
    ]);
    const error = await failure(importTaskFile(file));
    expect(error.file).toBe(file);
    expect(error.line).toBe(2);
    expect(error.message).toContain(file);
    expect(error.message).toMatch(/line 2: unknown language code "xx" in `lang`: expected an ISO 639-3 code/);
  });

  it('fail for a BLiMP `language` and a MultiBLiMP `lang` too; `skip` sets the line aside', async () => {
    const blimp = write('agreement.jsonl', [
      {
        sentence_good: 'Susan revealed herself.',
        sentence_bad: 'Susan revealed themselves.',
        one_prefix_prefix: 'Susan revealed',
        one_prefix_word_good: 'herself',
        one_prefix_word_bad: 'themselves',
        UID: 'anaphor',
        pairID: '0',
        language: 'Englisch',
      },
    ]);
    expect((await failure(importTaskFile(blimp))).message).toMatch(
      /line 1: unknown language code "Englisch" in `language`/,
    );
    const tsv = write('pairs.tsv', ['sen\twrong_sen\tlang', 'a b c\ta b d\teng', 'a b c\ta b d\tzzz']);
    const error = await failure(importTaskFile(tsv));
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/unknown language code "zzz" in `lang`/);
    const skipped = await importTaskFile(tsv, { onMalformed: 'skip' });
    expect(skipped.pairs.map((p) => p.language)).toEqual(['eng']);
    expect(skipped.skipped).toEqual([
      { line: 3, code: 'malformed', reason: expect.stringMatching(/unknown language code "zzz"/) },
    ]);
  });

  it('a caller language wins over the rows; an unknown caller language names the option', async () => {
    const file = write('x_agrmt.jsonl', [clams('The author', ' is', ' are', { lang: 'xx' })]);
    expect((await importTaskFile(file, { language: 'en' })).pairs[0]?.language).toBe('eng');
    await expect(importTaskFile(file, { language: 'xq' })).rejects.toThrow(
      /unknown language code "xq" in the `language` option/,
    );
  });
});
