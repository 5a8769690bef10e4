import type {
  AgreementReport,
  AnnotatorRatingSummary,
  DisagreementItem,
  ReviewStatistic,
} from '../../shared/review';

// The agreement panel as plain data: which statistic each row shows, how a value or its absence reads,
// and the per-annotator bias and spread table (one row per annotator, both ratings side by side).

/** A statistic as text: the value to `digits` decimals, or "undefined: <reason>" when it has none. */
export function formatStatistic(stat: ReviewStatistic, digits = 3): string {
  if (stat.value === null || !Number.isFinite(stat.value)) {
    const reason = stat.reason?.trim();
    return `undefined: ${reason === undefined || reason === '' ? 'no reason given' : reason}`;
  }
  const text = stat.value.toFixed(digits);
  // "-0.000" reads as a sign where there is none.
  return /^-0\.0*$/.test(text) ? text.slice(1) : text;
}

/** A signed value (bias): "+0.12", "−0.05", "0.00"; undefined as in `formatStatistic`. */
export function formatSigned(stat: ReviewStatistic, digits = 2): string {
  if (stat.value === null || !Number.isFinite(stat.value)) return formatStatistic(stat, digits);
  const text = Math.abs(stat.value).toFixed(digits);
  if (Number(text) === 0) return text;
  return `${stat.value > 0 ? '+' : '−'}${text}`;
}

export interface AgreementRow {
  key: string;
  label: string;
  measure: string;
  stat: ReviewStatistic;
  /** The statistic text (value or "undefined: reason"). */
  text: string;
  isDefined: boolean;
}

/** The rows of the agreement panel, in reading order: the nominal α, the interval α, then ICC(2,1). */
export function agreementRows(report: AgreementReport): AgreementRow[] {
  const row = (key: string, label: string, measure: string, stat: ReviewStatistic): AgreementRow => ({
    key,
    label,
    measure,
    stat,
    text: formatStatistic(stat),
    isDefined: stat.value !== null && Number.isFinite(stat.value),
  });
  return [
    row('alpha-lifecycle', 'Lifecycle label', 'Krippendorff’s α (nominal)', report.alpha.lifecycle),
    row(
      'alpha-uninterpretable',
      'Uninterpretable',
      'Krippendorff’s α (nominal)',
      report.alpha.uninterpretable,
    ),
    row(
      'alpha-interpretability',
      'Interpretability',
      'Krippendorff’s α (interval)',
      report.alpha.interpretability,
    ),
    row('alpha-complexity', 'Complexity', 'Krippendorff’s α (interval)', report.alpha.complexity),
    row('icc-interpretability', 'Interpretability', 'ICC(2,1)', report.icc.interpretability),
    row('icc-complexity', 'Complexity', 'ICC(2,1)', report.icc.complexity),
  ];
}

export interface AnnotatorBiasRow {
  annotatorId: number;
  name: string;
  interpretability: AnnotatorRatingSummary | null;
  complexity: AnnotatorRatingSummary | null;
}

/** One row per annotator (in the report's order), with the interpretability and complexity summaries. */
export function annotatorBiasRows(summaries: readonly AnnotatorRatingSummary[]): AnnotatorBiasRow[] {
  const rows = new Map<number, AnnotatorBiasRow>();
  for (const s of summaries) {
    const row = rows.get(s.annotatorId) ?? {
      annotatorId: s.annotatorId,
      name: s.name,
      interpretability: null,
      complexity: null,
    };
    row[s.field] = s;
    rows.set(s.annotatorId, row);
  }
  return [...rows.values()];
}

/** A per-feature disagreement score (0 = unanimous); "—" when fewer than 2 annotators gave a value. */
export const formatScore = (score: number | null, digits = 2): string =>
  score === null || !Number.isFinite(score) ? '—' : score.toFixed(digits);

/** The fields whose score is the item's largest (for highlighting what the annotators disagree on). */
export function largestFields(item: DisagreementItem): string[] {
  const entries = (['lifecycle', 'uninterpretable', 'interpretability', 'complexity'] as const)
    .map((k) => [k, item.scores[k]] as const)
    .filter((e): e is readonly [(typeof e)[0], number] => e[1] !== null && e[1] > 0);
  if (entries.length === 0) return [];
  const top = Math.max(...entries.map((e) => e[1]));
  return entries.filter((e) => e[1] === top).map((e) => e[0]);
}
