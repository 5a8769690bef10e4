/**
 * Agreement between annotators on a set of features, from their current answers: the matrices
 * `agreement.ts` works on (features × annotators), the statistics of the review page, and per-feature
 * disagreement scores for "largest disagreement first".
 *
 * - lifecycle (nominal): the annotator's override, else the feature's RelIE category (an annotator who
 *   did not override agrees with the category);
 * - uninterpretable (nominal): `yes` / `no`;
 * - interpretability, complexity (interval, 0–1): null where the annotator left the rating empty.
 * Krippendorff's α for the four; ICC(2,1) for the two ratings on the features every annotator rated;
 * per-annotator bias and spread on the two ratings. A per-feature score is `unitDisagreement` per field
 * (nominal 1 − modal share, interval sample SD) and `overall` is the mean of the defined ones.
 */
import type { AnnotationFields } from '../../shared/domain';
import type { AgreementField, ReviewStatistic } from '../../shared/review';
import {
  annotatorSummaries,
  icc21,
  krippendorffAlpha,
  type Level,
  type Rating,
  type Statistic,
  unitDisagreement,
} from './agreement';

/** One feature with the current answers of the annotators (coder index → fields) in scope. */
export interface UnitAnswers {
  featureId: number;
  /** The feature's RelIE category on the attribution in scope. */
  category: string;
  answers: ReadonlyMap<number, AnnotationFields>;
}

export const agreementFields: readonly AgreementField[] = [
  'lifecycle',
  'uninterpretable',
  'interpretability',
  'complexity',
];
export const levelOf: Record<AgreementField, Level> = {
  lifecycle: 'nominal',
  uninterpretable: 'nominal',
  interpretability: 'interval',
  complexity: 'interval',
};

/** The value an answer gives for a field (null: no rating). */
export function ratingOf(field: AgreementField, fields: AnnotationFields, category: string): Rating {
  switch (field) {
    case 'lifecycle':
      return fields.lifecycleOverride ?? category;
    case 'uninterpretable':
      return fields.isUninterpretable ? 'yes' : 'no';
    case 'interpretability':
      return fields.interpretability;
    case 'complexity':
      return fields.complexity;
  }
}

/** features × coders for one field; coders are indices 0..coders-1 (a missing answer is null). */
export function ratingMatrix(
  units: readonly UnitAnswers[],
  coders: number,
  field: AgreementField,
): Rating[][] {
  return units.map((u) =>
    Array.from({ length: coders }, (_, c) => {
      const fields = u.answers.get(c);
      return fields === undefined ? null : ratingOf(field, fields, u.category);
    }),
  );
}

/** `Statistic` as the contract carries it, with the number of features it used. */
export function reviewStatistic(stat: Statistic<object>, units: number): ReviewStatistic {
  return stat.value === null
    ? { value: null, reason: stat.reason, units }
    : { value: stat.value, reason: null, units };
}

export interface AgreementStatistics {
  alpha: Record<AgreementField, ReviewStatistic>;
  icc: { interpretability: ReviewStatistic; complexity: ReviewStatistic };
  /** Per coder (index), per rating field. */
  summaries: {
    coder: number;
    field: 'interpretability' | 'complexity';
    rated: number;
    bias: ReviewStatistic;
    spread: ReviewStatistic;
  }[];
}

export function agreementStatistics(units: readonly UnitAnswers[], coders: number): AgreementStatistics {
  const alphaOf = (field: AgreementField): ReviewStatistic => {
    const stat = krippendorffAlpha(ratingMatrix(units, coders, field), levelOf[field]);
    return reviewStatistic(stat, stat.value === null ? 0 : stat.pairableUnits);
  };
  const iccOf = (field: 'interpretability' | 'complexity'): ReviewStatistic => {
    const stat = icc21(ratingMatrix(units, coders, field));
    return reviewStatistic(stat, stat.value === null ? 0 : stat.units);
  };
  const summaries = (['interpretability', 'complexity'] as const).flatMap((field) =>
    annotatorSummaries(ratingMatrix(units, coders, field)).map((s) => ({
      coder: s.coder,
      field,
      rated: s.rated,
      bias: reviewStatistic(s.bias, s.bias.value === null ? 0 : s.bias.sharedUnits),
      spread: reviewStatistic(s.spread, s.spread.value === null ? 0 : s.spread.ratings),
    })),
  );
  return {
    alpha: {
      lifecycle: alphaOf('lifecycle'),
      uninterpretable: alphaOf('uninterpretable'),
      interpretability: alphaOf('interpretability'),
      complexity: alphaOf('complexity'),
    },
    icc: { interpretability: iccOf('interpretability'), complexity: iccOf('complexity') },
    summaries,
  };
}

export type DisagreementScores = Record<AgreementField | 'overall', number | null>;

/** Per-field disagreement of one feature's answers and their mean (`overall`). */
export function disagreementScores(
  answers: readonly AnnotationFields[],
  category: string,
): DisagreementScores {
  const scores = Object.fromEntries(
    agreementFields.map((field) => [
      field,
      unitDisagreement(
        answers.map((a) => ratingOf(field, a, category)),
        levelOf[field],
      ),
    ]),
  ) as Record<AgreementField, number | null>;
  const defined = agreementFields.map((f) => scores[f]).filter((v): v is number => v !== null);
  return {
    ...scores,
    overall: defined.length === 0 ? null : defined.reduce((a, x) => a + x, 0) / defined.length,
  };
}
