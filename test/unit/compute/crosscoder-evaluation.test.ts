import { describe, expect, it } from 'vitest';
import { histogram01, summarizeEvaluation } from '../../../src/core/crosscoder/evaluation-summary';
import type { EvaluationMetrics } from '../../../src/core/crosscoder/evaluate';

describe('evaluation summary', () => {
  it('bins values over [0, 1] with 1 in the last bin and non-finite values left out', () => {
    expect(histogram01([0, 0.1, 0.26, 0.5, 0.99, 1, Number.NaN, Number.POSITIVE_INFINITY], 4)).toEqual([
      2, 1, 1, 2,
    ]);
  });

  it('keeps the scalars (non-finite as null), RelDec histograms per checkpoint, mean cosines per pair', () => {
    const metrics: EvaluationMetrics = {
      tokens: 10,
      mse: 0.5,
      msePerCheckpoint: [0.2, 0.3],
      fvu: Number.NaN,
      fvuPerCheckpoint: [0.1, Number.NaN],
      explainedVariance: Number.NaN,
      explainedVariancePerCheckpoint: [0.9, Number.NaN],
      explainedVariancePerTokenMean: 0.7,
      l1: 2,
      l0: 3,
      deadFraction: 0.25,
      denseFraction: 0,
      firingRate: [0, 0.5, 0.5, 1],
      relDec: [
        [0.5, 0.5],
        [0.9, 0.1],
        [Number.NaN, Number.NaN],
        [0, 1],
      ],
      decoderCosine: [[0.2], [0.4], [Number.NaN], [0.6]],
    };
    const summary = summarizeEvaluation(metrics, 10);
    expect(summary).toMatchObject({
      tokens: 10,
      mse: 0.5,
      fvu: null,
      explainedVariance: null,
      explainedVariancePerCheckpoint: [0.9, null],
      relDecBins: 10,
    });
    expect(summary.relDecHistogram[0]).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(summary.relDecHistogram[1]).toEqual([0, 1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(summary.decoderCosineMean[0]).toBeCloseTo(0.4, 12);
    expect(JSON.parse(JSON.stringify(summary))).toEqual(summary);
    expect(summary).not.toHaveProperty('firingRate');
  });
});
