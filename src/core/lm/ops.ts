import * as tf from '@tensorflow/tfjs';

// Building blocks of the LM forward. Legend: N=rows (batch·tokens) I=in O=out D=dModel.

/**
 * x_NI · w_IO with an explicit-transpose gradient: tfjs-wasm's stock MatMul gradient uses transpose
 * flags, ~12× slower there (../shared/ENVIRONMENT.md).
 */
export const matMulFast = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [x, w, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  save([x, w]);
  return {
    value: tf.matMul(x, w),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(ws)), tf.matMul(tf.transpose(xs), dy as tf.Tensor2D)];
    },
  };
}) as (x: tf.Tensor2D, w: tf.Tensor2D) => tf.Tensor2D;

/**
 * Embedding lookup rows of table_VD for ids [B,T] → [B,T,D]. Its gradient for the table is
 * oneHotᵀ · dy: tfjs-wasm has no UnsortedSegmentSum kernel, which the stock gather gradient needs.
 */
export function embeddingLookup(table_VD: tf.Tensor2D, ids_BT: tf.Tensor2D): tf.Tensor3D {
  const [b, t] = ids_BT.shape;
  const [v, d] = table_VD.shape;
  const lookup = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [table, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([ids_BT]); // kept alive for the backward pass, after the caller's tidy has ended
    return {
      value: tf.reshape(tf.gather(table, tf.reshape(ids_BT, [b * t])), [b, t, d]),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const ids_N = tf.reshape(saved[0]!, [b * t]);
        return [tf.matMul(tf.transpose(tf.oneHot(ids_N, v)), tf.reshape(dy, [b * t, d]) as tf.Tensor2D)];
      },
    };
  });
  return lookup(table_VD) as tf.Tensor3D;
}

/**
 * x_NI · w_IO for a frozen weight: differentiable in x only. The gradient never forms w's own gradient
 * (x_NIᵀ·dy, as large as w: 1.5 GB for BLOOM's unembedding). dy · w_IOᵀ uses the transpose flag where
 * it costs nothing (cpu: as fast as the plain form, measured; tensorflow: native) and an explicit
 * transpose, freed at once, on wasm (its flagged matmul is slow at training shapes).
 */
function matMulFrozen(x_NI: tf.Tensor2D, w_IO: tf.Tensor2D): tf.Tensor2D {
  const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x] = args as [tf.Tensor2D];
    return {
      value: tf.matMul(x, w_IO),
      gradFunc: (dy: tf.Tensor) =>
        tf.getBackend() === 'wasm'
          ? tf.tidy(() => tf.matMul(dy as tf.Tensor2D, tf.transpose(w_IO)))
          : tf.matMul(dy as tf.Tensor2D, w_IO, false, true),
    };
  });
  return product(x_NI) as tf.Tensor2D;
}

/**
 * y = x_NI · w_IO + b_O (w stored pre-transposed as [in, out]). Trainable weights (tf.Variable) get both
 * gradients; frozen ones only the input's (attribution backpropagates through frozen models).
 */
export function linear(x_NI: tf.Tensor2D, w_IO: tf.Tensor2D, b_O: tf.Tensor1D | null): tf.Tensor2D {
  const y = w_IO instanceof tf.Variable ? matMulFast(x_NI, w_IO) : matMulFrozen(x_NI, w_IO);
  return b_O === null ? y : tf.add(y, b_O);
}

/**
 * Rows of the columns of table_DV for ids [B,T] → [B,T,D]: the embedding lookup of a model whose
 * embedding is tied to its unembedding, which is held once, as [D,V]. Trainable tables get the
 * gradient dyᵀ · oneHot (tfjs-wasm has no UnsortedSegmentSum kernel for the stock gather gradient).
 */
export function embeddingLookupColumns(table_DV: tf.Tensor2D, ids_BT: tf.Tensor2D): tf.Tensor3D {
  const [b, t] = ids_BT.shape;
  const [d, v] = table_DV.shape;
  const lookup = (table: tf.Tensor2D): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.gather(table, tf.reshape(ids_BT, [b * t]), 1)), [b, t, d]);
  if (!(table_DV instanceof tf.Variable)) return lookup(table_DV);
  const differentiable = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [table, save] = args as [tf.Tensor2D, tf.GradSaveFunc];
    save([ids_BT]);
    return {
      value: lookup(table),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const oneHot_NV = tf.oneHot(tf.reshape(saved[0]!, [b * t]), v).toFloat() as tf.Tensor2D;
        return [tf.matMul(tf.transpose(tf.reshape(dy, [b * t, d])), oneHot_NV)];
      },
    };
  });
  return differentiable(table_DV) as tf.Tensor3D;
}

