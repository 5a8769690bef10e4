/**
 * Language codes for tasks. Every minimal pair carries an ISO 639-3 code (`eng`, `fra`, `arb`, …);
 * the files name languages in several ways (CLAMS file names use ISO 639-1 `en_`/`fr_`, MultiBLiMP
 * uses 639-3 codes and sometimes English names), so they are normalised here.
 */

/** ISO 639-1 → ISO 639-3 for the languages the paper's models and tasks cover, plus a few neighbours. */
const fromTwoLetter: Readonly<Record<string, string>> = {
  en: 'eng',
  fr: 'fra',
  es: 'spa',
  pt: 'por',
  // MultiBLiMP and BLOOM use Standard Arabic (`arb`), not the macrolanguage `ara`.
  ar: 'arb',
  hi: 'hin',
  de: 'deu',
  nl: 'nld',
  it: 'ita',
  ru: 'rus',
  tr: 'tur',
  zh: 'zho',
  ja: 'jpn',
};

/** English language names (lower case) → ISO 639-3. */
const fromName: Readonly<Record<string, string>> = {
  english: 'eng',
  french: 'fra',
  spanish: 'spa',
  portuguese: 'por',
  arabic: 'arb',
  hindi: 'hin',
  german: 'deu',
  dutch: 'nld',
  italian: 'ita',
  russian: 'rus',
  turkish: 'tur',
  chinese: 'zho',
  japanese: 'jpn',
};

/** ISO 639-3 "undetermined": used when neither the row, the file name nor the caller names a language. */
export const UNDETERMINED_LANGUAGE = 'und';

/**
 * Normalises a language code or name to ISO 639-3, or returns undefined when it is not recognised.
 * Three lower-case letters are taken as a 639-3 code as they are.
 */
export function toIso639_3(value: string): string | undefined {
  const text = value.trim().toLowerCase();
  if (/^[a-z]{3}$/.test(text)) return text;
  if (/^[a-z]{2}$/.test(text)) return fromTwoLetter[text];
  return fromName[text];
}

const knownCodes = new Set([...Object.values(fromTwoLetter), ...Object.values(fromName)]);

/**
 * Like `toIso639_3`, but only for codes in the tables above: used on pieces of file names, where an
 * arbitrary three-letter word (`obj_rel_…`) must not be mistaken for a language.
 */
export function knownLanguageCode(value: string): string | undefined {
  const code = toIso639_3(value);
  return code !== undefined && knownCodes.has(code) ? code : undefined;
}
