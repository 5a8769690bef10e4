import * as tf from '@tensorflow/tfjs';
import { throwIfAborted, type ProgressListener } from '../progress';
import type { Crosscoder } from './crosscoder';
import { decode, decoderNormSum_F, decoderNorms_FM, encode } from './forward';

// Reconstruction and sparsity metrics of a crosscoder on normalised activations (METHOD-REFERENCE §4.1),
// with both explained-variance definitions named. Legend: B M D F.

export interface EvaluationMetrics {
  tokens: number;
  /** mean_t Σ_{m,j} (x̂ − x)², the training reconstruction term. */
  mse: number;
  /** mean_t Σ_j (x̂_m − x_m)² per checkpoint. */
  msePerCheckpoint: number[];
  /** Fraction of variance unexplained, ratio of sums over the whole set: Σ‖x − x̂‖² / Σ‖x − x̄‖². */
  fvu: number;
  fvuPerCheckpoint: number[];
  /** 1 − fvu. */
  explainedVariance: number;
  explainedVariancePerCheckpoint: number[];
  /**
   * The released code's definition: per token EV_t = 1 − Σ(x̂ − x)²_t / Σ(x_t − x̄_batch)², averaged over
   * tokens (x̄ = mean of the batch). Sensitive to batch size; kept for comparison with the paper.
   */
  explainedVariancePerTokenMean: number;
  /** mean_t Σ_i f_i Σ_m ‖W_dec[i,m]‖. */
  l1: number;
  /** Mean active features per token. */
  l0: number;
  /** Features never active on the evaluation set. */
  deadFraction: number;
  /** Features active on more than 10% of tokens. */
  denseFraction: number;
  /** Per-feature firing rate (share of tokens with f_i > 0). */
  firingRate: number[];
  /** Per feature, per checkpoint: ‖W_dec[i,m]‖ / Σ_m' ‖W_dec[i,m']‖ (RelDec; NaN when all zero). */
  relDec: number[][];
  /** Per feature: cosine between decoder directions of checkpoint pairs (0,1), (0,2), (1,2) as available. */
  decoderCosine: number[][];
}

