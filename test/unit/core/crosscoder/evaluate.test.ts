import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { crosscoderConfigSchema } from '../../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../../src/core/crosscoder/crosscoder';
import { evaluateCrosscoder } from '../../../../src/core/crosscoder/evaluate';
import type { HostTensor } from '../../../../src/core/hf/host-tensor';

// A hand-built crosscoder (M=2, D=2, F=3) whose reconstruction is computable by hand.
function handCrosscoder(): Crosscoder {
  const config = crosscoderConfigSchema.parse({ nCheckpoints: 2, dModel: 2, nFeatures: 3, steps: 1 });
  const t = (shape: number[], values: number[]): HostTensor => ({
    shape,
    data: Float32Array.from(values),
    storedDtype: 'F32',
  });
  // Feature 0 reads and writes x[0,0] only; feature 1 reads and writes x[1,1] only; feature 2 never fires.
  const wEnc = new Array(2 * 2 * 3).fill(0);
  wEnc[(0 * 2 + 0) * 3 + 0] = 1; // W_enc[m=0,j=0,i=0]
  wEnc[(1 * 2 + 1) * 3 + 1] = 1; // W_enc[m=1,j=1,i=1]
  const wDec = new Array(3 * 2 * 2).fill(0);
  wDec[(0 * 2 + 0) * 2 + 0] = 1; // W_dec[i=0,m=0,j=0]
  wDec[(1 * 2 + 1) * 2 + 1] = 2; // W_dec[i=1,m=1,j=1]
  wDec[(2 * 2 + 0) * 2 + 1] = 3; // feature 2 has decoder norms 3 and 4
  wDec[(2 * 2 + 1) * 2 + 0] = 4;
  return Crosscoder.fromHost(
    config,
    new Map([
      ['W_enc', t([2, 2, 3], wEnc)],
      ['W_dec', t([3, 2, 2], wDec)],
      ['b_enc', t([3], [0, 0, -100])],
      ['b_dec', t([2, 2], [0, 0, 0, 0])],
    ]),
  );
}

describe('evaluateCrosscoder', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('computes MSE, both FVU definitions, L0, L1, dead/dense shares, RelDec and decoder cosine by hand', async () => {
    const cc = handCrosscoder();
    const before = tf.memory().numTensors;
    // Rows [x00, x01, x10, x11]: f0 = relu(x00) reconstructs x00; f1 = relu(x11) gives x̂11 = 2·x11.
    const rows = Float32Array.from([1, 1, 0, 1, /**/ 3, 0, 0, 1]);
    const m = await evaluateCrosscoder(cc, [rows]);
    // Errors: token 0: x01² (1) + (2−1)² (1) = 2; token 1: 0 + (2−1)² = 1.
    expect(m.tokens).toBe(2);
    expect(m.mse).toBeCloseTo(1.5, 6);
    expect(m.msePerCheckpoint[0]).toBeCloseTo(0.5, 6);
    expect(m.msePerCheckpoint[1]).toBeCloseTo(1, 6);
    // Variance around the set mean: checkpoint 0: x00 ∈ {1,3} → 2, x01 ∈ {1,0} → 0.5; checkpoint 1: 0.
    expect(m.fvuPerCheckpoint[0]).toBeCloseTo(1 / 2.5, 6);
    expect(m.fvu).toBeCloseTo(3 / 2.5, 6);
    expect(m.explainedVariance).toBeCloseTo(1 - 3 / 2.5, 6);
    // Per-token EV with the batch mean: token 0: 1 − 2/1.25, token 1: 1 − 1/1.25.
    expect(m.explainedVariancePerTokenMean).toBeCloseTo((1 - 2 / 1.25 + 1 - 1 / 1.25) / 2, 5);
    expect(m.l0).toBeCloseTo(2, 6);
    // L1: token 0: f0=1 (norm sum 1) + f1=1 (norm sum 2) = 3; token 1: 3 + 2 = 5 → mean 4.
    expect(m.l1).toBeCloseTo(4, 6);
    expect(m.deadFraction).toBeCloseTo(1 / 3, 6);
    expect(m.denseFraction).toBeCloseTo(2 / 3, 6);
    expect(m.relDec[0]).toEqual([1, 0]);
    expect(m.relDec[1]).toEqual([0, 1]);
    expect(m.relDec[2]![0]).toBeCloseTo(3 / 7, 6);
    expect(m.decoderCosine[2]![0]).toBeCloseTo(0, 6); // [0,3] ⟂ [4,0]
    expect(Number.isNaN(m.decoderCosine[0]![0]!)).toBe(true); // no direction in checkpoint 1
    expect(tf.memory().numTensors).toBe(before);
    cc.dispose();
  });

  it('rejects batches that are not whole rows', async () => {
    const cc = handCrosscoder();
    await expect(evaluateCrosscoder(cc, [new Float32Array(5)])).rejects.toThrow(
      /not a whole number of \[2,2\] rows/,
    );
    cc.dispose();
  });
});
