import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeIe } from '../../../../src/core/attribution/attribute';
import { integratedGradientsBatch } from '../../../../src/core/attribution/ie';
import { selectBackend } from '../../../../src/core/backend';
import { crosscoderConfigSchema } from '../../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../../src/core/crosscoder/crosscoder';
import { loadLanguageModel } from '../../../../src/core/lm/load';
import { SeededRandom } from '../../../../src/core/random';
import { tokenizePairs } from '../../../../src/core/tasks/answer-tokens';
import { importTaskFile } from '../../../../src/core/tasks/importers';

const [B, T, D, F, M] = [3, 5, 6, 10, 2];

function randomArray(n: number, seed: number, scale = 1): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: n }, () => r.normal() * scale);
}

describe('integrated gradients IE', () => {
  beforeAll(async () => {
    await selectBackend('cpu');
  });

  it('is exact for a linear read-out: IE_m,i = Σ_examples −f_i(last) · ⟨W_dec[i,m]/s_m, w⟩, and complete', async () => {
    const config = crosscoderConfigSchema.parse({
      nCheckpoints: M,
      dModel: D,
      nFeatures: F,
      steps: 1,
      seed: 3,
      decInitNorm: 0.5,
    });
    const cc = Crosscoder.create(config);
    const scale = Float32Array.of(1.5, 0.5);
    const mask = Int32Array.from({ length: B * T }, (_, i) => (i % T < 4 ? 1 : 0)); // last slot of each row is padding
    const w = randomArray(D, 9);
    const resid = [0, 1].map((c) => tf.tensor3d(randomArray(B * T * D, 20 + c), [B, T, D]));
    const lastRows = [3, T + 3, 2 * T + 3];
    const metric = (h: tf.Tensor3D): tf.Tensor1D =>
      tf.reshape(
        tf.matMul(tf.gather(tf.reshape(h, [B * T, D]), lastRows) as tf.Tensor2D, tf.tensor2d(w, [D, 1])),
        [B],
      ) as tf.Tensor1D;
    const checkpoints = resid.map((r) => ({ resid_BTD: r, metric }));
    for (const steps of [1, 10]) {
      const out = await integratedGradientsBatch({
        crosscoder: cc,
        scale,
        checkpoints,
        mask,
        steps,
        threshold: null,
      });
      // Host-side expected value from the crosscoder's own encoding.
      const x = tf.stack(
        resid.map((r, c) => tf.mul(tf.reshape(r, [B * T, D]), scale[c]!)),
        1,
      );
      const fAll = (await tf
        .relu(
          tf.add(tf.matMul(tf.reshape(x, [B * T, M * D]), tf.reshape(cc.wEnc_MDF, [M * D, F])), cc.bEnc_F),
        )
        .data()) as Float32Array;
      const wDec = (await cc.wDec_FMD.data()) as Float32Array;
      for (let c = 0; c < M; c++) {
        for (let i = 0; i < F; i++) {
          let dot = 0;
          for (let j = 0; j < D; j++) dot += (wDec[(i * M + c) * D + j]! / scale[c]!) * w[j]!;
          const expected = lastRows.reduce((sum, row) => sum - fAll[row * F + i]! * dot, 0);
          expect(out.ieSum[c]![i]).toBeCloseTo(expected, 4);
          // Per example: only its own last token carries the effect.
          lastRows.forEach((row, e) =>
            expect(out.ieExample[c]![e * F + i]).toBeCloseTo(-fAll[row * F + i]! * dot, 4),
          );
        }
        expect(out.metricCleanExample[c]!.reduce((a, v) => a + v, 0)).toBeCloseTo(out.metricClean[c]!, 4);
        const total = out.ieSum[c]!.reduce((a, v) => a + v, 0) + out.errorIeSum[c]!;
        expect(total).toBeCloseTo(out.metricAblated[c]! - out.metricClean[c]!, 4);
      }
      x.dispose();
    }
    tf.dispose(resid);
    cc.dispose();
  });

  it('on the demo family: completeness holds along the path, threshold only removes small effects, no leaks', async () => {
    await selectBackend('wasm');
    const demo = join(import.meta.dirname, '..', '..', '..', '..', 'resources', 'demo');
    const loaded = await Promise.all(
      ['step400', 'step1600'].map((r) => loadLanguageModel(join(demo, 'models', 'demo-lm', r))),
    );
    const config = crosscoderConfigSchema.parse({
      nCheckpoints: 2,
      dModel: 64,
      nFeatures: 96,
      steps: 1,
      seed: 2,
      decInitNorm: 0.3,
    });
    const cc = Crosscoder.create(config);
    // A decoder bias like a trained one: the path then ends at b_dec/s_m, not at 0, where LayerNorm
    // would make the metric jump only in the last ‰ of the path (left Riemann sums never see it).
    const bias = tf.mul(tf.randomNormal([2, 64], 0, 1, 'float32', 5), 1.5);
    cc.bDec_MD.assign(bias as tf.Tensor2D);
    bias.dispose();
    const { pairs } = await importTaskFile(join(demo, 'tasks', 'sv_simple.eng.jsonl'), { limit: 6 });
    const encode = (text: string) => loaded[0]!.tokenizer!.encode(text, { addSpecialTokens: false });
    const items = tokenizePairs(pairs, encode, 'singleTokenOnly').items.map(({ tokens }) => ({
      prefixIds: tokens.prefixIds,
      rightId: tokens.goodIds[0]!,
      wrongId: tokens.badIds[0]!,
    }));
    const before = tf.memory().numTensors;
    const base = {
      models: loaded.map((l) => l.model),
      layer: 1,
      crosscoder: cc,
      scale: Float32Array.of(0.83, 0.47),
      items,
      batchSize: 4,
    };
    const ig = await computeIe({ ...base, steps: 40, threshold: null });
    for (let c = 0; c < 2; c++) {
      const path = ig.ie[c]!.reduce((a, v) => a + v, 0) + ig.errorIe[c]!;
      const change = ig.metricAblated[c]! - ig.metricClean[c]!;
      expect(Math.abs(path - change)).toBeLessThan(0.05 * Math.abs(change) + 1e-3);
    }
    // Per item, from the same pass: with k = F every nonzero IE is kept, and the mean over items is the IE.
    const perItem = await computeIe({ ...base, steps: 2, threshold: null, itemTop: 96 });
    expect(perItem.items).toHaveLength(items.length);
    for (let c = 0; c < 2; c++) {
      const mean = new Float64Array(96);
      for (const item of perItem.items!) {
        const top = item.top[c]!;
        const sizes = top.map((x) => Math.abs(x.ie));
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
        for (const { feature, ie } of top) mean[feature]! += ie / items.length;
      }
      for (let i = 0; i < 96; i++) expect(mean[i]).toBeCloseTo(perItem.ie[c]![i]!, 5);
      const cleanMean = perItem.items!.reduce((a, item) => a + item.metricClean[c]!, 0) / items.length;
      expect(cleanMean).toBeCloseTo(perItem.metricClean[c]!, 4);
    }
    const top3 = await computeIe({ ...base, steps: 2, threshold: null, itemTop: 3 });
    top3.items!.forEach((item, e) => {
      for (let c = 0; c < 2; c++) expect(item.top[c]).toEqual(perItem.items![e]!.top[c]!.slice(0, 3));
    });
    const thresholded = await computeIe({ ...base, steps: 1, threshold: 0.05 });
    const plain = await computeIe({ ...base, steps: 1, threshold: null });
    expect(thresholded.ie[0]!.filter((v) => v === 0).length).toBeGreaterThanOrEqual(
      plain.ie[0]!.filter((v) => v === 0).length,
    );
    expect(tf.memory().numTensors).toBe(before);
    await expect(computeIe({ ...base, layer: 4, steps: 1, threshold: null })).rejects.toThrow(
      /layer 4 is out of range/,
    );
    cc.dispose();
    loaded.forEach((l) => l.model.dispose());
  });
});
