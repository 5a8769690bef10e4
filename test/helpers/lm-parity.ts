import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import { nativeAddon } from '../../src/core/native/native-addon';
import type { BackendName } from '../../src/shared/domain';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { padBatch, type TokenBatch } from '../../src/core/lm/batch';
import type { LanguageModel } from '../../src/core/lm/language-model';
import { loadLanguageModel } from '../../src/core/lm/load';
import { relativeError } from './compare';

// Golden parity of a model family against its PyTorch reference's fixtures (scripts/golden/*_reference.py):
// logits and every block's residual, padded batches, and gradients through a replaced residual.

export const goldenFixtures = join(import.meta.dirname, '..', 'golden', 'fixtures');

/**
 * cpu and wasm always, native (cpu + the addon's kernels) where the addon is built; tfjs-node backends
 * where asked for, e.g. on a GPU machine `CTT_PARITY_BACKENDS=tensorflow-gpu npx vitest run test/golden`
 * (they must then load, or the suite fails; asking for native where the addon is missing fails too).
 */
export const parityBackends: readonly BackendName[] = [
  ...new Set<BackendName>([
    'cpu',
    'wasm',
    ...(nativeAddon() !== null ? (['native'] as const) : []),
    ...(process.env.CTT_PARITY_BACKENDS ?? '')
      .split(',')
      .filter((b) => b !== '')
      .map((b) => parseBackendPreference(b))
      .filter((b): b is BackendName => b !== undefined && b !== 'auto'),
  ]),
];
export const parityTolerance = 1e-4;
const sequenceCount = 3;

/** Rows [offset, offset+len) of a [B,T,X] tensor's sequence b, flattened. */
export async function rowsOf(t: tf.Tensor3D, b: number, offset: number, len: number): Promise<Float32Array> {
  const slice = t.slice([b, offset, 0], [1, len, -1]);
  const data = (await slice.data()) as Float32Array;
  slice.dispose();
  return data;
}

/** sum(log_softmax(logits) ⊙ direction), the fixtures' gradient objective. */
function objective(logits_BTV: tf.Tensor3D, direction_BTV: tf.Tensor3D): tf.Scalar {
  return tf.sum(tf.mul(tf.logSoftmax(logits_BTV), direction_BTV)) as tf.Scalar;
}

export interface ParityErrors {
  logits: number;
  residuals: number;
  gradient: number;
}

/** Max relative errors over the fixture's sequences, blocks and gradients (for reports). */
export async function measureParity(
  model: LanguageModel,
  expected: Map<string, HostTensor>,
): Promise<ParityErrors> {
  const errors: ParityErrors = { logits: 0, residuals: 0, gradient: 0 };
  const layers = [...Array(model.config.nLayers).keys()];
  for (let s = 0; s < sequenceCount; s++) {
    const sequence = Array.from(expected.get(`ids_${s}`)!.data);
    const out = model.forward(padBatch([sequence]), { readLayers: layers });
    const logits = await rowsOf(out.logits_BTV!, 0, 0, sequence.length);
    errors.logits = Math.max(errors.logits, relativeError(logits, expected.get(`logits_${s}`)!.data));
    for (const layer of layers) {
      const resid = await rowsOf(out.residuals.get(layer)!, 0, 0, sequence.length);
      const error = relativeError(resid, expected.get(`resid_${s}_${layer}`)!.data);
      errors.residuals = Math.max(errors.residuals, error);
    }
    tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
  }
  const grads = await gradients(model, expected);
  errors.gradient = Math.max(
    relativeError(grads.viaForwardFrom, expected.get('grad_resid')!.data),
    relativeError(grads.viaReplace, expected.get('grad_resid')!.data),
    relativeError(grads.ofEmbedding, expected.get('grad_embed')!.data),
  );
  return errors;
}

/**
 * The gradient of the objective w.r.t. the residual at the output of block grad_layer, two ways
 * (forwardFrom on the read residual; a replacement h + δ at δ = 0), and w.r.t. the embedding output.
 */
