import { describe, expect, it } from 'vitest';
import type { AgreementReport, DisagreementItem, ReviewStatistic } from '../../../src/shared/review';
import {
  agreementRows,
  annotatorBiasRows,
  formatScore,
  formatSigned,
  formatStatistic,
  largestFields,
} from '../../../src/renderer/review/agreement-view';

const stat = (value: number | null, reason: string | null = null, units = 4): ReviewStatistic => ({
  value,
  reason,
  units,
});

describe('agreement statistics as text', () => {
  it('shows a value to three decimals and an undefined one with its reason', () => {
    expect(formatStatistic(stat(0.7123))).toBe('0.712');
    expect(formatStatistic(stat(-0.25))).toBe('-0.250');
    expect(formatStatistic(stat(1))).toBe('1.000');
    expect(formatStatistic(stat(null, 'no pairable values'))).toBe('undefined: no pairable values');
    expect(formatStatistic(stat(null, '  '))).toBe('undefined: no reason given');
    expect(formatStatistic(stat(null, null))).toBe('undefined: no reason given');
    expect(formatStatistic(stat(Number.NaN, 'no variance'))).toBe('undefined: no variance');
  });

  it('does not print a sign on a value that rounds to zero', () => {
    expect(formatStatistic(stat(-0.0001))).toBe('0.000');
    expect(formatSigned(stat(-0.001))).toBe('0.00');
  });

  it('signs a bias with + and a true minus', () => {
    expect(formatSigned(stat(0.123))).toBe('+0.12');
    expect(formatSigned(stat(-0.05))).toBe('−0.05');
    expect(formatSigned(stat(null, 'rated alone'))).toBe('undefined: rated alone');
  });

  it('shows a per-feature score or a dash', () => {
    expect(formatScore(0.5)).toBe('0.50');
    expect(formatScore(null)).toBe('—');
  });
});

const report: AgreementReport = {
  runId: 'run',
  attributionId: 'a1',
  task: 'sv_pp_attractor.eng',
  features: 5,
  annotators: [
    { annotatorId: 1, name: 'ann', features: 5 },
    { annotatorId: 2, name: 'bo', features: 4 },
  ],
  alpha: {
    lifecycle: stat(null, 'every answer is the same category', 5),
    uninterpretable: stat(0.41),
    interpretability: stat(0.66),
    complexity: stat(0.12),
  },
  icc: { interpretability: stat(0.7, null, 4), complexity: stat(null, 'fewer than 2 complete rows', 1) },
  annotatorSummaries: [
    { annotatorId: 1, name: 'ann', field: 'interpretability', rated: 5, bias: stat(0.1), spread: stat(0.2) },
    { annotatorId: 2, name: 'bo', field: 'interpretability', rated: 4, bias: stat(-0.1), spread: stat(0.3) },
    {
      annotatorId: 1,
      name: 'ann',
      field: 'complexity',
      rated: 3,
      bias: stat(null, 'alone'),
      spread: stat(0),
    },
  ],
};

describe('agreement panel rows', () => {
  it('lists nominal α, interval α, then ICC(2,1), with undefined ones and their reasons', () => {
    const rows = agreementRows(report);
    expect(rows.map((r) => [r.label, r.measure])).toEqual([
      ['Lifecycle label', 'Krippendorff’s α (nominal)'],
      ['Uninterpretable', 'Krippendorff’s α (nominal)'],
      ['Interpretability', 'Krippendorff’s α (interval)'],
      ['Complexity', 'Krippendorff’s α (interval)'],
      ['Interpretability', 'ICC(2,1)'],
      ['Complexity', 'ICC(2,1)'],
    ]);
    expect(rows[0]).toMatchObject({ isDefined: false, text: 'undefined: every answer is the same category' });
    expect(rows[2]).toMatchObject({ isDefined: true, text: '0.660' });
    expect(rows[5]).toMatchObject({ isDefined: false, text: 'undefined: fewer than 2 complete rows' });
    expect(rows[5]!.stat.units).toBe(1);
  });

  it('puts each annotator on one row with both ratings, a missing rating as null', () => {
    const rows = annotatorBiasRows(report.annotatorSummaries);
    expect(rows.map((r) => r.name)).toEqual(['ann', 'bo']);
    expect(rows[0]!.interpretability?.rated).toBe(5);
    expect(rows[0]!.complexity?.rated).toBe(3);
    expect(rows[1]!.complexity).toBeNull();
  });
});

describe('largest disagreement fields', () => {
  const item = (scores: Partial<DisagreementItem['scores']>): DisagreementItem => ({
    featureId: 1,
    index: 3,
    category: 'maintained',
    relIe: 0.5,
    annotators: 2,
    scores: {
      overall: null,
      lifecycle: null,
      uninterpretable: null,
      interpretability: null,
      complexity: null,
      ...scores,
    },
    hasGold: false,
    comments: 0,
  });
  it('names the fields with the largest score, none when all agree', () => {
    expect(largestFields(item({ lifecycle: 0.5, complexity: 0.5, interpretability: 0.2 }))).toEqual([
      'lifecycle',
      'complexity',
    ]);
    expect(largestFields(item({ lifecycle: 0, interpretability: 0 }))).toEqual([]);
    expect(largestFields(item({}))).toEqual([]);
  });
});
