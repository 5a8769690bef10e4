import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openActivationStore, selectCheckpoints } from '../../../src/core/activations/activation-store';
import { crosscoderConfigSchema } from '../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../src/core/crosscoder/crosscoder';
import { evaluateCrosscoder } from '../../../src/core/crosscoder/evaluate';
import { decode, encode, l1Loss } from '../../../src/core/crosscoder/forward';
import { readRunConfig } from '../../../src/core/crosscoder/run-files';
import { trainCrosscoderRun } from '../../../src/core/crosscoder/train-run';
import { syntheticValue, writeSyntheticStore } from '../../helpers/activation-fixtures';
import { createTmpDirs } from '../../helpers/tmp-dir';

// Checkpoint views of an activation store (the reordered runs and per-checkpoint SAEs of issue 12) and
// crosscoders over one checkpoint (SAEs): same rows, same batch order, checkpoints permuted or picked.

const tmp = createTmpDirs('ctt-view-');
afterAll(() => tmp.cleanup());
let storeDir = '';
beforeAll(async () => {
  await tf.setBackend('cpu');
  storeDir = join(tmp.make(), 'store');
  await writeSyntheticStore(storeDir, { shardRows: [5, 7, 4], nCheckpoints: 3, dModel: 2 });
});

const collect = async (gen: AsyncGenerator<Float32Array>): Promise<Float32Array[]> => {
  const out: Float32Array[] = [];
  for await (const b of gen) out.push(Float32Array.from(b));
  return out;
};

describe('selectCheckpoints', () => {
  it('permutes the checkpoints of every row, with the scale factors and manifest in the view order', async () => {
    const store = await openActivationStore(storeDir);
    const view = selectCheckpoints(store, [2, 0, 1]);
    expect(view).toMatchObject({ nCheckpoints: 3, dModel: 2, rows: 16, source: store.source });
    expect(Array.from(view.scale)).toEqual([store.scale[2], store.scale[0], store.scale[1]]);
    expect(view.manifest!.revisions.map((r) => r.revision)).toEqual(['r2', 'r0', 'r1']);
    expect(view.manifest!.shape).toEqual([16, 3, 2]);
    const rows = await view.readShard(1); // rows 5…11 of the store
    const value = (row: number, m: number, j: number) => Math.fround(syntheticValue(row, m, j));
    expect(rows[0]).toBe(value(5, 2, 0));
    expect(rows[3]).toBe(value(5, 0, 1));
    expect(rows[6 + 4]).toBe(value(6, 1, 0));
  });

  it('batches visit the same rows in the same order as the source store with the same seed', async () => {
    const store = await openActivationStore(storeDir);
    const options = { batchSize: 4, seed: 9, epochs: 1, shouldNormalize: true };
    const whole = await collect(store.batches(options));
    const single = await collect(selectCheckpoints(store, [1]).batches(options));
    expect(single.map((b) => b.length)).toEqual(whole.map((b) => b.length / 3));
    whole.forEach((batch, i) => {
      for (let r = 0; r < batch.length / 6; r++) {
        expect(single[i]![r * 2]).toBeCloseTo(batch[r * 6 + 2]!, 6);
        expect(single[i]![r * 2 + 1]).toBeCloseTo(batch[r * 6 + 3]!, 6);
      }
    });
  });

  it('refuses positions outside the store or repeated', async () => {
    const store = await openActivationStore(storeDir);
    expect(() => selectCheckpoints(store, [0, 3])).toThrow(/must pick positions 0…2/);
    expect(() => selectCheckpoints(store, [1, 1])).toThrow(/repeats a checkpoint/);
    expect(() => selectCheckpoints(store, [])).toThrow(/must pick/);
  });
});

describe('view files', () => {
  const writeView = (value: unknown): string => {
    const file = join(tmp.make(), 'activations.view.json');
    writeFileSync(file, JSON.stringify(value));
    return file;
  };
  const view = { format: 'ctt-activations-view', version: 1 };

  it('open as the view of their source; the revisions they name are checked', async () => {
    const file = writeView({ ...view, source: storeDir, order: [2, 1, 0], revisions: ['r2', 'r1', 'r0'] });
    const store = await openActivationStore(file);
    expect(store.manifest!.revisions.map((r) => r.revision)).toEqual(['r2', 'r1', 'r0']);
    const wrong = writeView({ ...view, source: storeDir, order: [2, 1, 0], revisions: ['r0', 'r1', 'r2'] });
    await expect(openActivationStore(wrong)).rejects.toThrow(/names revisions \[r0, r1, r2\] but selects/);
    const bad = writeView({ ...view, source: storeDir });
    await expect(openActivationStore(bad)).rejects.toThrow(/not an activation view file/);
  });
});

describe('a crosscoder over one checkpoint (an SAE)', () => {
  it('trains from a one-checkpoint view; encodes, decodes and evaluates', async () => {
    const file = join(tmp.make(), 'sae.view.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'ctt-activations-view',
        version: 1,
        source: storeDir,
        order: [1],
        revisions: ['r1'],
      }),
    );
    const out = join(tmp.make(), 'sae');
    const config = { nFeatures: 4, steps: 12, batchSize: 4, learningRate: 1e-2, l1Coeff: 0.1 };
    const result = await trainCrosscoderRun({ acts: file, config, out, saveEvery: 5, engine: 'tfjs' });
    expect(result.config.nCheckpoints).toBe(1);
    expect(Number.isFinite(result.last!.loss)).toBe(true);
    expect(readRunConfig(out)).toMatchObject({ step: 12, config: { nCheckpoints: 1, dModel: 2 } });

    const sae = Crosscoder.create(
      crosscoderConfigSchema.parse({ nCheckpoints: 1, dModel: 2, nFeatures: 4, steps: 1 }),
    );
    try {
      const x = tf.tensor3d([1, 2, -1, 0.5, 0, 3], [3, 1, 2]);
      const shapes = tf.tidy(() => {
        const f = encode(sae, x);
        return [f.shape, decode(sae, f).shape, l1Loss(sae, x, 1).loss.arraySync()];
      });
      expect(shapes[0]).toEqual([3, 4]);
      expect(shapes[1]).toEqual([3, 1, 2]);
      expect(Number.isFinite(shapes[2] as number)).toBe(true);
      const metrics = await evaluateCrosscoder(sae, [(await x.data()) as Float32Array]);
      expect(metrics.tokens).toBe(3);
      expect(metrics.msePerCheckpoint).toHaveLength(1);
      expect(Number.isFinite(metrics.fvu)).toBe(true);
      x.dispose();
    } finally {
      sae.dispose();
    }
  });
});