/** LayerNorm over the last axis, biased variance as in PyTorch; no weight and bias when they are null (OLMo). */
export function layerNorm<T extends tf.Tensor>(
  x: T,
  weight: tf.Tensor1D | null,
  bias: tf.Tensor1D | null,
  eps: number,
): T {
  const { mean, variance } = tf.moments(x, -1, true);
  const normed = tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps)));
  const scaled = weight === null ? normed : tf.mul(normed, weight);
  return (bias === null ? scaled : tf.add(scaled, bias)) as T;
}

/** SiLU (swish), x·σ(x): the gate activation of OLMo's SwiGLU MLP. */
export const silu = (x: tf.Tensor): tf.Tensor => tf.mul(x, tf.sigmoid(x));

/**
 * ALiBi slopes per head, as transformers' build_alibi_tensor: for the largest power of two n ≤ H,
 * 2^(−8i/n) for i = 1…n; the remaining H − n heads take 2^(−4k/n) for odd k = 1, 3, 5, … (the slopes
 * of 2n heads that fall between the first n).
 */
export function alibiSlopes(nHeads: number): Float32Array {
  const closest = 2 ** Math.floor(Math.log2(nHeads));
  const base = 2 ** -(2 ** -(Math.log2(closest) - 3));
  const slopes: number[] = [];
  for (let i = 1; i <= closest; i++) slopes.push(base ** i);
  if (closest !== nHeads) {
    const extraBase = 2 ** -(2 ** -(Math.log2(2 * closest) - 3));
    const remaining = Math.min(closest, nHeads - closest);
    for (let i = 1; i < 1 + 2 * remaining; i += 2) slopes.push(extraBase ** i);
  }
  return Float32Array.from(slopes);
}

/** Exact GELU, 0.5·x·(1 + erf(x/√2)) (Hugging Face `gelu`). */
export const geluExact = (x: tf.Tensor): tf.Tensor =>
  tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));

/**
 * tanh approximation (Hugging Face `gelu_new`, `gelu_fast`, `gelu_pytorch_tanh`, BLOOM's bloom_gelu).
 * x³ as products: tf.pow's gradient also forms one for the exponent (a log of x).
 */
export const geluTanh = (x: tf.Tensor): tf.Tensor => {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
};

/**
 * Rotary position embedding, rotate-half form, on the first `dims` features of x_BHTK.
 * cos/sin come from per-token position ids (so left padding keeps real positions right).
 */
export function applyRotary(
  x_BHTK: tf.Tensor4D,
  cos_B1TR: tf.Tensor,
  sin_B1TR: tf.Tensor,
  dims: number,
): tf.Tensor4D {
  const headSize = x_BHTK.shape[3];
  if (dims === 0) return x_BHTK;
  const rot = x_BHTK.slice([0, 0, 0, 0], [-1, -1, -1, dims]);
  const half = dims / 2;
  const x1 = rot.slice([0, 0, 0, 0], [-1, -1, -1, half]);
  const x2 = rot.slice([0, 0, 0, half], [-1, -1, -1, half]);
  const rotated = tf.add(tf.mul(rot, cos_B1TR), tf.mul(tf.concat([tf.neg(x2), x1], 3), sin_B1TR));
  if (dims === headSize) return rotated as tf.Tensor4D;
  const pass = x_BHTK.slice([0, 0, 0, dims], [-1, -1, -1, headSize - dims]);
  return tf.concat([rotated, pass], 3) as tf.Tensor4D;
}

/** cos and sin [B,1,T,R] for position ids [B,T]: θ_j = base^(−2j/R), angles p·θ, duplicated halves. */
export function rotaryTables(
  positions_BT: tf.Tensor2D,
  dims: number,
  base: number,
): { cos: tf.Tensor; sin: tf.Tensor } {
  const half = dims / 2;
  const invFreq = new Float32Array(half);
  for (let j = 0; j < half; j++) invFreq[j] = 1 / base ** ((2 * j) / dims);
  const angles_BTh = tf.mul(tf.expandDims(tf.cast(positions_BT, 'float32'), 2), tf.tensor1d(invFreq));
  const angles_BTR = tf.concat([angles_BTh, angles_BTh], 2);
  const angles_B1TR = tf.expandDims(angles_BTR, 1);
  return { cos: tf.cos(angles_B1TR), sin: tf.sin(angles_B1TR) };
}
