import { describe, expect, it } from 'vitest';
import type { AttributeResult } from '../../../src/shared/attribution';
import {
  areThresholdsValid,
  brushQueueName,
  categoryCounts,
  featuresInBox,
  itemEffects,
  normalizeBox,
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

describe('brushing and per-pair effects', () => {
  // Later-checkpoint RelIE shares 0.1, 0.9, 0.5; RelDec shares 0.2, 0.7, 0.5.
  const r = result(
    [
      [0.9, 0.1, 0.5],
      [0.1, 0.9, 0.5],
    ],
    [
      [0.8, 0.2],
      [0.3, 0.7],
      [0.5, 0.5],
    ],
  );
  const features = selectedFeatures(r, 10, { low: 0.3, high: 0.7 });

  it('orders and clamps a dragged box', () => {
    expect(normalizeBox({ x0: 1.2, x1: 0.4, y0: 0.9, y1: -0.1 })).toEqual({ x0: 0.4, x1: 1, y0: 0, y1: 0.9 });
  });

  it('picks the features inside the box, edges included, whichever way it was dragged', () => {
    expect(featuresInBox(features, { x0: 0, x1: 1, y0: 0, y1: 1 })).toEqual([0, 1, 2]);
    expect(featuresInBox(features, { x0: 1, x1: 0.5, y0: 1, y1: 0.5 })).toEqual([1, 2]);
    expect(featuresInBox(features, { x0: 0.6, x1: 0.8, y0: 0.8, y1: 1 })).toEqual([1]);
    expect(featuresInBox(features, { x0: 0, x1: 0.1, y0: 0, y1: 0.05 })).toEqual([]);
  });

  it('names a brushed queue after the task and the box', () => {
    expect(brushQueueName('sv_pp_attractor.eng', { x0: 0.5, x1: 0, y0: 0.25, y1: 1 }, 3)).toBe(
      'sv_pp_attractor.eng · RelIE 0.25–1.00 · RelDec 0.00–0.50 · 3 features',
    );
  });

  it('scales per-pair bars to the largest |IE| of each checkpoint', () => {
    const withItems: AttributeResult = {
      ...r,
      items: [
        {
          item: 4,
          good: 'a',
          bad: 'b',
          metricClean: [1, 2],
          top: [
            [
              { feature: 2, ie: -0.4 },
              { feature: 0, ie: 0.2 },
            ],
            [{ feature: 1, ie: 0 }],
          ],
        },
      ],
    };
    expect(itemEffects(withItems, 4)).toEqual([
      [
        { feature: 2, ie: -0.4, width: 1 },
        { feature: 0, ie: 0.2, width: 0.5 },
      ],
      [{ feature: 1, ie: 0, width: 0 }],
    ]);
    expect(itemEffects(withItems, 5)).toEqual([]);
    expect(itemEffects(r, 4)).toEqual([]);
  });
});
