import { describe, expect, it } from 'vitest';
import type { AttributeResult } from '../../../src/shared/attribution';
import {
  areThresholdsValid,
  categoryCounts,
  featureTimeline,
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

describe('featureTimeline', () => {
  const ie = [
    [0.1, 0],
    [-0.1, 0],
    [0.8, 0],
  ];
  const relDec = [
    [0.2, 0.3, 0.5],
    [null, null, null],
  ];

  it('gives signed IE, RelIE share and decoder norm per checkpoint on a log tokens axis', () => {
    const r = result(ie, relDec);
    r.provenance.revisions = [
      { revision: 'step100', tokensSeen: 100 },
      { revision: 'step400', tokensSeen: 400 },
      { revision: 'step1600', tokensSeen: 1600 },
    ];
    r.decoderNorms = [
      [1, 1.5, 2.5],
      [0, 0, 0],
    ];
    const t = featureTimeline(r, 0, { low: 0.3, high: 0.7 });
    expect(t.axis).toBe('tokens');
    expect(t.bucket).toBe('C');
    expect(t.category).toBe('emerged-late');
    expect(t.points.map((p) => p.x)).toEqual([100, 400, 1600]);
    expect(t.points.map((p) => p.ie)).toEqual([0.1, -0.1, 0.8]);
    expect(t.points.map((p) => p.relIE)).toEqual([0.1, 0.1, 0.8].map((v) => expect.closeTo(v, 12)));
    expect(t.points.map((p) => p.decoderNorm)).toEqual([1, 1.5, 2.5]);
    expect(t.points.map((p) => p.relDec)).toEqual([0.2, 0.3, 0.5]);
    expect(t.points.map((p) => p.revision)).toEqual(['step100', 'step400', 'step1600']);
  });

  it('falls back to checkpoint order without tokens seen, and to nulls without IE or norms', () => {
    const r = result(ie, relDec);
    r.provenance.revisions[0]!.tokensSeen = 0;
    const t = featureTimeline(r, 1, { low: 0.3, high: 0.7 });
    expect(t.axis).toBe('order');
    expect(t.points.map((p) => p.x)).toEqual([1, 2, 3]);
    expect(t.category).toBe('undefined');
    expect(t.bucket).toBeNull();
    expect(t.points.every((p) => p.relIE === null && p.decoderNorm === null && p.relDec === null)).toBe(true);
  });
});
