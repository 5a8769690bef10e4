import { describe, expect, it } from 'vitest';
import { consensusOf, goldRecordOf, shownDescription } from '../../../../src/core/review/consensus';
import { annotationFieldsSchema, type AnnotationFields } from '../../../../src/shared/domain';

// The per-feature consensus rule of exports (src/core/review/consensus.ts), rule by rule.

const f = (patch: Partial<AnnotationFields>): AnnotationFields =>
  annotationFieldsSchema.parse({ status: 'done', ...patch });
const eng = { code: 'eng', isTentative: false, isCustom: false };
const fra = { code: 'fra', isTentative: false, isCustom: false };

describe('consensusOf', () => {
  it('is empty without answers and the answer itself with one', () => {
    expect(consensusOf([], 'other')).toMatchObject({ source: 'none', annotators: [], agreement: null });
    expect(
      consensusOf([{ name: 'ada', fields: f({ description: 'x', languages: [fra, eng] }) }], 'other'),
    ).toMatchObject({
      source: 'single',
      description: 'x',
      languages: 'eng,fra',
      annotators: ['ada'],
      agreement: null,
    });
  });

  it('takes the majority on uninterpretable, the best-rated description there, means and half-listed languages', () => {
    const record = consensusOf(
      [
        { name: 'cyd', fields: f({ description: 'c', interpretability: 0.9, languages: [eng] }) },
        {
          name: 'ada',
          fields: f({
            description: 'a',
            interpretability: 0.3,
            complexity: 0.5,
            languages: [eng, { ...fra, isTentative: true }],
          }),
        },
        {
          name: 'bob',
          fields: f({
            isUninterpretable: true,
            description: 'noise',
            interpretability: null,
            complexity: 0.1,
          }),
        },
      ],
      'emerged',
    );
    expect(record).toMatchObject({
      source: 'consensus',
      isUninterpretable: false, // 1 of 3
      description: 'c', // the higher interpretability among the interpretable side
      languages: 'eng', // fra: 1 of 3 < half
      annotators: ['ada', 'bob', 'cyd'],
      lifecycleLabel: null,
    });
    expect(record.interpretability).toBeCloseTo(0.6, 12);
    expect(record.complexity).toBeCloseTo(0.3, 12);
  });

  it('keeps a lifecycle override held by a strict majority; a tie on uninterpretable is interpretable', () => {
    const two = consensusOf(
      [
        {
          name: 'ada',
          fields: f({
            isUninterpretable: true,
            lifecycleOverride: 'maintained',
            languages: [{ ...eng, isTentative: true }],
          }),
        },
        { name: 'bob', fields: f({ description: 'b', lifecycleOverride: 'maintained', languages: [eng] }) },
      ],
      'emerged',
    );
    expect(two).toMatchObject({
      isUninterpretable: false,
      description: 'b',
      lifecycleLabel: 'maintained',
      languages: 'eng*',
    });
    // Disagreement: lifecycle 0, uninterpretable 1 − ½, no ratings → agreement 1 − ¼.
    expect(two.agreement).toBeCloseTo(0.75, 12);
    const split = consensusOf(
      [
        { name: 'ada', fields: f({ lifecycleOverride: 'maintained' }) },
        { name: 'bob', fields: f({}) },
      ],
      'emerged',
    );
    expect(split.lifecycleLabel).toBeNull();
  });

  it("a gold record keeps its fields and reports the annotators' agreement", () => {
    const answers = [
      { name: 'ada', fields: f({ description: 'a' }) },
      { name: 'bob', fields: f({ description: 'b' }) },
    ];
    expect(goldRecordOf(f({ description: 'gold' }), answers, 'other')).toMatchObject({
      source: 'gold',
      description: 'gold',
      annotators: ['ada', 'bob'],
      agreement: 1,
    });
    expect(shownDescription({ description: '', isUninterpretable: true })).toBe('-');
    expect(shownDescription({ description: 'why', isUninterpretable: true })).toBe('why');
  });
});
