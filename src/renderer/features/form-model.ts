import {
  annotationFieldsSchema,
  maxDescriptionLength,
  type AnnotationFields,
  type LanguageTag,
} from '../../shared/domain';
import { isKnownLanguageCode } from '../../shared/languages';

// The annotation form's rules, kept out of React: defaults, what changed, keyboard ratings, the
// description limit, language chips, and which field a server error names.

export type FormFieldKey = keyof AnnotationFields;

export const defaultFields = (): AnnotationFields => annotationFieldsSchema.parse({});

/** Names of the fields whose values differ (deep, by JSON). */
export function changedFields(a: AnnotationFields, b: AnnotationFields): FormFieldKey[] {
  return (Object.keys(a) as FormFieldKey[]).filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
}

export const sameFields = (a: AnnotationFields, b: AnnotationFields): boolean =>
  changedFields(a, b).filter((k) => k !== 'timeSpentMs').length === 0;

/** One decimal place, so 0.1 + 0.2 reads and stores as 0.3. */
export const roundRating = (value: number): number => Math.round(value * 10) / 10;

/** A rating typed as text: '' clears it; anything outside [0, 1] or not a number is refused. */
export function parseRating(text: string): { value: number | null } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { value: null };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'must be a number between 0 and 1' };
  if (value < 0 || value > 1) return { error: 'must be between 0 and 1' };
  return { value };
}

/**
 * A description edit: longer than the limit is refused (the text kept is cut at the limit) and the
 * caller shows `error`.
 */
export function acceptDescription(text: string): { value: string; error: string | null } {
  if (text.length <= maxDescriptionLength) return { value: text, error: null };
  return {
    value: text.slice(0, maxDescriptionLength),
    error: `At most ${maxDescriptionLength} characters: ${text.length - maxDescriptionLength} not kept.`,
  };
}

/**
 * Adds a language chip. A code outside ISO 639-3 is accepted only when `isCustom`; codes must be three
 * lowercase letters either way (the export format), and each code appears once.
 */
export function addLanguage(
  tags: readonly LanguageTag[],
  rawCode: string,
  options: { isCustom: boolean; isTentative?: boolean },
): { tags: LanguageTag[] } | { error: string } {
  const code = rawCode.trim().toLowerCase();
  if (!/^[a-z]{3}$/.test(code)) return { error: `"${rawCode.trim()}" is not three letters (ISO 639-3)` };
  if (tags.some((t) => t.code === code)) return { error: `"${code}" is already listed` };
  if (!options.isCustom && !isKnownLanguageCode(code)) {
    return { error: `"${code}" is not an ISO 639-3 code; tick "custom" to keep it` };
  }
  const isCustom = options.isCustom && !isKnownLanguageCode(code);
  return { tags: [...tags, { code, isTentative: options.isTentative ?? false, isCustom }] };
}

export const toggleTentative = (tags: readonly LanguageTag[], code: string): LanguageTag[] =>
  tags.map((t) => (t.code === code ? { ...t, isTentative: !t.isTentative } : t));

export const removeLanguage = (tags: readonly LanguageTag[], code: string): LanguageTag[] =>
  tags.filter((t) => t.code !== code);

/**
 * The form field a server error names: `input.fields.languages.0.code` → `languages`. Null when the
 * error names no annotation field.
 */
export function fieldOfError(field: string | undefined | null): FormFieldKey | null {
  if (!field) return null;
  const parts = field.split('.');
  const at = parts.indexOf('fields');
  const name = at >= 0 ? parts[at + 1] : parts[parts[0] === 'input' ? 1 : 0];
  return name !== undefined && Object.hasOwn(annotationFieldsSchema.shape, name)
    ? (name as FormFieldKey)
    : null;
}

/** Human label of a field, for history lines and messages. */
export const fieldLabels: Record<FormFieldKey, string> = {
  description: 'description',
  isUninterpretable: 'uninterpretable',
  interpretability: 'interpretability',
  complexity: 'complexity',
  languages: 'languages',
  isAllLanguages: 'all languages',
  lifecycleOverride: 'lifecycle override',
  lifecycleOverrideReason: 'override reason',
  isFlagged: 'flag',
  notes: 'notes',
  timeSpentMs: 'time',
  status: 'status',
};

/** The "Saved rev 4 · 12:01:33" line's time. */
export const clockTime = (iso: string): string => new Date(iso).toLocaleTimeString([], { hour12: false });
