import * as tf from '@tensorflow/tfjs';
import { matMulFast } from '../lm/ops';
import type { Crosscoder } from './crosscoder';

// Encoder, decoder and losses as plain functions of a Crosscoder. Legend: B M D F, K = M·D.
// All return tensors the caller owns; call them inside tf.tidy.

function assertBatch(cc: Crosscoder, x_BMD: tf.Tensor3D): void {
  const [, m, d] = x_BMD.shape;
  if (m !== cc.config.nCheckpoints || d !== cc.config.dModel) {
    throw new Error(
      `activations have shape [B,${m},${d}], the crosscoder expects [B,${cc.config.nCheckpoints},${cc.config.dModel}]`,
    );
  }
}

/** Encoder pre-activations: one sum over checkpoints and dims, x_BK · W_enc_KF + b_enc. */
export function preActivations(cc: Crosscoder, x_BMD: tf.Tensor3D): tf.Tensor2D {
  assertBatch(cc, x_BMD);
  const { nCheckpoints: m, dModel: d, nFeatures: f } = cc.config;
  const b = x_BMD.shape[0];
  const x_BK = tf.reshape(x_BMD, [b, m * d]) as tf.Tensor2D;
  const wEnc_KF = tf.reshape(cc.wEnc_MDF, [m * d, f]) as tf.Tensor2D;
  return tf.add(matMulFast(x_BK, wEnc_KF), cc.bEnc_F);
}

/** Per-feature Σ_m ‖W_dec[i,m,:]‖₂ [F] (differentiable: the L1 penalty also shrinks decoders). */
export function decoderNormSum_F(cc: Crosscoder): tf.Tensor1D {
  return tf.sum(tf.sqrt(tf.sum(tf.square(cc.wDec_FMD), 2)), 1);
}

/** Per-feature, per-checkpoint decoder norms ‖W_dec[i,m,:]‖₂ [F,M]. */
export function decoderNorms_FM(cc: Crosscoder): tf.Tensor2D {
  return tf.sqrt(tf.sum(tf.square(cc.wDec_FMD), 2));
}

/** x̂_BMD = f_BF · W_dec_FK (+ b_dec). */
export function decode(cc: Crosscoder, f_BF: tf.Tensor2D, shouldApplyBias = true): tf.Tensor3D {
  const { nCheckpoints: m, dModel: d, nFeatures: f } = cc.config;
  const b = f_BF.shape[0];
  const wDec_FK = tf.reshape(cc.wDec_FMD, [f, m * d]) as tf.Tensor2D;
  const xHat_BMD = tf.reshape(matMulFast(f_BF, wDec_FK), [b, m, d]) as tf.Tensor3D;
  return shouldApplyBias ? tf.add(xHat_BMD, cc.bDec_MD) : xHat_BMD;
}

/** Mean over tokens of the per-token sum of squared errors over checkpoints and dims. */
export function reconstructionLoss(x_BMD: tf.Tensor3D, xHat_BMD: tf.Tensor3D): tf.Scalar {
  return tf.div(tf.sum(tf.squaredDifference(xHat_BMD, x_BMD)), x_BMD.shape[0]);
}

/** Identity forward, zero gradient (tfjs has no stopGradient op). */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x] = args as [tf.Tensor];
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => [tf.zerosLike(dy)] };
}) as <T extends tf.Tensor>(x: T) => T;

/**
 * Runs `fn` (comparisons, top-k: ops without gradients) as one op whose gradient is zero, so it can sit
 * on a path from the parameters to the loss without tfjs refusing to differentiate it.
 */
function constantOf<T extends tf.Tensor>(fn: (...inputs: tf.Tensor[]) => T, ...inputs: tf.Tensor[]): T {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tensors = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: fn(...tensors), gradFunc: () => tensors.map((t) => tf.zerosLike(t)) };
  });
  return op(...inputs) as T;
}

export interface L1Terms {
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  sparsity: tf.Scalar;
  f_BF: tf.Tensor2D;
}

/** L = mean_b Σ_m ‖x_m − x̂_m‖² + λ · mean_b Σ_i f_i Σ_m ‖W_dec[i,m]‖. */
export function l1Loss(cc: Crosscoder, x_BMD: tf.Tensor3D, lambda: number): L1Terms {
  const f_BF = tf.relu(preActivations(cc, x_BMD));
  const reconstruction = reconstructionLoss(x_BMD, decode(cc, f_BF));
  const sparsity = tf.div(tf.sum(tf.mul(f_BF, decoderNormSum_F(cc))), x_BMD.shape[0]) as tf.Scalar;
  return { loss: tf.add(reconstruction, tf.mul(sparsity, lambda)), reconstruction, sparsity, f_BF };
}

/**
 * BatchTopK encoding in training mode: keep the k·B largest decoder-norm-scaled activations ã = a·c
 * of the whole batch; kept positions carry the unscaled a. (Ties at the cut may keep a few more.)
 */