/** Evaluates on batches of normalised activations [B·M·D] (the inference encoding is used). */
export async function evaluateCrosscoder(
  cc: Crosscoder,
  batches: AsyncIterable<Float32Array> | Iterable<Float32Array>,
  options: { signal?: AbortSignal; onProgress?: ProgressListener; totalBatches?: number } = {},
): Promise<EvaluationMetrics> {
  const { nCheckpoints: m, dModel: d, nFeatures: f } = cc.config;
  let tokens = 0;
  let batchesDone = 0;
  const sqErr = new Float64Array(m);
  const sumX = new Float64Array(m * d);
  const sumXX = new Float64Array(m);
  let l1 = 0;
  let l0 = 0;
  let evTokenSum = 0;
  const active = new Float64Array(f);
  for await (const rows of batches) {
    throwIfAborted(options.signal);
    const b = rows.length / (m * d);
    if (!Number.isInteger(b) || b === 0)
      throw new Error(
        `an activation batch of ${rows.length} values is not a whole number of [${m},${d}] rows`,
      );
    const out = tf.tidy(() => {
      const x_BMD = tf.tensor3d(rows, [b, m, d]);
      const f_BF = encode(cc, x_BMD);
      const err_BMD = tf.squaredDifference(decode(cc, f_BF), x_BMD);
      const errPerM = tf.sum(err_BMD, [0, 2]);
      const errPerToken_B = tf.sum(err_BMD, [1, 2]);
      const centered = tf.sum(tf.square(tf.sub(x_BMD, tf.mean(x_BMD, 0, true))), [1, 2]);
      const evToken = tf.sum(tf.sub(1, tf.div(errPerToken_B, tf.maximum(centered, 1e-12))));
      const isActive_BF = tf.cast(tf.greater(f_BF, 0), 'float32');
      return {
        errPerM,
        sumX_MD: tf.sum(x_BMD, 0),
        sumXX_M: tf.sum(tf.square(x_BMD), [0, 2]),
        scalars: tf.stack([tf.sum(tf.mul(f_BF, decoderNormSum_F(cc))), tf.sum(isActive_BF), evToken]),
        active_F: tf.sum(isActive_BF, 0),
      };
    });
    const [e, sx, sxx, s, a] = await Promise.all(
      [out.errPerM, out.sumX_MD, out.sumXX_M, out.scalars, out.active_F].map((t) => t.data()),
    );
    tf.dispose(Object.values(out));
    for (let c = 0; c < m; c++) {
      sqErr[c]! += e![c]!;
      sumXX[c]! += sxx![c]!;
    }
    for (let i = 0; i < m * d; i++) sumX[i]! += sx![i]!;
    for (let i = 0; i < f; i++) active[i]! += a![i]!;
    l1 += s![0]!;
    l0 += s![1]!;
    evTokenSum += s![2]!;
    tokens += b;
    batchesDone += 1;
    options.onProgress?.({
      step: batchesDone,
      total: options.totalBatches ?? batchesDone,
      metrics: { tokens },
    });
  }
  if (tokens === 0) throw new Error('evaluation needs at least one activation row');
  // Σ‖x − x̄‖² = Σ‖x‖² − N‖x̄‖², per checkpoint.
  const variance = Array.from({ length: m }, (_, c) => {
    let meanSq = 0;
    for (let j = 0; j < d; j++) meanSq += (sumX[c * d + j]! / tokens) ** 2;
    return sumXX[c]! - tokens * meanSq;
  });
  const fvuPerCheckpoint = variance.map((v, c) => sqErr[c]! / v);
  const totalErr = sqErr.reduce((x, y) => x + y, 0);
  const fvu = totalErr / variance.reduce((x, y) => x + y, 0);
  const firingRate = Array.from(active, (n) => n / tokens);
  const { relDec, decoderCosine } = await decoderStatistics(cc);
  return {
    tokens,
    mse: totalErr / tokens,
    msePerCheckpoint: Array.from(sqErr, (x) => x / tokens),
    fvu,
    fvuPerCheckpoint,
    explainedVariance: 1 - fvu,
    explainedVariancePerCheckpoint: fvuPerCheckpoint.map((x) => 1 - x),
    explainedVariancePerTokenMean: evTokenSum / tokens,
    l1: l1 / tokens,
    l0: l0 / tokens,
    deadFraction: firingRate.filter((r) => r === 0).length / f,
    denseFraction: firingRate.filter((r) => r > 0.1).length / f,
    firingRate,
    relDec,
    decoderCosine,
  };
}

/** RelDec and ‖W_dec‖ per feature and checkpoint, and decoder cosines between checkpoint pairs. */
export async function decoderStatistics(
  cc: Crosscoder,
): Promise<{ relDec: number[][]; decoderCosine: number[][]; decoderNorms: number[][] }> {
  const { nCheckpoints: m, dModel: d, nFeatures: f } = cc.config;
  const norms_FM = tf.tidy(() => decoderNorms_FM(cc));
  const norms = (await norms_FM.data()) as Float32Array;
  norms_FM.dispose();
  const wDec = (await cc.wDec_FMD.data()) as Float32Array;
  const pairs =
    m === 2
      ? [[0, 1]]
      : [
          [0, 1],
          [0, 2],
          [1, 2],
        ];
  const relDec: number[][] = [];
  const decoderCosine: number[][] = [];
  const decoderNorms: number[][] = [];
  for (let i = 0; i < f; i++) {
    const row = Array.from(norms.subarray(i * m, (i + 1) * m));
    decoderNorms.push(row);
    const total = row.reduce((a, b) => a + b, 0);
    relDec.push(row.map((n) => (total > 0 ? n / total : Number.NaN)));
    decoderCosine.push(
      pairs.map(([a, b]) => {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += wDec[(i * m + a!) * d + j]! * wDec[(i * m + b!) * d + j]!;
        const denominator = row[a!]! * row[b!]!;
        return denominator > 0 ? dot / denominator : Number.NaN;
      }),
    );
  }
  return { relDec, decoderCosine, decoderNorms };
}
