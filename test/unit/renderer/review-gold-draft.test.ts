import { describe, expect, it } from 'vitest';
import { annotationFieldsSchema, type AnnotationFields } from '../../../src/shared/domain';
import type { AdjudicationAnswer, GoldRecord } from '../../../src/shared/review';
import {
  buildGold,
  describeDraft,
  diffRows,
  formatGoldField,
  initialDraft,
  isPicked,
  pickAnswer,
  pickField,
} from '../../../src/renderer/review/gold-draft';

const fields = (over: Partial<AnnotationFields>): AnnotationFields =>
  annotationFieldsSchema.parse({ status: 'done', ...over });

const answer = (annotatorId: number, name: string, revisionId: number, over: Partial<AnnotationFields>) =>
  ({
    annotatorId,
    name,
    revisionId,
    revision: 1,
    status: 'done',
    fields: fields(over),
    createdAt: '2025-01-01T00:00:00.000Z',
  }) satisfies AdjudicationAnswer;

const ann = answer(1, 'ann', 11, {
  description: 'plural subject',
  interpretability: 0.8,
  complexity: 0.2,
  languages: [{ code: 'eng', isTentative: false, isCustom: false }],
  notes: 'clear',
  timeSpentMs: 5000,
});
const bo = answer(2, 'bo', 12, {
  description: 'number agreement across an attractor',
  interpretability: 0.6,
  complexity: 0.4,
  languages: [{ code: 'eng', isTentative: false, isCustom: false }],
  lifecycleOverride: 'emerged-mid',
  lifecycleOverrideReason: 'peaks at step400',
  isFlagged: true,
});

const gold: GoldRecord = {
  id: 5,
  featureId: 7,
  revision: 2,
  fields: fields({ description: 'gold words', interpretability: 0.7 }),
  rationale: 'earlier',
  sources: [],
  adjudicatorId: 1,
  adjudicatorName: 'ann',
  createdAt: '2025-01-02T00:00:00.000Z',
};

describe('side-by-side diff', () => {
  it('shows each decided field per annotator and marks the ones that differ', () => {
    const rows = diffRows([ann, bo]);
    const byKey = Object.fromEntries(rows.map((r) => [r.key, r]));
    expect(rows.map((r) => r.key)).toEqual([
      'description',
      'interpretability',
      'complexity',
      'languages',
      'isUninterpretable',
      'lifecycle',
      'isFlagged',
      'notes',
    ]);
    expect(byKey.description!.cells).toEqual([
      { annotatorId: 1, text: 'plural subject' },
      { annotatorId: 2, text: 'number agreement across an attractor' },
    ]);
    expect(byKey.description!.isDifferent).toBe(true);
    expect(byKey.languages!.isDifferent).toBe(false);
    expect(byKey.isUninterpretable!.isDifferent).toBe(false);
    expect(byKey.lifecycle!.cells[1]!.text).toBe('emerged-mid (peaks at step400)');
    expect(byKey.lifecycle!.cells[0]!.text).toBe('RelIE category (no override)');
    expect(byKey.isFlagged!.cells.map((c) => c.text)).toEqual(['—', 'flagged']);
  });

  it('formats ratings to one decimal, empty values as a dash, all languages as "all"', () => {
    const f = fields({ isAllLanguages: true });
    expect(formatGoldField('interpretability', f)).toBe('—');
    expect(formatGoldField('interpretability', fields({ interpretability: 1 }))).toBe('1.0');
    expect(formatGoldField('languages', f)).toBe('all');
    expect(formatGoldField('description', f)).toBe('—');
    expect(diffRows([ann])[0]!.isDifferent).toBe(false);
  });
});

describe('gold record builder', () => {
  it('needs every field chosen before there is a record', () => {
    const built = buildGold(initialDraft(null), [ann, bo], null);
    expect(built.fields).toBeNull();
    expect(built.missing).toHaveLength(8);
    expect(describeDraft(built, [ann, bo])).toMatch(/^Choose a value for: description, interpretability/);
  });

  it('picks one answer whole and cites its revision', () => {
    const built = buildGold(pickAnswer(2), [ann, bo], null);
    expect(built.fields).toMatchObject({
      description: 'number agreement across an attractor',
      interpretability: 0.6,
      lifecycleOverride: 'emerged-mid',
      lifecycleOverrideReason: 'peaks at step400',
      isFlagged: true,
      status: 'done',
      timeSpentMs: 0,
    });
    expect(built.sources).toEqual([{ annotatorId: 2, revisionId: 12 }]);
    expect(built.pickedWhole).toBe(2);
    expect(describeDraft(built, [ann, bo])).toBe('Picks bo’s answer.');
    expect(annotationFieldsSchema.safeParse(built.fields).success).toBe(true);
  });

  it('merges field by field and cites every answer used, in the answers’ order', () => {
    const draft = pickField(pickAnswer(2), 'description', { kind: 'answer', annotatorId: 1 });
    const built = buildGold(draft, [ann, bo], null);
    expect(built.fields?.description).toBe('plural subject');
    expect(built.fields?.interpretability).toBe(0.6);
    expect(built.sources).toEqual([
      { annotatorId: 1, revisionId: 11 },
      { annotatorId: 2, revisionId: 12 },
    ]);
    expect(built.pickedWhole).toBeNull();
    expect(describeDraft(built, [ann, bo])).toBe('Merges fields from ann, bo.');
    expect(isPicked(draft, 'description', { kind: 'answer', annotatorId: 1 })).toBe(true);
    expect(isPicked(draft, 'description', { kind: 'answer', annotatorId: 2 })).toBe(false);
  });

  it('keeps a multi-part field together (languages with "all", the label with its reason)', () => {
    const a = answer(1, 'ann', 11, { isAllLanguages: true });
    const b = answer(2, 'bo', 12, {
      languages: [{ code: 'fra', isTentative: true, isCustom: false }],
      lifecycleOverride: 'discontinued',
      lifecycleOverrideReason: 'gone by the end',
    });
    const built = buildGold(
      pickField(pickAnswer(1), 'lifecycle', { kind: 'answer', annotatorId: 2 }),
      [a, b],
      null,
    );
    expect(built.fields).toMatchObject({
      isAllLanguages: true,
      languages: [],
      lifecycleOverride: 'discontinued',
      lifecycleOverrideReason: 'gone by the end',
    });
  });

  it('starts from the current gold record, which cites no annotator revision', () => {
    const draft = initialDraft(gold);
    const built = buildGold(draft, [ann, bo], gold);
    expect(built.fields?.description).toBe('gold words');
    expect(built.sources).toEqual([]);
    expect(describeDraft(built, [ann, bo])).toBe('Keeps the current gold record’s fields.');
    const changed = buildGold(
      pickField(draft, 'complexity', { kind: 'answer', annotatorId: 1 }),
      [ann, bo],
      gold,
    );
    expect(changed.fields).toMatchObject({ description: 'gold words', complexity: 0.2 });
    expect(changed.sources).toEqual([{ annotatorId: 1, revisionId: 11 }]);
  });

  it('treats a pick of an answer that is no longer there as missing', () => {
    const built = buildGold(pickAnswer(9), [ann, bo], null);
    expect(built.fields).toBeNull();
    expect(built.missing).toHaveLength(8);
  });
});
