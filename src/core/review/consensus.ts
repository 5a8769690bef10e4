/**
 * The record an export shows for a feature: its gold record when one was adjudicated, else a consensus
 * of the annotators' submitted (done) answers by these rules:
 *
 * - uninterpretable: when a strict majority of the answers say so (a tie counts as interpretable);
 * - description: among the answers on the majority side with a non-empty description, the one with the
 *   highest interpretability rating (empty rating lowest), ties by annotator name; "-" marks an
 *   uninterpretable feature without a description (the original study's convention);
 * - interpretability, complexity: the mean of the ratings given (empty when none);
 * - languages: each code listed by at least half of the answers, tentative (`*`) when any of them
 *   marked it so; `all` when at least half said every language;
 * - lifecycle label: an override held by a strict majority of the answers, else none (the RelIE
 *   category stands);
 * - agreement: 1 − the feature's overall disagreement (`agreement-report.ts`: the mean over lifecycle,
 *   uninterpretable, interpretability and complexity of 1 − modal share or the ratings' sample SD);
 *   null with fewer than 2 answers. It is computed from the annotators' answers even when a gold record
 *   exists.
 * One answer is taken as it is (`single`); no answer gives an empty record (`none`).
 */
import type { AnnotationFields, LifecycleCategory } from '../../shared/domain';
import { formatLanguages } from '../../shared/languages';
import { disagreementScores } from './agreement-report';

export interface NamedAnswer {
  name: string;
  fields: AnnotationFields;
}

export type RecordSource = 'gold' | 'consensus' | 'single' | 'none';

export interface FeatureRecord {
  source: RecordSource;
  description: string;
  isUninterpretable: boolean;
  interpretability: number | null;
  complexity: number | null;
  /** `formatLanguages` form: sorted codes, `*` after tentative ones, `all`. */
  languages: string;
  lifecycleLabel: LifecycleCategory | null;
  /** Names of the annotators whose answers were considered, sorted. */
  annotators: string[];
  agreement: number | null;
}

/** "-" for an uninterpretable feature without a description, else the description. */
export const shownDescription = (fields: { description: string; isUninterpretable: boolean }): string =>
  fields.isUninterpretable && fields.description.trim() === '' ? '-' : fields.description;

const mean = (xs: readonly number[]): number | null =>
  xs.length === 0 ? null : xs.reduce((a, x) => a + x, 0) / xs.length;

const fromFields = (
  source: RecordSource,
  fields: AnnotationFields,
  annotators: string[],
  agreement: number | null,
): FeatureRecord => ({
  source,
  description: fields.description,
  isUninterpretable: fields.isUninterpretable,
  interpretability: fields.interpretability,
  complexity: fields.complexity,
  languages: formatLanguages(fields.languages, fields.isAllLanguages),
  lifecycleLabel: fields.lifecycleOverride,
  annotators,
  agreement,
});

function consensusLanguages(answers: readonly NamedAnswer[]): string {
  const half = answers.length / 2;
  const all = answers.filter((a) => a.fields.isAllLanguages).length;
  const listed = new Map<string, { count: number; isTentative: boolean }>();
  for (const a of answers)
    for (const tag of a.fields.languages) {
      const entry = listed.get(tag.code) ?? { count: 0, isTentative: false };
      listed.set(tag.code, { count: entry.count + 1, isTentative: entry.isTentative || tag.isTentative });
    }
  const tags = [...listed]
    .filter(([, e]) => e.count >= half)
    .map(([code, e]) => ({ code, isTentative: e.isTentative }));
  return formatLanguages(tags, all > 0 && all >= half);
}

function majorityOverride(answers: readonly NamedAnswer[]): LifecycleCategory | null {
  const counts = new Map<LifecycleCategory, number>();
  for (const a of answers) {
    const o = a.fields.lifecycleOverride;
    if (o !== null) counts.set(o, (counts.get(o) ?? 0) + 1);
  }
  for (const [label, n] of counts) if (n > answers.length / 2) return label;
  return null;
}

/** The consensus of several answers (see the file comment); `category` is the feature's RelIE category. */
export function consensusOf(answers: readonly NamedAnswer[], category: string): FeatureRecord {
  const sorted = [...answers].sort((a, b) => a.name.localeCompare(b.name));
  const names = sorted.map((a) => a.name);
  if (sorted.length === 0)
    return {
      source: 'none',
      description: '',
      isUninterpretable: false,
      interpretability: null,
      complexity: null,
      languages: '',
      lifecycleLabel: null,
      annotators: [],
      agreement: null,
    };
  if (sorted.length === 1) return fromFields('single', sorted[0]!.fields, names, null);
  const overall = disagreementScores(
    sorted.map((a) => a.fields),
    category,
  ).overall;
  const agreement = overall === null ? null : 1 - overall;
  const uninterpretable = sorted.filter((a) => a.fields.isUninterpretable).length;
  const isUninterpretable = uninterpretable > sorted.length / 2;
  const candidates = sorted
    .filter((a) => a.fields.isUninterpretable === isUninterpretable && a.fields.description.trim() !== '')
    .sort((a, b) => (b.fields.interpretability ?? -1) - (a.fields.interpretability ?? -1));
  const ratings = (pick: (f: AnnotationFields) => number | null): number | null =>
    mean(sorted.map((a) => pick(a.fields)).filter((v): v is number => v !== null));
  return {
    source: 'consensus',
    description: candidates[0]?.fields.description ?? '',
    isUninterpretable,
    interpretability: ratings((f) => f.interpretability),
    complexity: ratings((f) => f.complexity),
    languages: consensusLanguages(sorted),
    lifecycleLabel: majorityOverride(sorted),
    annotators: names,
    agreement,
  };
}

/** The gold record's fields, with the annotators and agreement of the answers it was adjudicated from. */
export function goldRecordOf(
  gold: AnnotationFields,
  answers: readonly NamedAnswer[],
  category: string,
): FeatureRecord {
  const consensus = consensusOf(answers, category);
  return fromFields('gold', gold, consensus.annotators, consensus.agreement);
}
