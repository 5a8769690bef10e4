import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from './batch';
import type { LanguageModel } from './language-model';

// Next-token log-probabilities and loss. Legend: B=batch T=tokens V=vocab.

/** Targets (next token ids) and a weight per position: 1 where both position and next are real tokens. */
function nextTokenTargets(batch: TokenBatch): { targets: Int32Array; weights: Float32Array } {
  const { batchSize: b, length: t } = batch;
  const targets = new Int32Array(b * t);
  const weights = new Float32Array(b * t);
  for (let s = 0; s < b; s++) {
    for (let i = 0; i + 1 < t; i++) {
      const here = s * t + i;
      if (batch.mask[here] === 1 && batch.mask[here + 1] === 1) {
        targets[here] = batch.ids[here + 1]!;
        weights[here] = 1;
      }
    }
  }
  return { targets, weights };
}

/** log p(token at i+1 | tokens ≤ i) for every position [B,T] (0 where undefined); caller disposes. */
export function nextTokenLogProbs(logits_BTV: tf.Tensor3D, batch: TokenBatch): tf.Tensor2D {
  return tf.tidy(() => {
    const [b, t, v] = logits_BTV.shape;
    const { targets, weights } = nextTokenTargets(batch);
    const logp_NV = tf.logSoftmax(tf.reshape(logits_BTV, [b * t, v]));
    const picked_N = tf.sum(tf.mul(logp_NV, tf.oneHot(tf.tensor1d(targets, 'int32'), v)), 1);
    return tf.reshape(tf.mul(picked_N, tf.tensor1d(weights)), [b, t]) as tf.Tensor2D;
  });
}

/** Mean next-token cross-entropy over real positions (nats), differentiable for training. */
export function languageModelLoss(model: LanguageModel, batch: TokenBatch): tf.Scalar {
  return tf.tidy(() => {
    const { logits_BTV } = model.forward(batch);
    if (!logits_BTV) throw new Error('forward returned no logits');
    const count = nextTokenTargets(batch).weights.reduce((a, w) => a + w, 0);
    if (count === 0) throw new Error('languageModelLoss: the batch has no next-token pairs');
    return tf.div(tf.neg(tf.sum(nextTokenLogProbs(logits_BTV, batch))), count) as tf.Scalar;
  });
}
