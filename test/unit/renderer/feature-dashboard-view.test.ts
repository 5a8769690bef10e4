import { describe, expect, it } from 'vitest';
import type { FeatureDetail, FeatureScores } from '../../../src/shared/annotation';
import {
  detailTimeline,
  formatIe,
  histogramBars,
  rankItems,
  scoresFor,
} from '../../../src/renderer/features/dashboard-view';

const scores = (attributionId: string, ie: number[]): FeatureScores => ({
  attributionId,
  task: 't',
  ie,
  relIe: null,
  bucket: 'C',
  category: 'emerged-late',
  isSelected: true,
  items: [],
});

const detail = (tokens: Array<number | null>): FeatureDetail => ({
  featureId: 5,
  runId: 'r',
  index: 4,
  revisions: tokens.map((t, m) => ({ revision: `step${m}`, tokensSeen: t })),
  decoderNorms: [0.1, 0.5, 0.9],
  relDec: [0.07, 0.33, 0.6],
  scores: [scores('a', [0, 1, 3]), scores('b', [2, 0, 0])],
  hasDashboard: true,
});

describe('feature dashboard view', () => {
  it('picks the scores of the chosen attribution, else the first', () => {
    expect(scoresFor(detail([1, 2, 3]), 'b')?.attributionId).toBe('b');
    expect(scoresFor(detail([1, 2, 3]), 'zzz')?.attributionId).toBe('a');
  });

  it('builds the lifecycle timeline on tokens seen, or checkpoint order when one is unknown', () => {
    const d = detail([100, 400, 1600]);
    const t = detailTimeline(d, d.scores[0]!);
    expect(t.axis).toBe('tokens');
    expect(t.points.map((p) => p.x)).toEqual([100, 400, 1600]);
    expect(t.points.map((p) => p.relIE)).toEqual([0, 0.25, 0.75]);
    expect(t.points.map((p) => p.decoderNorm)).toEqual([0.1, 0.5, 0.9]);
    expect(t.category).toBe('emerged-late');
    const ordered = detailTimeline(detail([100, null, 1600]), d.scores[0]!);
    expect(ordered.axis).toBe('order');
    expect(ordered.points.map((p) => p.x)).toEqual([1, 2, 3]);
  });

  it('labels histogram bins by their lower edge', () => {
    expect(histogramBars({ edges: [0, 0.5, 1], counts: [3, 4] })).toEqual([
      { low: 0, high: 0.5, label: '0', count: 3 },
      { low: 0.5, high: 1, label: '0.5', count: 4 },
    ]);
  });

  it('ranks task items by their largest |IE|, missing values as zero', () => {
    const item = (i: number, ie: Array<number | null>) => ({ item: i, good: '', bad: '', ie, rank: [] });
    expect(
      rankItems([item(0, [0.1, null]), item(1, [null, -2]), item(2, [0.5, 0.5])]).map((x) => x.item),
    ).toEqual([1, 2, 0]);
    expect(formatIe(0.000123)).toBe('1.2e-4');
    expect(formatIe(1.2345)).toBe('1.23');
  });
});
