import * as tf from '@tensorflow/tfjs';
import type { Crosscoder } from '../crosscoder/crosscoder';
import { encode } from '../crosscoder/forward';
import { padBatch } from '../lm/batch';
import type { LanguageModel } from '../lm/language-model';
import { throwIfAborted, yieldToEventLoop } from '../progress';
import type { MetricItem } from './attribute';

// The paper's validation of RelIE: ablate one feature in one checkpoint (x_m − f_i·W_dec[i,m]/s_m at every
// position, error term kept) and measure how much the preference for the right answer drops.

export interface AblationEffect {
  feature: number;
  /** Per checkpoint: mean over examples of [log p(right) − log p(wrong)]_clean − [same]_ablated. */
  delta: number[];
  /** Each checkpoint's share of Σ_m |Δ_m| (null when all zero). */
  share: number[] | null;
}

export async function ablationEffects(options: {
  models: readonly LanguageModel[];
  layer: number;
  crosscoder: Crosscoder;
  scale: Float32Array;
  items: readonly MetricItem[];
  features: readonly number[];
  batchSize?: number;
  signal?: AbortSignal;
}): Promise<AblationEffect[]> {
  const { models, layer, crosscoder: cc, scale, items, features } = options;
  const m = models.length;
  const d = cc.config.dModel;
  const sums = features.map(() => new Array<number>(m).fill(0));
  const batchSize = options.batchSize ?? 16;
  for (let start = 0; start < items.length; start += batchSize) {
    throwIfAborted(options.signal);
    const chunk = items.slice(start, start + batchSize);
    const batch = padBatch(chunk.map((i) => i.prefixIds));
    const [b, t] = [batch.batchSize, batch.length];
    const lastRows = Int32Array.from(chunk, (item, i) => i * t + item.prefixIds.length - 1);
    const values = tf.tidy(() => {
      const clean = models.map((model) => model.forward(batch, { readLayers: [layer] }));
      const resid = clean.map((out) => out.residuals.get(layer)!);
      const x_NMD = tf.stack(
        resid.map((r, c) => tf.mul(tf.reshape(r, [b * t, d]), scale[c]!)),
        1,
      ) as tf.Tensor3D;
      const f_NF = encode(cc, x_NMD);
      const selector_BN = tf.oneHot(tf.tensor1d(lastRows, 'int32'), b * t).toFloat() as tf.Tensor2D;
      const right = tf.oneHot(
        tf.tensor1d(
          Int32Array.from(chunk, (i) => i.rightId),
          'int32',
        ),
        models[0]!.config.vocabSize,
      );
      const wrong = tf.oneHot(
        tf.tensor1d(
          Int32Array.from(chunk, (i) => i.wrongId),
          'int32',
        ),
        models[0]!.config.vocabSize,
      );
      /** Σ over examples of log p(right) − log p(wrong) at the last prefix token. */
      const preference = (logits_BTV: tf.Tensor3D): tf.Scalar => {
        const logp_BV = tf.logSoftmax(
          tf.matMul(selector_BN, tf.reshape(logits_BTV, [b * t, -1]) as tf.Tensor2D),
        );
        return tf.sum(tf.mul(logp_BV, tf.sub(right, wrong))) as tf.Scalar;
      };
      const rows: tf.Scalar[] = [];
      models.forEach((model, c) => {
        const base = preference(clean[c]!.logits_BTV!);
        for (const feature of features) {
          const direction_D = tf.div(
            tf.reshape(tf.slice(cc.wDec_FMD, [feature, c, 0], [1, 1, d]), [d]),
            scale[c]!,
          );
          const f_N1 = tf.slice(f_NF, [0, feature], [b * t, 1]);
          const ablated = tf.sub(resid[c]!, tf.reshape(tf.mul(f_N1, direction_D), [b, t, d])) as tf.Tensor3D;
          const logits = model.forward(batch, { replace: { layer, fn: () => ablated } }).logits_BTV!;
          rows.push(tf.sub(base, preference(logits)) as tf.Scalar);
        }
      });
      tf.dispose(clean.flatMap((out) => [...out.residuals.values()]));
      return tf.stack(rows);
    });
    const data = await values.data();
    values.dispose();
    for (let c = 0; c < m; c++) features.forEach((_, k) => (sums[k]![c]! += data[c * features.length + k]!));
    await yieldToEventLoop();
  }
  return features.map((feature, k) => {
    const delta = sums[k]!.map((v) => v / items.length);
    const total = delta.reduce((a, v) => a + Math.abs(v), 0);
    return { feature, delta, share: total > 0 ? delta.map((v) => Math.abs(v) / total) : null };
  });
}

/** Spearman rank correlation (average ranks for ties); null with fewer than 3 pairs or no variance. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new Error('spearman: series of different lengths');
  if (x.length < 3) return null;
  const rank = (v: readonly number[]): number[] => {
    const order = v.map((value, i) => ({ value, i })).sort((a, b) => a.value - b.value);
    const ranks = new Array<number>(v.length);
    for (let i = 0; i < order.length;) {
      let j = i;
      while (j + 1 < order.length && order[j + 1]!.value === order[i]!.value) j++;
      for (let k = i; k <= j; k++) ranks[order[k]!.i] = (i + j) / 2 + 1;
      i = j + 1;
    }
    return ranks;
  };
  const [rx, ry] = [rank(x), rank(y)];
  const mean = (r: number[]): number => r.reduce((a, b) => a + b, 0) / r.length;
  const [mx, my] = [mean(rx), mean(ry)];
  let num = 0;
  let dx = 0;
  let dy = 0;
  for (let i = 0; i < rx.length; i++) {
    num += (rx[i]! - mx) * (ry[i]! - my);
    dx += (rx[i]! - mx) ** 2;
    dy += (ry[i]! - my) ** 2;
  }
  return dx === 0 || dy === 0 ? null : num / Math.sqrt(dx * dy);
}
