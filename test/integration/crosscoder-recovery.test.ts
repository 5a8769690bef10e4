import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { crosscoderConfigSchema, type CrosscoderConfigInput } from '../../src/core/crosscoder/config';
import { createCrosscoderTrainer } from '../../src/core/crosscoder/train-run';
import { nativeAddonStatus } from '../../src/core/native/native-addon';
import type { EngineName } from '../../src/shared/domain';
import { makeDictionary, sampleBatch, type SyntheticDictionary } from '../helpers/synthetic-crosscoder-data';

// Ground truth: activations built from a known dictionary in which some features exist in one
// checkpoint only and the others in both. Training must find the true decoder directions, and the
// decoder-norm share (RelDec) must tell checkpoint-specific features from shared ones. The same data,
// settings and thresholds for both engines (tfjs on wasm, and the native engine where it built).
const D = 16;
const batch = 256;
const native = nativeAddonStatus();

async function train(
  engine: EngineName,
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
  const trainer = createCrosscoderTrainer(config, engine);
  try {
    for (let s = 0; s < steps; s++) await trainer.trainBatch(sampleBatch(dict, batch, 1000 + s));
    return Float32Array.from((await trainer.weights()).get('W_dec')!.data as Float32Array);
  } finally {
    trainer.dispose();
  }
}

/** For each true feature: the best cosine over learned features (on the concatenated [M·D] direction) and that feature's RelDec for checkpoint 1. */
function match(
  dict: SyntheticDictionary,
  wDec: Float32Array,
  nLearned: number,
): { cos: number[]; relDec: number[] } {
  const k = 2 * D;
  const norm = (v: Float32Array): number => Math.hypot(...v);
  const cos: number[] = [];
  const relDec: number[] = [];
  for (let i = 0; i < dict.nFeatures; i++) {
    const t = dict.directions.subarray(i * k, (i + 1) * k);
    let best = -1;
    let bestJ = 0;
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

describe.each([
  { engine: 'tfjs' as const, skip: '' },
  { engine: 'native' as const, skip: native.ok ? '' : ` (skipped: ${native.reason})` },
])('crosscoder ground-truth recovery on $engine$skip', ({ engine, skip }) => {
  const dict = makeDictionary({ dModel: D, only0: 6, only1: 6, shared: 12, seed: 3 });
  const byKind = (values: number[], kind: string): number[] => values.filter((_, i) => dict.kind[i] === kind);

  beforeAll(async () => {
    await selectBackend('wasm');
  });
  const it_ = it.skipIf(skip !== '');

  it_(
    'L1: learned decoder directions match the true ones and RelDec separates specific from shared',
    async () => {
      const { cos, relDec } = match(dict, await train(engine, dict, { type: 'l1' }, 1500), 48);
      expect(mean(cos)).toBeGreaterThanOrEqual(0.9);
      expect(Math.max(...byKind(relDec, 'only0'))).toBeLessThan(0.1);
      expect(Math.min(...byKind(relDec, 'only1'))).toBeGreaterThan(0.9);
      for (const r of byKind(relDec, 'shared')) {
        expect(r).toBeGreaterThan(0.3);
        expect(r).toBeLessThan(0.7);
      }
    },
  );

  it_('BatchTopK: recovers most directions, RelDec separates on average', async () => {
    const { cos, relDec } = match(dict, await train(engine, dict, { type: 'batchtopk', k: 3 }, 1500), 48);
    expect(mean(cos)).toBeGreaterThanOrEqual(0.85);
    expect(mean(byKind(relDec, 'only0'))).toBeLessThan(0.3);
    expect(mean(byKind(relDec, 'only1'))).toBeGreaterThan(0.7);
    expect(Math.abs(mean(byKind(relDec, 'shared')) - 0.5)).toBeLessThan(0.1);
  });
});
