import * as tf from '@tensorflow/tfjs';
import type { BatchContext } from './language-model';

// Causal self-attention pieces shared by the families. Legend: B=batch T=tokens H=heads K=headSize
// D=H·K N=B·T.

/**
 * Splits a fused qkv projection [N,3D] whose columns are laid out per head as [H,3,K] (GPT-NeoX's
 * query_key_value and BLOOM's, both viewed as [B,T,H,3K] by transformers) into q, k, v [B,H,T,K].
 */
export function splitFusedQkv(
  qkv_N3D: tf.Tensor2D,
  b: number,
  t: number,
  nh: number,
  k: number,
): { q_BHTK: tf.Tensor4D; k_BHTK: tf.Tensor4D; v_BHTK: tf.Tensor4D } {
  const qkv_BHT3K = tf.transpose(tf.reshape(qkv_N3D, [b, t, nh, 3 * k]), [0, 2, 1, 3]) as tf.Tensor4D;
  const part = (i: number): tf.Tensor4D => qkv_BHT3K.slice([0, 0, 0, i * k], [-1, -1, -1, k]);
  return { q_BHTK: part(0), k_BHTK: part(1), v_BHTK: part(2) };
}

/** One projection [N,D] as heads [B,H,T,K] (OLMo's separate q/k/v projections). */
export function splitHeads(x_ND: tf.Tensor2D, b: number, t: number, nh: number, k: number): tf.Tensor4D {
  return tf.transpose(tf.reshape(x_ND, [b, t, nh, k]), [0, 2, 1, 3]) as tf.Tensor4D;
}

/**
 * softmax(q·kᵀ/√K + ALiBi + mask)·v with heads merged back into [N,D]. The mask makes it causal and
 * keeps pads out; ALiBi (BLOOM) adds slope_h · key position, as transformers' baddbmm does.
 */
export function causalAttention(
  q_BHTK: tf.Tensor4D,
  k_BHTK: tf.Tensor4D,
  v_BHTK: tf.Tensor4D,
  context: BatchContext,
): tf.Tensor2D {
  const [b, nh, t, k] = q_BHTK.shape;
  let scores_BHTT = tf.add(
    tf.div(tf.matMul(q_BHTK, k_BHTK, false, true), Math.sqrt(k)),
    context.attentionBias_B1TT,
  );
  if (context.alibi_BH1T !== null) scores_BHTT = tf.add(scores_BHTT, context.alibi_BH1T);
  const ctx_BHTK = tf.matMul(tf.softmax(scores_BHTT), v_BHTK);
  return tf.reshape(tf.transpose(ctx_BHTK, [0, 2, 1, 3]), [b * t, nh * k]) as tf.Tensor2D;
}
