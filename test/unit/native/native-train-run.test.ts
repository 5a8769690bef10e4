import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeActivationsFile } from '../../../src/core/activations/activations-file';
import { selectBackend } from '../../../src/core/backend';
import { CancelledError } from '../../../src/core/progress';
import { trainCrosscoderRun, type TrainRunOptions } from '../../../src/core/crosscoder/train-run';
import { readRunConfig } from '../../../src/core/crosscoder/run-files';
import type { HostTensor } from '../../../src/core/hf/host-tensor';
import { readSafetensors } from '../../../src/core/hf/safetensors';
import { nativeAddonStatus } from '../../../src/core/native/native-addon';
import { relativeError } from '../../helpers/compare';
import { makeDictionary, sampleBatch } from '../../helpers/synthetic-crosscoder-data';
import { createTmpDirs } from '../../helpers/tmp-dir';

// Whole runs through trainCrosscoderRun on a single-file activation store: the two engines reach the
// same weights on a seeded 30-step run; a run saved by either resumes on the other; a native run
// stopped and resumed ends bit for bit where an uninterrupted one does. Tolerance for engine against
// engine after 30 steps: 1e-4 relative (max|Δ| / max|w|; ≤ 3e-7 seen here). Not 1e-5: Adam divides by
// √v̂ + ε, so an element with a near-zero gradient can turn float32 noise into a larger difference
// (crosscoder-parity.test.ts shows one).
const status = nativeAddonStatus();
const skipReason = status.ok ? '' : ` (skipped: native engine unavailable: ${status.reason})`;
const weightNames = ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'theta'];

describe.skipIf(!status.ok)(`crosscoder runs on the native engine${skipReason}`, () => {
  const tmp = createTmpDirs();
  let acts = '';

  beforeAll(async () => {
    await selectBackend('wasm');
    acts = join(tmp.make(), 'acts.safetensors');
    const dict = makeDictionary({ dModel: 16, only0: 4, only1: 4, shared: 8, seed: 6 });
    await writeActivationsFile(acts, { acts_NMD: sampleBatch(dict, 2048, 12), nCheckpoints: 2, dModel: 16 });
  });
  afterAll(() => tmp.cleanup());

  const options = (type: 'l1' | 'batchtopk', out: string, extra: Partial<TrainRunOptions> = {}) => ({
    acts,
    out,
    saveEvery: 10,
    config: {
      type,
      nFeatures: 48,
      steps: 30,
      batchSize: 64,
      learningRate: 1e-2,
      l1Coeff: 0.05,
      k: 3,
      seed: 3,
      deadTokens: 128,
      thresholdStartStep: 5,
    },
    ...extra,
  });

  const weightsOf = (dir: string): Promise<Map<string, HostTensor>> =>
    readSafetensors(join(dir, 'crosscoder.safetensors'));

  /** Trains until step `stopAt`, then aborts (the last save is at the multiple of 10 below). */
  async function interrupted(o: TrainRunOptions, stopAt: number): Promise<void> {
    const controller = new AbortController();
    const run = trainCrosscoderRun({
      ...o,
      signal: controller.signal,
      onStep: (m) => {
        if (m.step === stopAt) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(CancelledError);
  }

  async function expectClose(a: string, b: string, tolerance: number, label: string): Promise<void> {
    const [wa, wb] = await Promise.all([weightsOf(a), weightsOf(b)]);
    for (const name of weightNames) {
      const error = relativeError(wa.get(name)!.data, wb.get(name)!.data);
      if (process.env.CTT_PARITY_REPORT === '1')
        console.log(`parity ${label} ${name}: ${error.toExponential(2)}`);
      expect(error, `${label} ${name}`).toBeLessThan(tolerance);
    }
  }

  for (const type of ['l1', 'batchtopk'] as const) {
    it(`${type}: a seeded 30-step run reaches the same weights on both engines, and says which engine trained`, async () => {
      const [native, tfjs] = [tmp.make(), tmp.make()];
      const a = await trainCrosscoderRun({ ...options(type, native), engine: 'native', threads: 2 });
      const b = await trainCrosscoderRun({ ...options(type, tfjs), engine: 'tfjs' });
      expect(a.engine).toMatchObject({ engine: 'native', reason: 'requested native' });
      expect(b.engine.engine).toBe('tfjs');
      expect(readRunConfig(native).engine).toEqual({
        engine: 'native',
        reason: 'requested native',
        threads: 2,
      });
      expect(readRunConfig(tfjs).engine).toMatchObject({ engine: 'tfjs', threads: null });
      expect(a.last!.step).toBe(30);
      expect(Math.abs(a.last!.loss - b.last!.loss) / b.last!.loss).toBeLessThan(1e-4);
      await expectClose(native, tfjs, 1e-4, `${type} 30 steps native vs tfjs`);
      if (type === 'batchtopk') expect((await weightsOf(native)).get('theta')!.data[0]).toBeGreaterThan(0);
    });

    it(`${type}: a native run stopped at step 17 resumes from its step-10 save to the very same weights`, async () => {
      const [straight, resumed] = [tmp.make(), tmp.make()];
      await trainCrosscoderRun({ ...options(type, straight), engine: 'native' });
      await interrupted({ ...options(type, resumed), engine: 'native' }, 17);
      expect(readRunConfig(resumed).step).toBe(10);
      const result = await trainCrosscoderRun({ ...options(type, resumed), engine: 'native' });
      expect(result.resumedFrom).toBe(10);
      const [wa, wb] = await Promise.all([weightsOf(straight), weightsOf(resumed)]);
      for (const name of weightNames) expect(wb.get(name)!.data, name).toEqual(wa.get(name)!.data);
      const metrics = (dir: string): string => readFileSync(join(dir, 'metrics.jsonl'), 'utf8');
      expect(metrics(resumed)).toBe(metrics(straight));
    });
  }

  it('a run saved by native resumes on tfjs, and one saved by tfjs resumes on native', async () => {
    for (const [first, second] of [
      ['native', 'tfjs'],
      ['tfjs', 'native'],
    ] as const) {
      const [straight, crossed] = [tmp.make(), tmp.make()];
      await trainCrosscoderRun({ ...options('batchtopk', straight), engine: second });
      await interrupted({ ...options('batchtopk', crossed), engine: first }, 14);
      expect(readRunConfig(crossed).engine?.engine).toBe(first);
      const result = await trainCrosscoderRun({ ...options('batchtopk', crossed), engine: second });
      expect([result.resumedFrom, result.engine.engine]).toEqual([10, second]);
      expect(readRunConfig(crossed).engine?.engine).toBe(second);
      await expectClose(crossed, straight, 1e-4, `${first} → ${second} resume`);
    }
  });
});
