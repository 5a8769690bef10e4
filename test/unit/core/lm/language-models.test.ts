import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { expectedWeights, parameterCountOf, type FamilyConfig } from '../../../../src/core/hf/architectures';
import { padBatch } from '../../../../src/core/lm/batch';
import type { LanguageModel } from '../../../../src/core/lm/language-model';
import { buildLanguageModel, languageModelFromHostTensors } from '../../../../src/core/lm/load';
import { LmTrainer } from '../../../../src/core/lm/lm-trainer';
import { alibiSlopes } from '../../../../src/core/lm/ops';
import { randomFamilyWeights, tinyBloomConfig, tinyOlmoConfig } from '../../../helpers/random-lm';

const sequence = [3, 1, 4, 1, 5, 9, 2, 6];

const families: { name: string; family: FamilyConfig }[] = [
  { name: 'OLMo untied', family: { architecture: 'olmo', config: tinyOlmoConfig() } },
  {
    name: 'OLMo tied, clip_qkv',
    family: { architecture: 'olmo', config: tinyOlmoConfig({ isTiedEmbeddings: true, clipQkv: 0.5 }) },
  },
  { name: 'BLOOM tied', family: { architecture: 'bloom', config: tinyBloomConfig() } },
  {
    name: 'BLOOM untied',
    family: { architecture: 'bloom', config: tinyBloomConfig({ isTiedEmbeddings: false }) },
  },
];

