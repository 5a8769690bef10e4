import type { AnnotationFields } from '../../shared/domain';
import { formatLanguages } from '../../shared/languages';
import type { AdjudicationAnswer, GoldRecord } from '../../shared/review';

// Adjudication as plain data: the annotators' answers side by side (which fields differ), and the gold
// record being built from them: one annotator's answer picked whole, or each field taken from whoever
// said it best (or kept from the current gold record). Nothing here touches the annotators' answers.

/** The fields an adjudicator decides; each may come from a different answer. */
export const goldFieldKeys = [
  'description',
  'interpretability',
  'complexity',
  'languages',
  'isUninterpretable',
  'lifecycle',
  'isFlagged',
  'notes',
] as const;
export type GoldFieldKey = (typeof goldFieldKeys)[number];

export const goldFieldLabels: Record<GoldFieldKey, string> = {
  description: 'Description',
  interpretability: 'Interpretability',
  complexity: 'Complexity',
  languages: 'Languages',
  isUninterpretable: 'Uninterpretable',
  lifecycle: 'Lifecycle label',
  isFlagged: 'Flag',
  notes: 'Notes',
};

/** The annotation fields each decided field carries (languages with "all", the label with its reason). */
const parts: Record<GoldFieldKey, ReadonlyArray<keyof AnnotationFields>> = {
  description: ['description'],
  interpretability: ['interpretability'],
  complexity: ['complexity'],
  languages: ['languages', 'isAllLanguages'],
  isUninterpretable: ['isUninterpretable'],
  lifecycle: ['lifecycleOverride', 'lifecycleOverrideReason'],
  isFlagged: ['isFlagged'],
  notes: ['notes'],
};

const rating = (v: number | null): string => (v === null ? '—' : v.toFixed(1));

/** One field of an answer as the side-by-side table shows it. */
export function formatGoldField(key: GoldFieldKey, f: AnnotationFields): string {
  switch (key) {
    case 'description':
      return f.description.trim() === '' ? '—' : f.description;
    case 'interpretability':
      return rating(f.interpretability);
    case 'complexity':
      return rating(f.complexity);
    case 'languages':
      return formatLanguages(f.languages, f.isAllLanguages) || '—';
    case 'isUninterpretable':
      return f.isUninterpretable ? 'yes' : 'no';
    case 'lifecycle':
      if (f.lifecycleOverride === null) return 'RelIE category (no override)';
      return f.lifecycleOverrideReason.trim() === ''
        ? f.lifecycleOverride
        : `${f.lifecycleOverride} (${f.lifecycleOverrideReason})`;
    case 'isFlagged':
      return f.isFlagged ? 'flagged' : '—';
    case 'notes':
      return f.notes.trim() === '' ? '—' : f.notes;
  }
}

const valueOf = (key: GoldFieldKey, f: AnnotationFields): string =>
  JSON.stringify(parts[key].map((p) => f[p]));

export interface DiffRow {
  key: GoldFieldKey;
  label: string;
  /** One cell per answer, in the answers' order. */
  cells: Array<{ annotatorId: number; text: string }>;
  /** The answers do not all say the same. */
  isDifferent: boolean;
}

/** The side-by-side table: one row per decided field, one cell per annotator. */
export function diffRows(answers: readonly AdjudicationAnswer[]): DiffRow[] {
  return goldFieldKeys.map((key) => ({
    key,
    label: goldFieldLabels[key],
    cells: answers.map((a) => ({ annotatorId: a.annotatorId, text: formatGoldField(key, a.fields) })),
    isDifferent: new Set(answers.map((a) => valueOf(key, a.fields))).size > 1,
  }));
}

/** Where a gold field comes from: an annotator's answer, or the current gold record. */
export type GoldPick = { kind: 'answer'; annotatorId: number } | { kind: 'gold' };

export type GoldDraft = Partial<Record<GoldFieldKey, GoldPick>>;

/** Starting point: the current gold record's fields when there is one, else nothing chosen. */
export const initialDraft = (gold: GoldRecord | null): GoldDraft =>
  gold === null ? {} : Object.fromEntries(goldFieldKeys.map((k) => [k, { kind: 'gold' } as GoldPick]));

/** Every field from one annotator's answer. */
export const pickAnswer = (annotatorId: number): GoldDraft =>
  Object.fromEntries(goldFieldKeys.map((k) => [k, { kind: 'answer', annotatorId } as GoldPick]));

export const pickField = (draft: GoldDraft, key: GoldFieldKey, pick: GoldPick): GoldDraft => ({
  ...draft,
  [key]: pick,
});

export const isPicked = (draft: GoldDraft, key: GoldFieldKey, pick: GoldPick): boolean => {
  const p = draft[key];
  if (p === undefined || p.kind !== pick.kind) return false;
  return p.kind === 'gold' || (pick.kind === 'answer' && p.annotatorId === pick.annotatorId);
};

export interface BuiltGold {
  /** The gold fields (status done, no time spent); null while a field has no source. */
  fields: AnnotationFields | null;
  /** Fields not chosen yet (or chosen from an answer or gold record that is not there). */
  missing: GoldFieldKey[];
  /** The answers' revisions used, one per annotator, in the answers' order. */
  sources: Array<{ annotatorId: number; revisionId: number }>;
  /** Annotators whose answer the draft takes every field from (a pick rather than a merge). */
  pickedWhole: number | null;
}

/** The gold record a draft describes, with the revisions it cites. */
export function buildGold(
  draft: GoldDraft,
  answers: readonly AdjudicationAnswer[],
  gold: GoldRecord | null,
): BuiltGold {
  const byId = new Map(answers.map((a) => [a.annotatorId, a]));
  const missing: GoldFieldKey[] = [];
  const used = new Set<number>();
  const fields: Partial<AnnotationFields> = {};
  for (const key of goldFieldKeys) {
    const pick = draft[key];
    const from =
      pick === undefined
        ? undefined
        : pick.kind === 'gold'
          ? gold?.fields
          : byId.get(pick.annotatorId)?.fields;
    if (from === undefined) {
      missing.push(key);
      continue;
    }
    if (pick?.kind === 'answer') used.add(pick.annotatorId);
    for (const p of parts[key]) Object.assign(fields, { [p]: from[p] });
  }
  const sources = answers
    .filter((a) => used.has(a.annotatorId))
    .map((a) => ({ annotatorId: a.annotatorId, revisionId: a.revisionId }));
  const isWhole =
    missing.length === 0 && used.size === 1 && goldFieldKeys.every((k) => draft[k]?.kind === 'answer');
  return {
    fields: missing.length > 0 ? null : ({ ...fields, timeSpentMs: 0, status: 'done' } as AnnotationFields),
    missing,
    sources,
    pickedWhole: isWhole ? (sources[0]?.annotatorId ?? null) : null,
  };
}

/** The sentence under the save button: what the gold record will be made of. */
export function describeDraft(built: BuiltGold, answers: readonly AdjudicationAnswer[]): string {
  if (built.missing.length > 0)
    return `Choose a value for: ${built.missing.map((k) => goldFieldLabels[k].toLowerCase()).join(', ')}.`;
  const names = built.sources.map((s) => answers.find((a) => a.annotatorId === s.annotatorId)?.name ?? '?');
  if (built.pickedWhole !== null) return `Picks ${names[0] ?? '?'}’s answer.`;
  if (names.length === 0) return 'Keeps the current gold record’s fields.';
  return `Merges fields from ${names.join(', ')}.`;
}
