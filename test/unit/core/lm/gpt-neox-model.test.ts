import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { padBatch } from '../../../../src/core/lm/batch';
import { GptNeoxModel } from '../../../../src/core/lm/gpt-neox-model';
import { randomGptNeoxWeights, tinyConfig } from '../../../helpers/random-gpt-neox';

const sequence = [3, 1, 4, 1, 5, 9, 2, 6];

describe('GptNeoxModel', () => {
  let model: GptNeoxModel;
  beforeAll(async () => {
    await selectBackend('cpu');
    model = GptNeoxModel.fromHostTensors(tinyConfig(), randomGptNeoxWeights(tinyConfig()));
  });
  afterAll(() => model.dispose());

  it('replacing a residual with itself changes nothing; with another value matches forwardFrom', async () => {
    const batch = padBatch([sequence]);
    const plain = model.forward(batch, { readLayers: [0] });
    const same = model.forward(batch, { replace: { layer: 0, fn: (h) => h } });
    expect(Array.from(await same.logits_BTV!.data())).toEqual(Array.from(await plain.logits_BTV!.data()));

    // Not a constant shift: LayerNorm would remove that.
    const direction = tf.linspace(-1, 1, 16);
    const shifted = model.forward(batch, { replace: { layer: 0, fn: (h) => tf.add(h, direction) } });
    const context = model.createContext(batch);
    const input = tf.add(plain.residuals.get(0)!, direction) as tf.Tensor3D;
    const manual = model.forwardFrom(1, input, context);
    GptNeoxModel.disposeContext(context);
    const a = await shifted.logits_BTV!.data();
    const b = await manual.data();
    const p = await plain.logits_BTV!.data();
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(Math.max(...Array.from(a, (x, i) => Math.abs(x - p[i]!)))).toBeGreaterThan(1e-3);
    tf.dispose([
      plain.logits_BTV!,
      ...plain.residuals.values(),
      same.logits_BTV!,
      shifted.logits_BTV!,
      input,
      manual,
      direction,
    ]);
  });

  it('differentiates through the rest of the model: gradient matches finite differences', async () => {
    const batch = padBatch([sequence]);
    const context = model.createContext(batch);
    const out = model.forward(batch, { readLayers: [1], shouldSkipLogits: true });
    const resid = out.residuals.get(1)!;
    const t = sequence.length - 1;
    // Metric: logit(7) − logit(2) at the last position, as in attribution.
    const metric = (h: tf.Tensor3D): tf.Scalar =>
      tf.tidy(() => {
        const logits = model.forwardFrom(2, h, context);
        const last = logits.slice([0, t, 0], [1, 1, -1]).reshape([-1]);
        return tf.sub(last.gather(7), last.gather(2)).asScalar();
      });
    const grad = tf.grad((h: tf.Tensor) => metric(h as tf.Tensor3D))(resid) as tf.Tensor3D;
    const gradData = await grad.data();
    const base = await resid.data();
    const epsilon = 1e-2;
    for (const index of [0, 5, 17, 16 * t + 3, 16 * t + 11]) {
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[index]! += epsilon;
      minus[index]! -= epsilon;
      const [mp, mm] = [plus, minus].map((d) =>
        tf.tidy(() => metric(tf.tensor3d(d, resid.shape)).dataSync()[0]!),
      );
      const numeric = (mp! - mm!) / (2 * epsilon);
      expect(Math.abs(numeric - gradData[index]!)).toBeLessThan(2e-2 * Math.max(1, Math.abs(numeric)));
    }
    // Causality: the gradient on positions after t is zero only beyond the last token; earlier ones matter.
    expect(Math.max(...Array.from(gradData.slice(0, 16), Math.abs))).toBeGreaterThan(0);
    tf.dispose([grad, resid]);
    GptNeoxModel.disposeContext(context);
  });

  it('leaks no tensors across forward calls, and dispose releases every weight', () => {
    const before = tf.memory().numTensors;
    const out = model.forward(padBatch([sequence, [1, 2]], { side: 'left' }), { readLayers: [0, 2] });
    tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
    expect(tf.memory().numTensors).toBe(before);

    const other = GptNeoxModel.fromHostTensors(tinyConfig(), randomGptNeoxWeights(tinyConfig(), 2));
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    other.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects layers out of range and missing or misshapen weights with a clear message', () => {
    expect(() => model.forward(padBatch([sequence]), { readLayers: [3] })).toThrow(/layer 3 is out of range/);
    const weights = randomGptNeoxWeights(tinyConfig());
    weights.delete('gpt_neox.layers.1.mlp.dense_4h_to_h.bias');
    const before = tf.memory().numTensors;
    expect(() => GptNeoxModel.fromHostTensors(tinyConfig(), weights)).toThrow(
      /missing weight gpt_neox\.layers\.1\.mlp\.dense_4h_to_h\.bias/,
    );
    expect(tf.memory().numTensors).toBe(before);
    const wrong = randomGptNeoxWeights(tinyConfig({ dMlp: 24 }));
    expect(() => GptNeoxModel.fromHostTensors(tinyConfig(), wrong)).toThrow(
      /has shape \[24,16\], expected \[32,16\]/,
    );
  });

  it('uses the embedding as unembedding when tied', async () => {
    const config = tinyConfig({ isTiedEmbeddings: true });
    const weights = randomGptNeoxWeights(config);
    weights.delete('embed_out.weight');
    const tied = GptNeoxModel.fromHostTensors(config, weights);
    const out = tied.forward(padBatch([sequence]));
    expect(out.logits_BTV!.shape).toEqual([1, sequence.length, config.vocabSize]);
    out.logits_BTV!.dispose();
    tied.dispose();
  });
});

describe('GptNeoxModel on wasm', () => {
  it('counts parameters as Hugging Face does and refuses models too large for the wasm heap', async () => {
    const { gptNeoxParameterCount } = await import('../../../../src/core/lm/gpt-neox-model');
    const weights = randomGptNeoxWeights(tinyConfig());
    const total = [...weights.values()].reduce((n, t) => n + t.data.length, 0);
    expect(gptNeoxParameterCount(tinyConfig())).toBe(total);
    const pythia1b = tinyConfig({
      vocabSize: 50304,
      dModel: 2048,
      nLayers: 16,
      nHeads: 8,
      headSize: 256,
      dMlp: 8192,
    });
    expect(gptNeoxParameterCount(pythia1b)).toBe(1_011_781_632);
    await selectBackend('wasm');
    const before = tf.memory().numTensors;
    await expect(
      GptNeoxModel.load(pythia1b, () => Promise.reject(new Error('must not load'))),
    ).rejects.toThrow(/3\.77 GiB of float32 weights, more than the wasm backend can run/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
