import { z } from 'zod';
import type { FeatureScores } from './annotation';
import type { LanguageTag } from './domain';

/*
 * A suggested value for a feature's languages field (the study annotates languages for BLOOM), from
 * where the feature's effect lies:
 *
 *   share(l) = w(l) / Σ_l' w(l'),   w(l) = Σ over the indexed attributions' task pairs of language l of
 *                                          Σ_m |IE_m| of the feature on that pair
 *
 * (the pairs where the feature is in a checkpoint's kept top list; `feature_item_effects`). A language
 * with share ≥ 20% is suggested, tentative (`*`) below 50%. Pairs whose task names no language count in
 * the total under `null` and are never suggested, so a feature mostly seen on unlabelled tasks gets a
 * weak suggestion or none. When the activation corpus records languages (it does not yet: the top
 * contexts are generic LM text), the share of the feature's top-context tokens per language is a second
 * source and the two share vectors are averaged.
 */

/** A language is suggested from this share up. */
export const minSuggestedShare = 0.2;
/** Below this share a suggested language is tentative. */
export const confidentShare = 0.5;

/** Weight (Σ |IE|, or a token count) seen on items of one language; `null`: items of no known language. */
export interface LanguageEvidence {
  language: string | null;
  weight: number;
}

export const languageShareSchema = z.object({
  /** ISO 639-3 code; null for items whose task names no language. */
  code: z.string().nullable(),
  share: z.number(),
  weight: z.number(),
});
export type LanguageShare = z.infer<typeof languageShareSchema>;

export const suggestedLanguageSchema = z.object({
  code: z.string(),
  isTentative: z.boolean(),
  share: z.number(),
});

export const languageSuggestionSchema = z.object({
  /** Languages with share ≥ 20%, largest share first; tentative below 50%. Empty: nothing to suggest. */
  tags: z.array(suggestedLanguageSchema),
  /** Every language seen, largest share first (the combined share when there are two sources). */
  shares: z.array(languageShareSchema),
  /** `itemIe`: |IE| on the kept per-pair lists; `taskIe`: the task's mean |IE| × pairs (results without
   *  per-pair lists); `none`: no attribution has any effect of this feature. */
  basis: z.enum(['itemIe', 'taskIe', 'none']),
  /** Per indexed attribution: its task, the language the task name gives (null: none) and its weight. */
  tasks: z.array(z.object({ task: z.string(), language: z.string().nullable(), weight: z.number() })),
  /** Whether the top contexts' languages were used (false while the activation corpus records none). */
  hasContextLanguages: z.boolean(),
});
export type LanguageSuggestion = z.infer<typeof languageSuggestionSchema>;

/** Shares per language of `evidence` (weights summed per language; non-finite or negative weights dropped). */
export function languageShares(evidence: readonly LanguageEvidence[]): LanguageShare[] {
  const weights = new Map<string | null, number>();
  for (const { language, weight } of evidence) {
    if (!Number.isFinite(weight) || weight <= 0) continue;
    weights.set(language, (weights.get(language) ?? 0) + weight);
  }
  const total = [...weights.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return [];
  return [...weights.entries()]
    .map(([code, weight]) => ({ code, weight, share: weight / total }))
    .sort(byShare);
}

function byShare(a: LanguageShare, b: LanguageShare): number {
  return b.share - a.share || (a.code ?? '~').localeCompare(b.code ?? '~');
}

/** The mean of two share vectors (a language missing from one has share 0 there); weights are summed. */
export function combineShares(a: readonly LanguageShare[], b: readonly LanguageShare[]): LanguageShare[] {
  if (a.length === 0) return [...b];
  if (b.length === 0) return [...a];
  const codes = new Set([...a, ...b].map((s) => s.code));
  return [...codes]
    .map((code) => {
      const x = a.find((s) => s.code === code);
      const y = b.find((s) => s.code === code);
      return {
        code,
        share: ((x?.share ?? 0) + (y?.share ?? 0)) / 2,
        weight: (x?.weight ?? 0) + (y?.weight ?? 0),
      };
    })
    .sort(byShare);
}

/** The languages to suggest from shares: ≥ 20%, tentative below 50%, largest share first. */
export function suggestFromShares(shares: readonly LanguageShare[]): LanguageSuggestion['tags'] {
  return shares
    .filter((s): s is LanguageShare & { code: string } => s.code !== null && s.share >= minSuggestedShare)
    .map((s) => ({ code: s.code, isTentative: s.share < confidentShare, share: s.share }));
}

/** The suggestion as the form's languages value (every suggested code is an ISO 639-3 code). */
export function suggestionTags(suggestion: Pick<LanguageSuggestion, 'tags'>): LanguageTag[] {
  return suggestion.tags.map((t) => ({ code: t.code, isTentative: t.isTentative, isCustom: false }));
}

/** Whether the form's languages already say what the suggestion says (same codes, same tentativeness). */
export function isSuggestionApplied(
  suggestion: Pick<LanguageSuggestion, 'tags'>,
  tags: readonly Pick<LanguageTag, 'code' | 'isTentative'>[],
  isAllLanguages: boolean,
): boolean {
  if (isAllLanguages || tags.length !== suggestion.tags.length) return false;
  return suggestion.tags.every((s) => tags.some((t) => t.code === s.code && t.isTentative === s.isTentative));
}

/** "eng 62%, fra* 31%" (a `*` marks a tentative one). */
export function describeSuggestion(suggestion: Pick<LanguageSuggestion, 'tags'>): string {
  return suggestion.tags
    .map((t) => `${t.code}${t.isTentative ? '*' : ''} ${Math.round(t.share * 100)}%`)
    .join(', ');
}

const absSum = (values: readonly (number | null)[]): number =>
  values.reduce<number>((sum, v) => (v === null || !Number.isFinite(v) ? sum : sum + Math.abs(v)), 0);

/**
 * The suggestion for one feature from its scores on every indexed attribution of the run: per task,
 * Σ over its kept pairs of Σ_m |IE_m| (basis `itemIe`); when no attribution kept pairs for the feature,
 * the task's mean |IE| summed over checkpoints × its pairs (`taskIe`). `languageOf` maps a task name to
 * its ISO 639-3 code (null: the name gives none); `pairsOf` gives an attribution's pair count.
 * `contextEvidence`: token counts per language of the top contexts, when the corpus records languages.
 */
export function suggestFeatureLanguages(
  scores: readonly Pick<FeatureScores, 'attributionId' | 'task' | 'ie' | 'items'>[],
  options: {
    languageOf: (task: string) => string | null;
    pairsOf: (attributionId: string) => number;
    contextEvidence?: readonly LanguageEvidence[];
  },
): LanguageSuggestion {
  const hasItems = scores.some((s) => s.items.length > 0);
  const tasks = scores.map((s) => ({
    task: s.task,
    language: options.languageOf(s.task),
    weight: hasItems
      ? s.items.reduce((sum, item) => sum + absSum(item.ie), 0)
      : options.pairsOf(s.attributionId) * absSum(s.ie),
  }));
  const ieShares = languageShares(tasks);
  const contextShares = languageShares(options.contextEvidence ?? []);
  const shares = combineShares(ieShares, contextShares);
  return {
    tags: suggestFromShares(shares),
    shares,
    basis: ieShares.length === 0 ? 'none' : hasItems ? 'itemIe' : 'taskIe',
    tasks,
    hasContextLanguages: contextShares.length > 0,
  };
}
