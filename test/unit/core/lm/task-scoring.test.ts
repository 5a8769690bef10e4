import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { padBatch } from '../../../../src/core/lm/batch';
import { GptNeoxModel } from '../../../../src/core/lm/gpt-neox-model';
import { nextTokenLogProbs } from '../../../../src/core/lm/log-probs';
import { scorePairs } from '../../../../src/core/lm/task-scoring';
import type { TokenizedPair } from '../../../../src/core/tasks/answer-tokens';
import { randomGptNeoxWeights, tinyConfig } from '../../../helpers/random-gpt-neox';

const pair = (prefixIds: number[], goodIds: number[], badIds: number[]): TokenizedPair => ({
  prefixIds,
  goodIds,
  badIds,
  isSingleToken: goodIds.length === 1 && badIds.length === 1,
  sharedLeadingTokens: 0,
  isBoundaryMerged: false,
  divergence: null,
});

/** Sum of log p(answer tokens | prefix) for one unpadded sequence, read straight from log-softmax. */
async function manualScore(model: GptNeoxModel, prefix: number[], answer: number[]): Promise<number> {
  const sequence = [...prefix, ...answer];
  const out = model.forward(padBatch([sequence]));
  const logp = tf.logSoftmax(out.logits_BTV!);
  const data = await logp.data();
  const v = model.config.vocabSize;
  let sum = 0;
  answer.forEach((token, j) => (sum += data[(prefix.length + j - 1) * v + token]!));
  tf.dispose([out.logits_BTV!, logp]);
  return sum;
}

describe('scorePairs', () => {
  let model: GptNeoxModel;
  beforeAll(async () => {
    await selectBackend('cpu');
    model = GptNeoxModel.fromHostTensors(tinyConfig(), randomGptNeoxWeights(tinyConfig(), 5));
  });
  afterAll(() => model.dispose());

  it('sums teacher-forced log-probs of each answer, batched with padding, as one sequence at a time would', async () => {
    const pairs = [
      pair([3, 4, 5], [6], [7]),
      pair([1], [8, 9, 2], [10]),
      pair([2, 2, 2, 2, 2], [11, 12], [13, 14]),
    ];
    const scores = await scorePairs(model, pairs, { batchSize: 4 });
    expect(scores).toHaveLength(3);
    for (const [i, p] of pairs.entries()) {
      expect(scores[i]!.goodLogProb).toBeCloseTo(await manualScore(model, p.prefixIds, p.goodIds), 4);
      expect(scores[i]!.badLogProb).toBeCloseTo(await manualScore(model, p.prefixIds, p.badIds), 4);
      expect(scores[i]!.isCorrect).toBe(scores[i]!.goodLogProb > scores[i]!.badLogProb);
    }
  });

  it('reports progress, honours cancel and leaks no tensors', async () => {
    const pairs = Array.from({ length: 6 }, (_, i) => pair([1, 2, i + 3], [5], [6]));
    const before = tf.memory().numTensors;
    const steps: number[] = [];
    await scorePairs(model, pairs, { batchSize: 4, onProgress: (p) => steps.push(p.step) });
    expect(steps).toEqual([2, 4, 6]);
    expect(tf.memory().numTensors).toBe(before);
    const controller = new AbortController();
    controller.abort();
    await expect(scorePairs(model, pairs, { signal: controller.signal })).rejects.toThrow(/Cancelled/);
  });

  it('nextTokenLogProbs ignores padded positions', async () => {
    const batch = padBatch([[1, 2, 3], [4]], { side: 'right' });
    const out = model.forward(batch);
    const logp = nextTokenLogProbs(out.logits_BTV!, batch);
    const data = await logp.data();
    expect(Array.from(data.slice(3, 6), Math.abs)).toEqual([0, 0, 0]);
    tf.dispose([out.logits_BTV!, logp]);
  });
});
