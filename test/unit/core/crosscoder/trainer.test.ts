import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import {
  crosscoderConfigSchema,
  kAt,
  l1CoeffAt,
  learningRateAt,
} from '../../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../../src/core/crosscoder/crosscoder';
import { encode } from '../../../../src/core/crosscoder/forward';
import { loadRun, saveRun } from '../../../../src/core/crosscoder/run-files';
import { CrosscoderTrainer } from '../../../../src/core/crosscoder/trainer';
import { makeDictionary, sampleBatch } from '../../../helpers/synthetic-crosscoder-data';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const dict = makeDictionary({ dModel: 8, only0: 3, only1: 3, shared: 6, seed: 9 });
const base = {
  nCheckpoints: 2,
  dModel: 8,
  nFeatures: 24,
  steps: 40,
  batchSize: 32,
  learningRate: 1e-2,
  seed: 5,
  thresholdStartStep: 5,
  deadTokens: 200,
};
const batchAt = (step: number): tf.Tensor3D => tf.tensor3d(sampleBatch(dict, 32, 500 + step), [32, 2, 8]);

async function runSteps(trainer: CrosscoderTrainer, from: number, to: number): Promise<void> {
  for (let s = from; s < to; s++) {
    const x = batchAt(s);
    await trainer.trainStep(x);
    x.dispose();
  }
}

describe('crosscoder config', () => {
  it('fills METHOD.md defaults and rejects out-of-range values with the field named', () => {
    const l1 = crosscoderConfigSchema.parse({ nCheckpoints: 3, dModel: 4, nFeatures: 8, steps: 100 });
    expect([l1.type, l1.decInitNorm, l1.l1Coeff, l1.learningRate, l1.batchSize]).toEqual([
      'l1',
      0.08,
      2,
      5e-5,
      4096,
    ]);
    expect(crosscoderConfigSchema.parse({ ...base, type: 'batchtopk', k: 3 }).decInitNorm).toBe(1);
    const tooBig = crosscoderConfigSchema.safeParse({ ...base, type: 'batchtopk', k: 25 });
    expect(tooBig.success || tooBig.error.issues[0]?.path).toEqual(['k']);
    const negative = crosscoderConfigSchema.safeParse({ ...base, l1Coeff: -1 });
    expect(negative.success || negative.error.issues[0]?.message).toMatch(/λ must not be negative/);
  });

  it('schedules λ warm-up, LR decay over the last 20% and k annealing', () => {
    const c = crosscoderConfigSchema.parse({
      ...base,
      nFeatures: 200,
      steps: 1000,
      l1Coeff: 2,
      learningRate: 1,
      kInit: 100,
      k: 10,
      kAnnealSteps: 90,
      type: 'batchtopk',
    });
    expect([l1CoeffAt(0, c), l1CoeffAt(25, c), l1CoeffAt(50, c), l1CoeffAt(900, c)]).toEqual([0, 1, 2, 2]);
    expect([learningRateAt(799, c), learningRateAt(900, c), learningRateAt(1000, c)]).toEqual([1, 0.5, 0]);
    expect([kAt(0, c), kAt(45, c), kAt(90, c), kAt(500, c)]).toEqual([100, 55, 10, 10]);
  });
});

describe('CrosscoderTrainer', () => {
  const tmp = createTmpDirs();
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(() => tmp.cleanup());

  it('initialises decoder directions at decInitNorm with the encoder tied to them', async () => {
    const cc = Crosscoder.create(crosscoderConfigSchema.parse(base));
    const norms = tf.tidy(() => tf.sqrt(tf.sum(tf.square(cc.wDec_FMD), 2)));
    for (const n of await norms.data()) expect(n).toBeCloseTo(0.08, 5);
    const tied = tf.tidy(() => tf.max(tf.abs(tf.sub(tf.transpose(cc.wEnc_MDF, [2, 0, 1]), cc.wDec_FMD))));
    expect((await tied.data())[0]).toBe(0);
    tf.dispose([norms, tied]);
    cc.dispose();
  });

  for (const type of ['l1', 'batchtopk'] as const) {
    it(`${type}: resuming from a save reaches the same weights as an uninterrupted run`, async () => {
      const config = crosscoderConfigSchema.parse({ ...base, type, k: 3 });
      const straight = Crosscoder.create(config);
      const straightTrainer = new CrosscoderTrainer(straight);
      await runSteps(straightTrainer, 0, 40);

      const first = Crosscoder.create(config);
      const firstTrainer = new CrosscoderTrainer(first);
      await runSteps(firstTrainer, 0, 17);
      const dir = tmp.make();
      const scale = Float32Array.of(1.5, 0.5);
      await saveRun(dir, { config, scale, crosscoder: first, state: await firstTrainer.exportState() });
      firstTrainer.dispose();
      first.dispose();

      const loaded = await loadRun(dir);
      expect(loaded.step).toBe(17);
      expect(Array.from(loaded.scale)).toEqual([1.5, 0.5]);
      const resumedTrainer = new CrosscoderTrainer(loaded.crosscoder);
      await resumedTrainer.importState(loaded.state!);
      await runSteps(resumedTrainer, 17, 40);

      for (const [a, b] of straight.variables.map((v, i) => [v, loaded.crosscoder.variables[i]!] as const)) {
        const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
        expect((await diff.data())[0]).toBeLessThan(1e-6);
        diff.dispose();
      }
      expect(loaded.crosscoder.theta).toBeCloseTo(straight.theta, 6);
      if (type === 'batchtopk') expect(straight.theta).toBeGreaterThan(0);
      for (const t of [straightTrainer, resumedTrainer]) t.dispose();
      straight.dispose();
      loaded.crosscoder.dispose();
    });
  }

  it('reports metrics, tracks dead features, and leaks no tensors', async () => {
    const before = tf.memory().numTensors;
    const config = crosscoderConfigSchema.parse({ ...base, deadTokens: 64 });
    const cc = Crosscoder.create(config);
    const trainer = new CrosscoderTrainer(cc);
    // Zero input with zero biases: nothing fires, nothing moves; after 64 tokens every feature is dead.
    const zero = tf.zeros([32, 2, 8]) as tf.Tensor3D;
    await trainer.trainStep(zero);
    await trainer.trainStep(zero);
    expect(trainer.deadMask().reduce((n, v) => n + v, 0)).toBe(24);
    const x = batchAt(0);
    const m1 = await trainer.trainStep(x);
    expect(m1.step).toBe(3);
    expect(m1.loss).toBeCloseTo(m1.mse + m1.lambda * m1.l1, 4);
    expect(m1.l0).toBeGreaterThan(0);
    expect(m1.deadFraction).toBeLessThan(1);
    const f = tf.tidy(() => encode(cc, x));
    expect(f.shape).toEqual([32, 24]);
    tf.dispose([x, zero, f]);
    trainer.dispose();
    cc.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