export async function gradients(
  model: LanguageModel,
  expected: Map<string, HostTensor>,
): Promise<{ viaForwardFrom: Float32Array; viaReplace: Float32Array; ofEmbedding: Float32Array }> {
  const sequence = Array.from(expected.get('ids_0')!.data);
  const layer = expected.get('grad_layer')!.data[0]!;
  const batch: TokenBatch = padBatch([sequence]);
  const dir = expected.get('grad_dir')!;
  const direction = tf.tensor3d(dir.data as Float32Array, [1, dir.shape[0]!, dir.shape[1]!]);
  const context = model.createContext(batch);
  const read = model.forward(batch, { readLayers: [layer], shouldSkipLogits: true });
  const resid = read.residuals.get(layer)!;
  const embedded = model.embed(batch);
  const fromResid = tf.grad((h: tf.Tensor) =>
    objective(model.forwardFrom(layer + 1, h as tf.Tensor3D, context), direction),
  )(resid);
  const zero = tf.zerosLike(resid);
  const fromReplace = tf.grad((delta: tf.Tensor) => {
    const out = model.forward(batch, { replace: { layer, fn: (h) => tf.add(h, delta) as tf.Tensor3D } });
    return objective(out.logits_BTV!, direction);
  })(zero);
  const fromEmbedding = tf.grad((h: tf.Tensor) =>
    objective(model.forwardFrom(0, h as tf.Tensor3D, context), direction),
  )(embedded);
  const result = {
    viaForwardFrom: (await fromResid.data()) as Float32Array,
    viaReplace: (await fromReplace.data()) as Float32Array,
    ofEmbedding: (await fromEmbedding.data()) as Float32Array,
  };
  model.disposeContext(context);
  tf.dispose([direction, resid, zero, embedded, fromResid, fromReplace, fromEmbedding]);
  return result;
}

/** The parity suite for fixture folders of one family, on the cpu and wasm backends. */
export function describeFamilyParity(
  family: string,
  variants: readonly string[],
  extra?: (getModel: () => LanguageModel, getExpected: () => Map<string, HostTensor>) => void,
): void {
  for (const backend of parityBackends) {
    describe(`${family} parity with the PyTorch reference (${backend})`, () => {
      beforeAll(async () => {
        const info = await selectBackend(backend);
        expect(info.backend, info.reason).toBe(backend);
      });

      for (const variant of variants) {
        describe(variant, () => {
          let model: LanguageModel;
          let expected: Map<string, HostTensor>;
          const ids = (s: number): number[] => Array.from(expected.get(`ids_${s}`)!.data);

          beforeAll(async () => {
            model = (await loadLanguageModel(join(goldenFixtures, variant))).model;
            expected = await readSafetensors(join(goldenFixtures, variant, 'expected.safetensors'));
          });
          afterAll(() => model.dispose());

          it('logits, every block residual and the gradients agree to 1e-4 relative', async () => {
            const before = tf.memory().numTensors;
            const errors = await measureParity(model, expected);
            expect(errors.logits).toBeLessThan(parityTolerance);
            expect(errors.residuals).toBeLessThan(parityTolerance);
            expect(errors.gradient).toBeLessThan(parityTolerance);
            expect(tf.memory().numTensors).toBe(before);
          });

          for (const side of ['right', 'left'] as const) {
            it(`a ${side}-padded batch gives each sequence its unpadded outputs`, async () => {
              const sequences = [0, 1, 2].map(ids);
              const batch = padBatch(sequences, { side, padId: 1 });
              const out = model.forward(batch, { readLayers: [1] });
              for (let s = 0; s < sequenceCount; s++) {
                const n = batch.lengths[s]!;
                const logits = await rowsOf(out.logits_BTV!, s, batch.offsets[s]!, n);
                expect(relativeError(logits, expected.get(`logits_${s}`)!.data)).toBeLessThan(
                  parityTolerance,
                );
                const resid = await rowsOf(out.residuals.get(1)!, s, batch.offsets[s]!, n);
                expect(relativeError(resid, expected.get(`resid_${s}_1`)!.data)).toBeLessThan(
                  parityTolerance,
                );
              }
              tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
            });
          }

          extra?.(
            () => model,
            () => expected,
          );
        });
      }
    });
  }
}
