import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { spliceCrossEntropy } from '../../../../src/core/crosscoder/ce-eval';
import { crosscoderConfigSchema } from '../../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../../src/core/crosscoder/crosscoder';
import type { HostTensor } from '../../../../src/core/hf/host-tensor';
import { padBatch } from '../../../../src/core/lm/batch';
import type { LanguageModel } from '../../../../src/core/lm/language-model';
import { loadLanguageModel } from '../../../../src/core/lm/load';
import { languageModelLoss } from '../../../../src/core/lm/log-probs';

const demo = join(import.meta.dirname, '..', '..', '..', '..', 'resources', 'demo', 'models', 'demo-lm');
const D = 64;
const M = 2;
const layer = 1;

/**
 * A crosscoder that reconstructs exactly (decoder = identity) or not at all (decoder = 0):
 * features 2k and 2k+1 read +x_k and −x_k (ReLU keeps one of them) and write them back.
 */
function handCrosscoder(isExact: boolean): Crosscoder {
  const k = M * D;
  const f = 2 * k;
  const config = crosscoderConfigSchema.parse({ nCheckpoints: M, dModel: D, nFeatures: f, steps: 1 });
  const wEnc = new Float32Array(k * f);
  const wDec = new Float32Array(f * k);
  for (let i = 0; i < k; i++) {
    wEnc[i * f + 2 * i] = 1;
    wEnc[i * f + 2 * i + 1] = -1;
    if (isExact) {
      wDec[2 * i * k + i] = 1;
      wDec[(2 * i + 1) * k + i] = -1;
    }
  }
  const t = (shape: number[], data: Float32Array): HostTensor => ({ shape, data, storedDtype: 'F32' });
  return Crosscoder.fromHost(
    config,
    new Map([
      ['W_enc', t([M, D, f], wEnc)],
      ['W_dec', t([f, M, D], wDec)],
      ['b_enc', t([f], new Float32Array(f))],
      ['b_dec', t([M, D], new Float32Array(k))],
    ]),
  );
}

describe('spliceCrossEntropy', () => {
  let models: LanguageModel[];
  let windows: number[][] = [];
  const scale = Float32Array.of(0.8, 0.5);

  beforeAll(async () => {
    await selectBackend('wasm');
    const loaded = await Promise.all(['step400', 'step1600'].map((r) => loadLanguageModel(join(demo, r))));
    models = loaded.map((l) => l.model);
    // Real text of the demo grammar: three windows of 16 tokens from the corpus sample.
    const lines = readFileSync(join(demo, '..', '..', 'corpus.txt'), 'utf8')
      .split('\n')
      .slice(0, 3);
    windows = lines.map((line) =>
      loaded[0]!.tokenizer!.encode(line, { addSpecialTokens: false }).slice(0, 16),
    );
  });
  afterAll(() => models.forEach((m) => m.dispose()));

  it('an exact reconstruction recovers all CE; a zero one recovers none; clean CE is the LM loss', async () => {
    const exact = handCrosscoder(true);
    const none = handCrosscoder(false);
    const before = tf.memory().numTensors;
    const withExact = await spliceCrossEntropy({
      models,
      layer,
      crosscoder: exact,
      scale,
      windows,
      batchSize: 2,
    });
    const withNone = await spliceCrossEntropy({
      models,
      layer,
      crosscoder: none,
      scale,
      windows,
      batchSize: 2,
    });
    expect(tf.memory().numTensors).toBe(before);
    for (const [c, model] of models.entries()) {
      const loss = languageModelLoss(model, padBatch(windows));
      expect(withExact[c]!.ceClean).toBeCloseTo((await loss.data())[0]!, 4);
      loss.dispose();
      expect(Math.abs(withExact[c]!.deltaCe)).toBeLessThan(1e-4);
      expect(withExact[c]!.ceRecovered).toBeCloseTo(1, 3);
      expect(withNone[c]!.ceSpliced).toBeCloseTo(withNone[c]!.ceZero, 5);
      expect(withNone[c]!.ceRecovered).toBeCloseTo(0, 4);
      expect(withNone[c]!.ceZero).toBeGreaterThan(withNone[c]!.ceClean);
    }
    exact.dispose();
    none.dispose();
  });
});
