import { describe, expect, it } from 'vitest';
import { crosscoderConfigSchema, type CrosscoderConfigInput } from '../../../src/core/crosscoder/config';
import { NativeCrosscoderTrainer } from '../../../src/core/crosscoder/native-trainer';
import { nativeAddonStatus } from '../../../src/core/native/native-addon';
import {
  makeDictionary,
  sampleBatch,
  type SyntheticDictionary,
} from '../../helpers/synthetic-crosscoder-data';

// The ground-truth checks of test/integration/crosscoder-recovery.test.ts, on the native engine: from
// activations built out of a known dictionary (features only in checkpoint 0, only in 1, or in both),
// training finds the true decoder directions (best cosine) and RelDec separates specific from shared
// features. Same data, settings and thresholds as the tfjs test.
const status = nativeAddonStatus();
const skipReason = status.ok ? '' : ` (skipped: native engine unavailable: ${status.reason})`;
const D = 16;
const batch = 256;

async function train(
  dict: SyntheticDictionary,
  overrides: Partial<CrosscoderConfigInput>,
  steps: number,
): Promise<Float32Array> {
  const config = crosscoderConfigSchema.parse({
    nCheckpoints: 2,
    dModel: D,
    nFeatures: 48,
    steps,
    batchSize: batch,
    learningRate: 5e-3,
    l1Coeff: 0.05,
    seed: 1,
    thresholdStartStep: 100,
    deadTokens: 50_000,
    ...overrides,
  });
  const trainer = NativeCrosscoderTrainer.create(config);
  try {
    for (let s = 0; s < steps; s++) await trainer.trainBatch(sampleBatch(dict, batch, 1000 + s));
    return (await trainer.weights()).get('W_dec')!.data as Float32Array;
  } finally {
    trainer.dispose();
  }
}

/** For each true feature: the best cosine over learned features (on the [M·D] direction) and its RelDec. */
function match(dict: SyntheticDictionary, wDec: Float32Array, nLearned: number) {
  const k = 2 * D;
  const norm = (v: Float32Array): number => Math.hypot(...v);
  const cos: number[] = [];
  const relDec: number[] = [];
  for (let i = 0; i < dict.nFeatures; i++) {
    const t = dict.directions.subarray(i * k, (i + 1) * k);
    let [best, bestJ] = [-1, 0];
    for (let j = 0; j < nLearned; j++) {
      const w = wDec.subarray(j * k, (j + 1) * k);
      let dot = 0;
      for (let c = 0; c < k; c++) dot += t[c]! * w[c]!;
      const value = dot / (norm(t) * norm(w) + 1e-12);
      if (value > best) [best, bestJ] = [value, j];
    }
    const w = wDec.subarray(bestJ * k, (bestJ + 1) * k);
    const [n0, n1] = [norm(w.subarray(0, D)), norm(w.subarray(D, k))];
    cos.push(best);
    relDec.push(n1 / (n0 + n1));
  }
  return { cos, relDec };
}

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

describe.skipIf(!status.ok)(`crosscoder ground-truth recovery on the native engine${skipReason}`, () => {
  const dict = makeDictionary({ dModel: D, only0: 6, only1: 6, shared: 12, seed: 3 });
  const byKind = (values: number[], kind: string): number[] => values.filter((_, i) => dict.kind[i] === kind);

  it('L1: learned decoder directions match the true ones and RelDec separates specific from shared', async () => {
    const { cos, relDec } = match(dict, await train(dict, { type: 'l1' }, 1500), 48);
    expect(mean(cos)).toBeGreaterThanOrEqual(0.9);
    expect(Math.max(...byKind(relDec, 'only0'))).toBeLessThan(0.1);
    expect(Math.min(...byKind(relDec, 'only1'))).toBeGreaterThan(0.9);
    for (const r of byKind(relDec, 'shared')) {
      expect(r).toBeGreaterThan(0.3);
      expect(r).toBeLessThan(0.7);
    }
  });

  it('BatchTopK: recovers most directions, RelDec separates on average', async () => {
    const { cos, relDec } = match(dict, await train(dict, { type: 'batchtopk', k: 3 }, 1500), 48);
    expect(mean(cos)).toBeGreaterThanOrEqual(0.85);
    expect(mean(byKind(relDec, 'only0'))).toBeLessThan(0.3);
    expect(mean(byKind(relDec, 'only1'))).toBeGreaterThan(0.7);
    expect(Math.abs(mean(byKind(relDec, 'shared')) - 0.5)).toBeLessThan(0.1);
  });
});
