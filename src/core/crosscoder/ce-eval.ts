import * as tf from '@tensorflow/tfjs';
import { padBatch } from '../lm/batch';
import type { LanguageModel } from '../lm/language-model';
import { nextTokenLogProbs } from '../lm/log-probs';
import { throwIfAborted, yieldToEventLoop, type ProgressListener } from '../progress';
import type { Crosscoder } from './crosscoder';
import { decode, encode } from './forward';

// ΔCE and CE-recovered with the crosscoder's reconstruction spliced into each checkpoint
// (METHOD-REFERENCE §4.2). Legend: B=windows T=tokens M=checkpoints D=dModel N=B·T.

export interface CheckpointCe {
  /** Mean next-token cross-entropy (nats) of the clean model. */
  ceClean: number;
  /** With the residual after the hook block set to zero (positions ≥ 1). */
  ceZero: number;
  /** With the residual replaced by the crosscoder's reconstruction x̂_m (positions ≥ 1). */
  ceSpliced: number;
  /** ceSpliced − ceClean. */
  deltaCe: number;
  /** 1 − ΔCE / (ceZero − ceClean). */
  ceRecovered: number;
}

/**
 * For each checkpoint m: the clean CE, the CE with the hook-layer output zeroed, and the CE with it replaced
 * by x̂_m, where x̂ is computed jointly from all checkpoints' clean activations of the same tokens (scaled
 * by s_m for the crosscoder, divided by s_m back into the model's space). Position 0, which the crosscoder
 * never saw in training (the attention sink), keeps its clean value in both interventions; the released
 * code replaces it too. All M models must be loaded; windows must all have the same length.
 */
export async function spliceCrossEntropy(options: {
  models: readonly LanguageModel[];
  layer: number;
  crosscoder: Crosscoder;
  scale: Float32Array;
  windows: readonly (readonly number[])[];
  batchSize?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<CheckpointCe[]> {
  const { models, layer, crosscoder: cc, scale, windows } = options;
  const m = models.length;
  if (m !== cc.config.nCheckpoints)
    throw new Error(`${m} models for a crosscoder over ${cc.config.nCheckpoints} checkpoints`);
  if (scale.length !== m) throw new Error(`${scale.length} scale factors for ${m} checkpoints`);
  const sums = Array.from({ length: m }, () => ({ clean: 0, zero: 0, spliced: 0 }));
  let predicted = 0;
  const batchSize = options.batchSize ?? 8;
  for (let start = 0; start < windows.length; start += batchSize) {
    throwIfAborted(options.signal);
    const batch = padBatch(windows.slice(start, start + batchSize));
    const [b, t, d] = [batch.batchSize, batch.length, cc.config.dModel];
    if (batch.lengths.some((n) => n !== t))
      throw new Error('spliceCrossEntropy needs windows of equal length');
    const ceOf = (logits_BTV: tf.Tensor3D): tf.Scalar =>
      tf.neg(tf.sum(nextTokenLogProbs(logits_BTV, batch))) as tf.Scalar;
    const totals = tf.tidy(() => {
      const clean = models.map((model) => model.forward(batch, { readLayers: [layer] }));
      const resid_BTD = clean.map((out) => out.residuals.get(layer)!);
      // Joint encoding of the M checkpoints' activations of the same tokens, in the crosscoder's space.
      const x_NMD = tf.stack(
        resid_BTD.map((r, c) => tf.mul(tf.reshape(r, [b * t, d]), scale[c]!)),
        1,
      ) as tf.Tensor3D;
      const xHat_NMD = decode(cc, encode(cc, x_NMD));
      const isFirst_1T1 = tf.reshape(tf.oneHot(tf.tensor1d([0], 'int32'), t), [1, t, 1]);
      const keepFirst = (replacement: tf.Tensor3D, c: number): tf.Tensor3D =>
        tf.add(
          tf.mul(resid_BTD[c]!, isFirst_1T1),
          tf.mul(replacement, tf.sub(1, isFirst_1T1)),
        ) as tf.Tensor3D;
      const rows: tf.Scalar[] = [];
      models.forEach((model, c) => {
        const raw_BTD = tf.reshape(tf.div(tf.gather(xHat_NMD, c, 1), scale[c]!), [b, t, d]) as tf.Tensor3D;
        const spliced = model.forward(batch, {
          replace: { layer, fn: () => keepFirst(raw_BTD, c) },
        }).logits_BTV!;
        const zeroed = model.forward(batch, {
          replace: { layer, fn: () => keepFirst(tf.zerosLike(raw_BTD), c) },
        }).logits_BTV!;
        rows.push(ceOf(clean[c]!.logits_BTV!), ceOf(zeroed), ceOf(spliced));
      });
      tf.dispose(clean.flatMap((out) => [...out.residuals.values()]));
      return tf.stack(rows);
    });
    const values = await totals.data();
    totals.dispose();
    for (let c = 0; c < m; c++) {
      sums[c]!.clean += values[3 * c]!;
      sums[c]!.zero += values[3 * c + 1]!;
      sums[c]!.spliced += values[3 * c + 2]!;
    }
    predicted += b * (t - 1);
    options.onProgress?.({ step: Math.min(windows.length, start + batchSize), total: windows.length });
    await yieldToEventLoop();
  }
  return sums.map((s) => {
    const [ceClean, ceZero, ceSpliced] = [s.clean / predicted, s.zero / predicted, s.spliced / predicted];
    const deltaCe = ceSpliced - ceClean;
    return { ceClean, ceZero, ceSpliced, deltaCe, ceRecovered: 1 - deltaCe / (ceZero - ceClean) };
  });
}
