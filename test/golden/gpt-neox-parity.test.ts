import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { loadWeights, readModelFolder } from '../../src/core/hf/model-folder';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { relativeError } from '../helpers/compare';
import { parityBackends } from '../helpers/lm-parity';
import { padBatch } from '../../src/core/lm/batch';
import type { LanguageModel } from '../../src/core/lm/language-model';
import { languageModelFromHostTensors } from '../../src/core/lm/load';

// Parity with the independent PyTorch reference (scripts/golden/gpt_neox_reference.py, float64),
// which wrote these fixtures: random tiny GPT-NeoX models in Hugging Face format and their outputs.
const fixtures = join(import.meta.dirname, 'fixtures');
const variants = [
  'gpt-neox-tiny-parallel-f32',
  'gpt-neox-tiny-sequential-f16',
  'gpt-neox-tiny-parallel-bf16',
];
const sequenceCount = 3;
const tolerance = 1e-4;

/** Rows [offset, offset+len) of a [B,T,X] tensor's sequence b, flattened. */
async function rowsOf(t: tf.Tensor3D, b: number, offset: number, len: number): Promise<Float32Array> {
  const slice = t.slice([b, offset, 0], [1, len, -1]);
  const data = (await slice.data()) as Float32Array;
  slice.dispose();
  return data;
}

for (const backend of parityBackends) {
  describe(`GPT-NeoX parity with the PyTorch reference (${backend})`, () => {
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
          const folder = await readModelFolder(join(fixtures, variant));
          model = languageModelFromHostTensors(folder, await loadWeights(folder));
          expected = await readSafetensors(join(fixtures, variant, 'expected.safetensors'));
        });
        afterAll(() => model.dispose());

        it('logits and every block residual agree to 1e-4 relative, one sequence at a time', async () => {
          const layers = [...Array(model.config.nLayers).keys()];
          for (let s = 0; s < sequenceCount; s++) {
            const sequence = ids(s);
            const out = model.forward(padBatch([sequence]), { readLayers: layers });
            expect(
              relativeError(
                await rowsOf(out.logits_BTV!, 0, 0, sequence.length),
                expected.get(`logits_${s}`)!.data,
              ),
            ).toBeLessThan(tolerance);
            for (const layer of layers) {
              const resid = out.residuals.get(layer)!;
              expect(
                relativeError(
                  await rowsOf(resid, 0, 0, sequence.length),
                  expected.get(`resid_${s}_${layer}`)!.data,
                ),
              ).toBeLessThan(tolerance);
            }
            tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
          }
        });

        for (const side of ['right', 'left'] as const) {
          it(`a ${side}-padded batch gives each sequence its unpadded outputs`, async () => {
            const sequences = [0, 1, 2].map(ids);
            const batch = padBatch(sequences, { side, padId: 1 });
            const out = model.forward(batch, { readLayers: [1] });
            for (let s = 0; s < sequenceCount; s++) {
              const n = batch.lengths[s]!;
              const logits = await rowsOf(out.logits_BTV!, s, batch.offsets[s]!, n);
              expect(relativeError(logits, expected.get(`logits_${s}`)!.data)).toBeLessThan(tolerance);
              const resid = await rowsOf(out.residuals.get(1)!, s, batch.offsets[s]!, n);
              expect(relativeError(resid, expected.get(`resid_${s}_1`)!.data)).toBeLessThan(tolerance);
            }
            tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
          });
        }
      });
    }
  });
}
