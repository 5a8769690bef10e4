import { iso6393 } from 'iso-639-3';

// ISO 639-3 codes for the languages field (the `iso-639-3` package: the SIL code table as data).

const names = new Map<string, string>(iso6393.map((language) => [language.iso6393, language.name]));

export const isKnownLanguageCode = (code: string): boolean => names.has(code);

/** The English name of a code ("fra" → "French"), or null for a code outside ISO 639-3. */
export const languageName = (code: string): string | null => names.get(code) ?? null;

/** Living individual languages whose code or name starts with `prefix` (case-insensitive), best first. */
export function suggestLanguages(prefix: string, limit = 8): { code: string; name: string }[] {
  const query = prefix.trim().toLowerCase();
  if (query === '') return [];
  const exact: { code: string; name: string }[] = [];
  const rest: { code: string; name: string }[] = [];
  for (const language of iso6393) {
    if (language.type !== 'living' || language.scope === 'special') continue;
    const entry = { code: language.iso6393, name: language.name };
    if (language.iso6393 === query) exact.push(entry);
    else if (language.iso6393.startsWith(query) || language.name.toLowerCase().startsWith(query))
      rest.push(entry);
    if (rest.length >= limit * 4) break;
  }
  return [...exact, ...rest].slice(0, limit);
}

/** Export form of a languages value: sorted codes, `*` after tentative ones, `all` for every language. */
export function formatLanguages(
  tags: readonly { code: string; isTentative: boolean }[],
  isAllLanguages: boolean,
): string {
  if (isAllLanguages) return 'all';
  return [...tags]
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((t) => (t.isTentative ? `${t.code}*` : t.code))
    .join(',');
}
