/**
 * Language codes for tasks. Every minimal pair carries an ISO 639-3 code (`eng`, `fra`, `arb`, …);
 * the files name languages in several ways (CLAMS file names use ISO 639-1 `en_`/`fr_`, MultiBLiMP
 * uses 639-3 codes and sometimes English names), so they are normalised here.
 *
 * - A code or name in the data (a row's `lang`/`language`, the caller's option) is checked against the
 *   whole ISO 639-3 table (`src/shared/languages.ts`); ISO 639-1 codes map through the `iso-639-3`
 *   package's 639-3 → 639-1 table read backwards. Anything else is an unknown code: the importers fail
 *   the line with the file, the line and the code (`languageField`).
 * - A piece of a file name (`en_simple_agrmt`, `eng/data.tsv`) counts only for the languages of the
 *   table below: "rel", "sub" or "src" are ISO 639-3 codes too, and must not turn a CLAMS construction
 *   or a folder into a language.
 */
import { iso6393, iso6393To1 } from 'iso-639-3';
import { isKnownLanguageCode } from '../../shared/languages';

/** ISO 639-1 → ISO 639-3 where the study differs from the plain reverse of the package's table. */
const preferredFromTwoLetter: Readonly<Record<string, string>> = {
  // MultiBLiMP and BLOOM use Standard Arabic (`arb`), not the macrolanguage `ara`.
  ar: 'arb',
};

const fromTwoLetter = new Map<string, string>(
  Object.entries(iso6393To1).map(([three, two]) => [two, preferredFromTwoLetter[two] ?? three]),
);

/** English language names (lower case) the study's files use, where they differ from ISO's names. */
const preferredFromName: Readonly<Record<string, string>> = { arabic: 'arb' };

const fromName = new Map<string, string>(
  iso6393
    .filter((language) => language.scope !== 'special')
    .map((language) => [language.name.toLowerCase(), language.iso6393]),
);

/** The languages a file name may name (the paper's models and tasks, and a few neighbours). */
const fileNameLanguages = new Set([
  'eng',
  'fra',
  'spa',
  'por',
  'arb',
  'hin',
  'deu',
  'nld',
  'ita',
  'rus',
  'tur',
  'zho',
  'jpn',
]);

/** ISO 639-3 "undetermined": used when neither the row, the file name nor the caller names a language. */
export const UNDETERMINED_LANGUAGE = 'und';

/**
 * Normalises a language code or name to ISO 639-3, or returns undefined when it is not recognised:
 * an ISO 639-3 code as it is, an ISO 639-1 code mapped (`en` → `eng`, `ar` → `arb`), or an English
 * language name (`French` → `fra`, `Arabic` → `arb`).
 */
export function toIso639_3(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (/^[a-z]{3}$/.test(text)) return isKnownLanguageCode(text) ? text : undefined;
  if (/^[a-z]{2}$/.test(text)) return fromTwoLetter.get(text);
  return preferredFromName[text] ?? fromName.get(text);
}

/**
 * Like `toIso639_3`, but only for the languages of `fileNameLanguages`: used on pieces of file names,
 * where an arbitrary short word (`obj_rel_…`, `sv_…`) must not be mistaken for a language.
 */
export function knownLanguageCode(value: string): string | undefined {
  const code = toIso639_3(value);
  return code !== undefined && fileNameLanguages.has(code) ? code : undefined;
}

/** The message for a language code the table does not know, naming the code and what is accepted. */
export function unknownLanguageMessage(value: string, where: string): string {
  return (
    `unknown language code ${JSON.stringify(value)} in ${where}: expected an ISO 639-3 code ` +
    '(eng, fra, deu, arb, …), an ISO 639-1 code (en, fr, de, …) or an English language name'
  );
}

/**
 * The language a task name (a task file's stem, as attributions are indexed) gives, or null:
 * a `.xxx` suffix that is an ISO 639-3 code (`sv_pp_attractor.eng`), `multiblimp_xxx`, or a leading
 * (`en_simple_agrmt`) or trailing (`sv_simple_fra`) code of the file-name table. BLiMP paradigm names
 * (`regular_plural_subject_verb_agreement_1`) name none.
 */
export function languageOfTaskName(task: string): string | null {
  const name = task.trim().toLowerCase();
  const dotted = /\.([a-z]{3})$/.exec(name)?.[1];
  if (dotted !== undefined && toIso639_3(dotted) !== undefined) return dotted;
  const multiblimp = /^multiblimp[_-]([a-z]{3})(?:[_-]|$)/.exec(name)?.[1];
  if (multiblimp !== undefined && toIso639_3(multiblimp) !== undefined) return multiblimp;
  const leading = /^([a-z]{2,3})[_-]/.exec(name)?.[1];
  const trailing = /[_-]([a-z]{2,3})$/.exec(name)?.[1];
  for (const piece of [leading, trailing]) {
    const code = piece === undefined ? undefined : knownLanguageCode(piece);
    if (code !== undefined) return code;
  }
  return null;
}
