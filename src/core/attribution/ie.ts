import * as tf from '@tensorflow/tfjs';
import type { Crosscoder } from '../crosscoder/crosscoder';
import { decode, encode } from '../crosscoder/forward';

// Indirect effect of each crosscoder feature on a task metric, per checkpoint (../shared/METHOD.md):
// the hook output of checkpoint m is replaced by x̂_m + ε_m (so the forward is unchanged), and features
// and error are scaled together from their clean values to zero along α = 0, 1/S, …, (S−1)/S (left
// Riemann sum; S = 1 is attribution patching). Legend: B=examples T=tokens D=dModel F=features M=checkpoints N=B·T.

export interface CheckpointMetric {
  /** Clean hook-layer output of this checkpoint for the batch [B,T,D]. */
  resid_BTD: tf.Tensor3D;
  /** The task metric of each example [B], as a function of the hook output (differentiable). */
  metric: (resid_BTD: tf.Tensor3D) => tf.Tensor1D;
}

export interface IeBatchResult {
  /** Σ over examples of each example's IE (summed over its real tokens) [M][F]. */
  ieSum: Float64Array[];
  /** Each example's IE (summed over its real tokens) [M][B·F], row-major [B][F]; ieSum is its column sum. */
  ieExample: Float32Array[];
  /** The same as ieSum for the error term ε_m [M]. */
  errorIeSum: number[];
  /** Metric summed over the batch with the clean hook output, and with features and error at zero (α = 1) [M]. */
  metricClean: number[];
  metricAblated: number[];
  /** Clean metric of each example [M][B]. */
  metricCleanExample: Float32Array[];
}

/**
 * IE for one batch. `mask` [B·T] marks real tokens (only they are summed); `threshold`, when given,
 * zeroes per-position effects with |e| ≤ threshold before summing. Positive IE: removing the feature
 * raises the metric (wrong − right), i.e. the feature supports the right answer.
 */
export async function integratedGradientsBatch(options: {
  crosscoder: Crosscoder;
  scale: Float32Array;
  checkpoints: readonly CheckpointMetric[];
  mask: Int32Array;
  steps: number;
  threshold: number | null;
}): Promise<IeBatchResult> {
  const { crosscoder: cc, scale, checkpoints, mask, steps, threshold } = options;
  const m = checkpoints.length;
  if (m !== cc.config.nCheckpoints)
    throw new Error(`${m} checkpoints for a crosscoder over ${cc.config.nCheckpoints}`);
  if (!Number.isInteger(steps) || steps < 1)
    throw new Error(`integrated gradients needs ≥ 1 step, got ${steps}`);
  const [b, t, d] = checkpoints[0]!.resid_BTD.shape;
  const f = cc.config.nFeatures;
  const result: IeBatchResult = {
    ieSum: [],
    ieExample: [],
    errorIeSum: [],
    metricClean: [],
    metricAblated: [],
    metricCleanExample: [],
  };

  const shared = tf.tidy(() => {
    const x_NMD = tf.stack(
      checkpoints.map((c, i) => tf.mul(tf.reshape(c.resid_BTD, [b * t, d]), scale[i]!)),
      1,
    ) as tf.Tensor3D;
    const f_NF = encode(cc, x_NMD);
    return { f_NF, xHat_NMD: decode(cc, f_NF) };
  });
  const realMask_N1 = tf.tensor2d(Float32Array.from(mask), [b * t, 1]);
  try {
    for (const [i, checkpoint] of checkpoints.entries()) {
      const out = tf.tidy(() => {
        const s = scale[i]!;
        const wDec_FD = tf.div(tf.reshape(tf.gather(cc.wDec_FMD, i, 1), [f, d]), s) as tf.Tensor2D;
        const bDec_D = tf.div(tf.gather(cc.bDec_MD, i), s);
        const resid_ND = tf.reshape(checkpoint.resid_BTD, [b * t, d]);
        const error_ND = tf.sub(resid_ND, tf.div(tf.gather(shared.xHat_NMD, i, 1), s));
        // Hook output as a function of the (scaled) features and error: decode includes b_dec, not scaled.
        const hook = (f_NF: tf.Tensor, e_ND: tf.Tensor): tf.Tensor3D =>
          tf.reshape(tf.add(tf.add(tf.matMul(f_NF as tf.Tensor2D, wDec_FD), bDec_D), e_ND), [
            b,
            t,
            d,
          ]) as tf.Tensor3D;
        const grads = tf.grads((fk: tf.Tensor, ek: tf.Tensor) => tf.sum(checkpoint.metric(hook(fk, ek))));
        let gF_NF: tf.Tensor = tf.zerosLike(shared.f_NF);
        let gE_ND: tf.Tensor = tf.zerosLike(error_ND);
        for (let k = 0; k < steps; k++) {
          const keep = 1 - k / steps;
          const [gf, ge] = grads([tf.mul(shared.f_NF, keep), tf.mul(error_ND, keep)]);
          gF_NF = tf.add(gF_NF, gf!);
          gE_ND = tf.add(gE_ND, ge!);
        }
        // e = ḡ · (0 − clean value), per position; pads excluded; optional |e| threshold.
        let e_NF = tf.mul(tf.neg(shared.f_NF), tf.div(gF_NF, steps));
        if (threshold !== null) e_NF = tf.mul(e_NF, tf.cast(tf.greater(tf.abs(e_NF), threshold), 'float32'));
        // Per example: the sum over its real tokens [B,F]; the batch sum is taken on the host (float64).
        const ie_BF = tf.sum(tf.reshape(tf.mul(e_NF, realMask_N1), [b, t, f]), 1);
        const errorIe = tf.sum(
          tf.mul(tf.sum(tf.mul(tf.neg(error_ND), tf.div(gE_ND, steps)), 1, true), realMask_N1),
        );
        const clean_B = checkpoint.metric(checkpoint.resid_BTD);
        const ablated = tf.sum(checkpoint.metric(hook(tf.zerosLike(shared.f_NF), tf.zerosLike(error_ND))));
        return { ie_BF, clean_B, scalars: tf.stack([errorIe, ablated]) };
      });
      const [ie, clean, scalars] = await Promise.all([
        out.ie_BF.data() as Promise<Float32Array>,
        out.clean_B.data() as Promise<Float32Array>,
        out.scalars.data(),
      ]);
      tf.dispose([out.ie_BF, out.clean_B, out.scalars]);
      const ieSum = new Float64Array(f);
      for (let e = 0; e < b; e++) for (let j = 0; j < f; j++) ieSum[j]! += ie[e * f + j]!;
      result.ieSum.push(ieSum);
      result.ieExample.push(ie);
      result.errorIeSum.push(scalars[0]!);
      result.metricClean.push(clean.reduce((a, v) => a + v, 0));
      result.metricAblated.push(scalars[1]!);
      result.metricCleanExample.push(clean);
    }
    return result;
  } finally {
    tf.dispose([shared.f_NF, shared.xHat_NMD, realMask_N1]);
  }
}