for (const { name, family } of families) {
  describe(`LanguageModel: ${name}`, () => {
    let model: LanguageModel;
    beforeAll(async () => {
      await selectBackend('cpu');
      model = languageModelFromHostTensors(family, randomFamilyWeights(family));
    });
    afterAll(() => model.dispose());

    it('holds every parameter once and saves them under their Hugging Face names', async () => {
      expect(model.architecture).toBe(family.architecture);
      expect(model.parameterCount).toBe(parameterCountOf(family));
      const saved = await model.toHostTensors();
      const weights = randomFamilyWeights(family);
      expect([...saved.keys()].sort()).toEqual(
        expectedWeights(family)
          .map((w) => w.name)
          .sort(),
      );
      for (const [key, tensor] of saved) {
        expect(tensor.shape).toEqual(weights.get(key)!.shape);
        expect(Array.from(tensor.data)).toEqual(Array.from(weights.get(key)!.data));
      }
    });

    it('replacing a residual with itself changes nothing; with another value matches forwardFrom', async () => {
      const batch = padBatch([sequence]);
      const plain = model.forward(batch, { readLayers: [0] });
      const same = model.forward(batch, { replace: { layer: 0, fn: (h) => h } });
      expect(Array.from(await same.logits_BTV!.data())).toEqual(Array.from(await plain.logits_BTV!.data()));
      const direction = tf.linspace(-1, 1, model.config.dModel);
      const shifted = model.forward(batch, { replace: { layer: 0, fn: (h) => tf.add(h, direction) } });
      const context = model.createContext(batch);
      const input = tf.add(plain.residuals.get(0)!, direction) as tf.Tensor3D;
      const manual = model.forwardFrom(1, input, context);
      model.disposeContext(context);
      const a = await shifted.logits_BTV!.data();
      const p = await plain.logits_BTV!.data();
      expect(Array.from(a)).toEqual(Array.from(await manual.data()));
      expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - p[i]!)))).toBeGreaterThan(1e-3);
      tf.dispose([plain.logits_BTV!, ...plain.residuals.values(), same.logits_BTV!, shifted.logits_BTV!]);
      tf.dispose([input, manual, direction]);
    });

    it('leaks no tensors across forward and gradient calls, and dispose releases every weight', () => {
      const before = tf.memory().numTensors;
      const batch = padBatch([sequence, [1, 2]], { side: 'left' });
      const out = model.forward(batch, { readLayers: [0, 1] });
      tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
      const context = model.createContext(batch);
      const h = model.embed(batch);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(model.forwardFrom(0, x as tf.Tensor3D, context)))(h);
      tf.dispose([h, grad]);
      model.disposeContext(context);
      expect(tf.memory().numTensors).toBe(before);
      const other = languageModelFromHostTensors(family, randomFamilyWeights(family, 2));
      expect(tf.memory().numTensors).toBeGreaterThan(before);
      other.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });

    it('names a missing or misshapen weight and keeps nothing it made', async () => {
      const names = expectedWeights(family).map((w) => w.name);
      const weights = randomFamilyWeights(family);
      const victim = names[names.length - 2]!;
      weights.delete(victim);
      const before = tf.memory().numTensors;
      await expect(buildLanguageModel(family, async () => weights)).rejects.toThrow(
        `missing weight ${victim}`,
      );
      expect(tf.memory().numTensors).toBe(before);
      const wider = randomFamilyWeights({
        ...family,
        config: { ...family.config, dModel: 2 * family.config.dModel },
      } as FamilyConfig);
      expect(() => languageModelFromHostTensors(family, wider)).toThrow(/has shape \[.*\], expected \[.*\]/);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
}

describe('LanguageModel training on wasm (every weight gets a gradient)', () => {
  for (const { name, family } of families.filter((f) => f.family.config.isTiedEmbeddings)) {
    it(`${name}: a few Adam steps lower the loss on a repeated sequence`, async () => {
      await selectBackend('wasm');
      const model = languageModelFromHostTensors(family, randomFamilyWeights(family, 3), {
        isTrainable: true,
      });
      expect(model.variables.length).toBe(expectedWeights(family).length);
      const trainer = new LmTrainer(model, { learningRate: 1e-2, warmupSteps: 0, totalSteps: 20 });
      const batch = padBatch([sequence, [...sequence].reverse()]);
      const first = await trainer.trainStep(batch);
      let last = first;
      for (let i = 0; i < 9; i++) last = await trainer.trainStep(batch);
      expect(last).toBeLessThan(0.7 * first);
      trainer.dispose();
      model.dispose();
    });
  }
});

describe('wasm weight budget and ALiBi slopes', () => {
  it('refuses 1B-shaped OLMo and BLOOM on wasm before loading anything', async () => {
    await selectBackend('wasm');
    const olmo1b: FamilyConfig = {
      architecture: 'olmo',
      config: tinyOlmoConfig({
        vocabSize: 50304,
        dModel: 2048,
        nLayers: 16,
        nHeads: 16,
        headSize: 128,
        rotaryDims: 128,
        dMlp: 8192,
        isTiedEmbeddings: true,
      }),
    };
    const bloom1b1: FamilyConfig = {
      architecture: 'bloom',
      config: tinyBloomConfig({
        vocabSize: 250880,
        dModel: 1536,
        nLayers: 24,
        nHeads: 16,
        headSize: 96,
        dMlp: 6144,
      }),
    };
    expect(parameterCountOf(olmo1b)).toBe(1_176_764_416);
    expect(parameterCountOf(bloom1b1)).toBe(1_065_314_304); // bigscience/bloom-1b1's published count
    const before = tf.memory().numTensors;
    for (const family of [olmo1b, bloom1b1]) {
      await expect(
        buildLanguageModel(family, () => Promise.reject(new Error('must not load'))),
      ).rejects.toThrow(/GiB of float32 weights, more than the wasm backend can run/);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives power-of-two head counts 2^(−8i/H) and interleaves the rest', () => {
    expect(Array.from(alibiSlopes(16))).toEqual(
      Array.from({ length: 16 }, (_, i) => Math.fround(2 ** (-(i + 1) / 2))),
    );
    expect(Array.from(alibiSlopes(6))).toEqual([0.25, 0.0625, 0.015625, 0.00390625, 0.5, 0.125]);
  });
});
