import { describe, expect, it } from 'vitest';
import type { AttributeResult } from '../../../src/shared/attribution';
import {
  areThresholdsValid,
  categoryCounts,
  selectedFeatures,
  thresholdSensitivity,
} from '../../../src/renderer/charts/attribution-view';

const result = (ie: number[][], relDec: (number | null)[][]): AttributeResult => ({
  runId: 'r',
  ie,
  errorIe: ie.map(() => 0),
  metricClean: ie.map(() => 0),
  metricAblated: ie.map(() => 0),
  n: 1,
  skipped: 0,
  relDec,
  provenance: {
    runDir: '/r',
    revisions: ie.map((_, m) => ({ revision: `r${m}`, tokensSeen: null })),
    layer: 0,
    task: '/t.jsonl',
    method: 'ig',
    steps: 10,
    threshold: null,
    metric: 'm',
    backend: 'wasm',
    createdAt: '',
  },
});

describe('attribution view', () => {
  // Later shares: f0 0.1 (discontinued), f1 0.9 (emerged), f2 0.5 (maintained), f3 0.32 (maintained,
  // discontinued once low rises to 0.35), f4 zero IE (not selected).
  const two = result(
    [
      [0.9, 0.1, 0.5, 0.68, 0],
      [0.1, 0.9, 0.5, 0.32, 0],
    ],
    [
      [0.8, 0.2],
      [0.3, 0.7],
      [0.5, 0.5],
      [0.6, 0.4],
      [null, null],
    ],
  );

  it('selects the top features with categories and the later checkpoint shares', () => {
    const features = selectedFeatures(two, 10, { low: 0.3, high: 0.7 });
    expect(features.map((f) => [f.feature, f.category])).toEqual([
      [0, 'discontinued'],
      [1, 'emerged'],
      [2, 'maintained'],
      [3, 'maintained'],
    ]);
    expect(features[1]).toMatchObject({ relDecShare: 0.7 });
    expect(features[1]!.relIEShare).toBeCloseTo(0.9);
    expect(categoryCounts(features, 2)).toEqual([
      { category: 'emerged', count: 1 },
      { category: 'maintained', count: 2 },
      { category: 'discontinued', count: 1 },
      { category: 'undefined', count: 0 },
    ]);
  });

  it('counts the features that change category when a threshold moves by 0.05', () => {
    const rows = thresholdSensitivity(two.ie, [0, 1, 2, 3], { low: 0.3, high: 0.7 });
    expect(rows).toEqual([
      { shift: -0.05, low: 0, high: 0 },
      { shift: 0, low: 0, high: 0 },
      { shift: 0.05, low: 1, high: 0 },
    ]);
    expect(thresholdSensitivity(two.ie, [0], { low: 0, high: 1 })[0]).toMatchObject({ low: null });
    expect(areThresholdsValid({ low: 0.7, high: 0.3 })).toBe(false);
  });

  it('plots the last checkpoint share for three checkpoints', () => {
    const three = result([[0.1], [0.1], [0.8]], [[0.2, 0.2, 0.6]]);
    const [f] = selectedFeatures(three, 5, { low: 0.3, high: 0.7 });
    expect(f).toMatchObject({ category: 'emerged-late', relDecShare: 0.6 });
    expect(f!.relIEShare).toBeCloseTo(0.8);
  });
});