export function batchTopKEncode(
  cc: Crosscoder,
  x_BMD: tf.Tensor3D,
  k: number,
): { f_BF: tf.Tensor2D; a_BF: tf.Tensor2D; scaled_BF: tf.Tensor2D } {
  const a_BF = tf.relu(preActivations(cc, x_BMD));
  const scaled_BF: tf.Tensor2D = tf.mul(a_BF, stopGradient(decoderNormSum_F(cc)));
  const keep = Math.min(k * x_BMD.shape[0], scaled_BF.size);
  const mask_BF = constantOf((s: tf.Tensor) => {
    const cut = tf.min(tf.topk(tf.reshape(s, [-1]), keep).values);
    return tf.cast(tf.logicalAnd(tf.greaterEqual(s, cut), tf.greater(s, 0)), 'float32');
  }, scaled_BF);
  return { f_BF: tf.mul(a_BF, mask_BF) as tf.Tensor2D, a_BF, scaled_BF };
}

/** Inference encoding, the one used everywhere after training: L1 → ReLU; BatchTopK → a · 1[a·c > θ]. */
export function encode(cc: Crosscoder, x_BMD: tf.Tensor3D): tf.Tensor2D {
  const a_BF = tf.relu(preActivations(cc, x_BMD));
  if (cc.config.type === 'l1') return a_BF;
  const scaled_BF = tf.mul(a_BF, decoderNormSum_F(cc));
  return tf.mul(a_BF, tf.cast(tf.greater(scaled_BF, Math.max(cc.theta, 0)), 'float32'));
}

export interface BatchTopKTerms {
  loss: tf.Scalar;
  reconstruction: tf.Scalar;
  auxiliary: tf.Scalar;
  f_BF: tf.Tensor2D;
  scaled_BF: tf.Tensor2D;
}

/**
 * BatchTopK loss: reconstruction + α·AuxK. AuxK trains dead features to predict the residual
 * e = x − x̂ (the released code used x̂ − x), with e held constant: per token, the top k_aux dead
 * features by ã (k_aux = min(D/2, #dead)) decode (without b_dec) into x̂_aux, and
 * L_aux = mean_b ‖e − x̂_aux‖² / mean_b ‖e − mean_b e‖² (0 when undefined).
 */
export function batchTopKLoss(
  cc: Crosscoder,
  x_BMD: tf.Tensor3D,
  k: number,
  isDead_F: Uint8Array | null,
): BatchTopKTerms {
  const { f_BF, a_BF, scaled_BF } = batchTopKEncode(cc, x_BMD, k);
  const xHat_BMD = decode(cc, f_BF);
  const reconstruction = reconstructionLoss(x_BMD, xHat_BMD);
  const deadCount = isDead_F === null ? 0 : isDead_F.reduce((n, v) => n + v, 0);
  const kAux = Math.min(Math.floor(cc.config.dModel / 2), deadCount);
  let auxiliary: tf.Scalar = tf.scalar(0);
  if (kAux > 0 && isDead_F !== null) {
    const dead_F = tf.tensor1d(Float32Array.from(isDead_F));
    const auxMask_BF = constantOf((s: tf.Tensor) => {
      // Non-dead features get −1 so they are never among a token's top k_aux (ã ≥ 0 for dead ones).
      const deadScaled = tf.sub(tf.mul(s, dead_F), tf.sub(1, dead_F));
      const rowCut = tf.min(tf.topk(deadScaled, kAux).values, 1, true);
      return tf.cast(
        tf.logicalAnd(tf.greaterEqual(deadScaled, rowCut), tf.greater(deadScaled, 0)),
        'float32',
      );
    }, scaled_BF);
    const xAux_BMD = decode(cc, tf.mul(a_BF, auxMask_BF) as tf.Tensor2D, false);
    const e_BMD = stopGradient(tf.sub(x_BMD, xHat_BMD));
    const numerator = tf.div(tf.sum(tf.squaredDifference(e_BMD, xAux_BMD)), x_BMD.shape[0]);
    // The residual's spread: constant with respect to the parameters, like e itself.
    const denominator = constantOf(
      (e: tf.Tensor) => tf.div(tf.sum(tf.square(tf.sub(e, tf.mean(e, 0, true)))), x_BMD.shape[0]),
      e_BMD,
    );
    // 0 when the residual has no variance (the reference maps that NaN to 0).
    const isDefined = constantOf((v: tf.Tensor) => tf.cast(tf.greater(v, 0), 'float32'), denominator);
    auxiliary = tf.mul(tf.div(numerator, tf.maximum(denominator, 1e-30)), isDefined) as tf.Scalar;
  }
  const loss = tf.add(reconstruction, tf.mul(auxiliary, cc.config.auxkAlpha)) as tf.Scalar;
  return { loss, reconstruction, auxiliary, f_BF, scaled_BF };
}
