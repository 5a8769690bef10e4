import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { padBatch } from '../../../../src/core/lm/batch';
import { GptNeoxModel } from '../../../../src/core/lm/gpt-neox-model';
import { initGptNeoxWeights } from '../../../../src/core/lm/init';
import { learningRateAt, LmTrainer } from '../../../../src/core/lm/lm-trainer';
import { languageModelLoss, nextTokenLogProbs } from '../../../../src/core/lm/log-probs';
import { tinyConfig } from '../../../helpers/random-gpt-neox';

describe('LM training', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('starts near ln(V) from the standard init and learns a repeating sequence', async () => {
    const config = tinyConfig();
    const model = GptNeoxModel.fromHostTensors(config, initGptNeoxWeights(config, 7), { isTrainable: true });
    const before = tf.memory().numTensors;
    const trainer = new LmTrainer(model, { learningRate: 1e-2, warmupSteps: 5, totalSteps: 60 });
    const cycle = [2, 5, 9, 11, 3, 7];
    const batch = padBatch(
      [0, 1, 2].map((shift) => Array.from({ length: 18 }, (_, i) => cycle[(i + shift) % cycle.length]!)),
    );
    const first = await trainer.trainStep(batch);
    expect(Math.abs(first - Math.log(config.vocabSize))).toBeLessThan(0.1);
    let last = first;
    for (let i = 1; i < 60; i++) last = await trainer.trainStep(batch);
    expect(last).toBeLessThan(0.3);
    trainer.dispose();
    // Adam state is gone; the trained model still holds its own weights only.
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('round-trips weights through host tensors, and log-probs agree with the loss', async () => {
    const config = tinyConfig();
    const weights = initGptNeoxWeights(config, 3, 0.3);
    const model = GptNeoxModel.fromHostTensors(config, weights);
    const exported = await model.toHostTensors();
    expect([...exported.keys()].sort()).toEqual([...weights.keys()].sort());
    for (const [name, t] of weights) expect(Array.from(exported.get(name)!.data)).toEqual(Array.from(t.data));

    const batch = padBatch(
      [
        [1, 2, 3, 4, 5],
        [6, 7],
      ],
      { side: 'left' },
    );
    const loss = languageModelLoss(model, batch);
    const out = model.forward(batch);
    const logp = nextTokenLogProbs(out.logits_BTV!, batch);
    const data = await logp.data();
    // 4 next-token pairs in the first sequence, 1 in the second.
    const total = Array.from(data).reduce((a, b) => a + b, 0);
    expect((await loss.data())[0]).toBeCloseTo(-total / 5, 5);
    expect(Math.abs(data[4]!)).toBe(0); // last position of sequence 0 predicts nothing
    tf.dispose([loss, out.logits_BTV!, logp]);
    model.dispose();
  });

  it('warms up linearly then decays by cosine to the floor', () => {
    const o = { learningRate: 1, warmupSteps: 10, totalSteps: 110, minLearningRateRatio: 0.1 };
    expect(learningRateAt(0, o)).toBeCloseTo(0.1);
    expect(learningRateAt(9, o)).toBeCloseTo(1);
    expect(learningRateAt(60, o)).toBeCloseTo(0.55);
    expect(learningRateAt(110, o)).toBeCloseTo(0.1);
  });
});
