import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { crosscoderConfigSchema } from '../../src/core/crosscoder/config';
import { Crosscoder } from '../../src/core/crosscoder/crosscoder';
import { batchTopKLoss, l1Loss } from '../../src/core/crosscoder/forward';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { relativeError } from '../helpers/compare';

// Losses and gradients against the independent PyTorch reference (scripts/golden/crosscoder_reference.py).
const fixture = join(import.meta.dirname, 'fixtures', 'crosscoder', 'case.safetensors');
const [B, M, D, F] = [16, 3, 8, 32];

for (const backend of ['cpu', 'wasm'] as const) {
  describe(`crosscoder losses and gradients vs PyTorch (${backend})`, () => {
    let ref: Map<string, HostTensor>;
    let cc: Crosscoder;
    let x: tf.Tensor3D;
    const value = (name: string): number => ref.get(name)!.data[0]!;
    /** Every parameter's gradient against the reference's `<prefix>.grad.<name>`. */
    const expectGradients = async (prefix: string, grads: tf.NamedTensorMap): Promise<void> => {
      const params = { W_enc: cc.wEnc_MDF, W_dec: cc.wDec_FMD, b_enc: cc.bEnc_F, b_dec: cc.bDec_MD };
      for (const [name, variable] of Object.entries(params)) {
        const grad = await grads[variable.name]!.data();
        expect(relativeError(grad, ref.get(`${prefix}.grad.${name}`)!.data), name).toBeLessThan(1e-5);
      }
    };

    beforeAll(async () => {
      await selectBackend(backend);
      ref = await readSafetensors(fixture);
      const config = crosscoderConfigSchema.parse({
        nCheckpoints: M,
        dModel: D,
        nFeatures: F,
        steps: 1,
        type: 'batchtopk',
        k: 4,
      });
      cc = Crosscoder.fromHost(config, ref);
      x = tf.tensor3d(ref.get('x')!.data as Float32Array, [B, M, D]);
    });

    it('L1 loss terms and the gradient of every parameter agree to 1e-5 relative', async () => {
      const { value: loss, grads } = tf.variableGrads(() => l1Loss(cc, x, 0.7).loss, cc.variables);
      expect(Math.abs((await loss.data())[0]! - value('l1.loss')) / value('l1.loss')).toBeLessThan(1e-5);
      const terms = tf.tidy(() => {
        const t = l1Loss(cc, x, 0.7);
        return [t.reconstruction, t.sparsity, tf.mean(tf.sum(tf.cast(tf.greater(t.f_BF, 0), 'float32'), 1))];
      });
      const [rec, sp, l0] = await Promise.all(terms.map(async (t) => (await t.data())[0]!));
      expect(rec! / value('l1.reconstruction')).toBeCloseTo(1, 5);
      expect(sp! / value('l1.sparsity')).toBeCloseTo(1, 5);
      expect(l0).toBe(value('l1.l0'));
      await expectGradients('l1', grads);
      tf.dispose([loss, ...Object.values(grads), ...terms]);
    });

    it('BatchTopK loss with AuxK (correct residual sign) and its gradients agree to 1e-5 relative', async () => {
      const dead = Uint8Array.from(ref.get('dead')!.data, (v) => (v > 0 ? 1 : 0));
      const { value: loss, grads } = tf.variableGrads(() => batchTopKLoss(cc, x, 4, dead).loss, cc.variables);
      expect(Math.abs((await loss.data())[0]! - value('btk.loss')) / value('btk.loss')).toBeLessThan(1e-5);
      const terms = tf.tidy(() => {
        const t = batchTopKLoss(cc, x, 4, dead);
        return [t.reconstruction, t.auxiliary, tf.sum(tf.cast(tf.greater(t.f_BF, 0), 'float32'))];
      });
      const [rec, aux, kept] = await Promise.all(terms.map(async (t) => (await t.data())[0]!));
      expect(rec! / value('btk.reconstruction')).toBeCloseTo(1, 5);
      expect(aux! / value('btk.auxiliary')).toBeCloseTo(1, 5);
      expect(kept).toBe(value('btk.kept'));
      await expectGradients('btk', grads);
      tf.dispose([loss, ...Object.values(grads), ...terms]);
    });
  });
}
