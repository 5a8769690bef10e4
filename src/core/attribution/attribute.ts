import * as tf from '@tensorflow/tfjs';
import type { Crosscoder } from '../crosscoder/crosscoder';
import { padBatch } from '../lm/batch';
import type { LanguageModel } from '../lm/language-model';
import { throwIfAborted, yieldToEventLoop, type ProgressListener } from '../progress';
import { tokenizePairs, type Encode } from '../tasks/answer-tokens';
import type { MinimalPair } from '../tasks/minimal-pair';
import type { AttributeResult } from '../../shared/attribution';
import { integratedGradientsBatch, type CheckpointMetric } from './ie';

/** One minimal pair reduced to what the metric needs: the prefix and the first differing token of each answer. */
export interface MetricItem {
  prefixIds: number[];
  rightId: number;
  wrongId: number;
}

/** One feature's IE on one pair (signed, same metric and sign as `IeResult.ie`). */
export interface FeatureIe {
  feature: number;
  ie: number;
}

/** One pair's share of the result: its clean metric and its features with the largest |IE| [M][≤k]. */
export interface ItemIe {
  metricClean: number[];
  top: FeatureIe[][];
}

export interface IeResult {
  /** Signed IE per checkpoint and feature [M][F], mean over examples of the per-example sum over tokens. */
  ie: number[][];
  /** IE of the error term per checkpoint (completeness: Σ ie + error ≈ ablated − clean metric). */
  errorIe: number[];
  /** Mean metric logit(wrong) − logit(right) at the last prefix position, clean and with everything ablated. */
  metricClean: number[];
  metricAblated: number[];
  n: number;
  /** Per item, in the order given, when `itemTop` was asked for (the mean over items of their IE is `ie`). */
  items?: ItemIe[];
}

/**
 * The `k` features with the largest |IE| in one example's row [F] (ties by index); features with IE
 * exactly 0 carry nothing on this pair and are left out, so fewer than k may come back.
 */
export function topFeaturesOf(row: ArrayLike<number>, k: number): FeatureIe[] {
  const order: number[] = [];
  for (let i = 0; i < row.length; i++) if (row[i] !== 0) order.push(i);
  order.sort((a, b) => Math.abs(row[b]!) - Math.abs(row[a]!) || a - b);
  return order.slice(0, k).map((feature) => ({ feature, ie: row[feature]! }));
}

/**
 * IE of every feature on logit(wrong) − logit(right) for each checkpoint. `steps` = 10 is integrated
 * gradients (α = 0, 0.1, …, 0.9); `steps` = 1 is attribution patching. All M models must be loaded.
 */
export async function computeIe(options: {
  models: readonly LanguageModel[];
  layer: number;
  crosscoder: Crosscoder;
  scale: Float32Array;
  items: readonly MetricItem[];
  steps: number;
  threshold: number | null;
  batchSize?: number;
  /** Keep, per item and checkpoint, the features with the largest |IE| on that item (none by default). */
  itemTop?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<IeResult> {
  const { models, layer, crosscoder, items } = options;
  const m = models.length;
  if (items.length === 0) throw new Error('the task has no usable pairs');
  for (const model of models) {
    if (layer < 0 || layer >= model.config.nLayers) {
      throw new Error(`layer ${layer} is out of range: the model has blocks 0…${model.config.nLayers - 1}`);
    }
    if (model.config.dModel !== crosscoder.config.dModel) {
      throw new Error(
        `the model has d_model ${model.config.dModel}, the crosscoder ${crosscoder.config.dModel}`,
      );
    }
  }
  const f = crosscoder.config.nFeatures;
  const ieSum = Array.from({ length: m }, () => new Float64Array(f));
  const errorSum = new Array<number>(m).fill(0);
  const cleanSum = new Array<number>(m).fill(0);
  const ablatedSum = new Array<number>(m).fill(0);
  const itemTop = options.itemTop;
  if (itemTop !== undefined && (!Number.isInteger(itemTop) || itemTop < 1))
    throw new Error(`itemTop must be a positive integer, got ${itemTop}`);
  const perItem: ItemIe[] = [];
  const batchSize = options.batchSize ?? 8;
  for (let start = 0; start < items.length; start += batchSize) {
    throwIfAborted(options.signal);
    const chunk = items.slice(start, start + batchSize);
    const batch = padBatch(chunk.map((item) => item.prefixIds));
    const [b, t] = [batch.batchSize, batch.length];
    // Metric direction per example: +1 on the wrong answer, −1 on the right one, read at its last real token.
    const lastRows = Int32Array.from(chunk, (item, i) => i * t + item.prefixIds.length - 1);
    const contexts = models.map((model) => model.createContext(batch));
    const residuals = models.map((model) =>
      model.forward(batch, { readLayers: [layer], shouldSkipLogits: true }).residuals.get(layer)!,
    );
    const direction_BV = tf.tidy(() =>
      tf.sub(
        tf.oneHot(
          tf.tensor1d(
            Int32Array.from(chunk, (i) => i.wrongId),
            'int32',
          ),
          models[0]!.config.vocabSize,
        ),
        tf.oneHot(
          tf.tensor1d(
            Int32Array.from(chunk, (i) => i.rightId),
            'int32',
          ),
          models[0]!.config.vocabSize,
        ),
      ),
    );
    const selector_BN = tf.tidy(
      () => tf.oneHot(tf.tensor1d(lastRows, 'int32'), b * t).toFloat() as tf.Tensor2D,
    );
    try {
      const checkpoints: CheckpointMetric[] = models.map((model, c) => ({
        resid_BTD: residuals[c]!,
        metric: (h) => {
          const logits_BTV = model.forwardFrom(layer + 1, h, contexts[c]!);
          // Rows picked by a one-hot matmul: tf.gather's gradient needs a kernel tfjs-wasm lacks.
          const last_BV = tf.matMul(selector_BN, tf.reshape(logits_BTV, [b * t, -1]) as tf.Tensor2D);
          return tf.sum(tf.mul(last_BV, direction_BV), 1) as tf.Tensor1D;
        },
      }));
      const out = await integratedGradientsBatch({
        crosscoder,
        scale: options.scale,
        checkpoints,
        mask: batch.mask,
        steps: options.steps,
        threshold: options.threshold,
      });
      for (let c = 0; c < m; c++) {
        for (let i = 0; i < f; i++) ieSum[c]![i]! += out.ieSum[c]![i]!;
        errorSum[c]! += out.errorIeSum[c]!;
        cleanSum[c]! += out.metricClean[c]!;
        ablatedSum[c]! += out.metricAblated[c]!;
      }
      if (itemTop !== undefined) {
        for (let e = 0; e < b; e++) {
          perItem.push({
            metricClean: out.metricCleanExample.map((row) => row[e]!),
            top: out.ieExample.map((ie_BF) => topFeaturesOf(ie_BF.subarray(e * f, (e + 1) * f), itemTop)),
          });
        }
      }
    } finally {
      tf.dispose([...residuals, direction_BV, selector_BN]);
      contexts.forEach((context, c) => models[c]!.disposeContext(context));
    }
    options.onProgress?.({
      step: Math.min(items.length, start + batchSize),
      total: items.length,
      message: `${Math.min(items.length, start + batchSize)}/${items.length} pairs`,
    });
    await yieldToEventLoop();
  }
  const n = items.length;
  return {
    ie: ieSum.map((row) => Array.from(row, (v) => v / n)),
    errorIe: errorSum.map((v) => v / n),
    metricClean: cleanSum.map((v) => v / n),
    metricAblated: ablatedSum.map((v) => v / n),
    n,
    ...(itemTop === undefined ? {} : { items: perItem }),
  };
}

/**
 * Minimal pairs → metric items. The metric reads one position: where the two answers first differ
 * (single tokens, or after their shared leading tokens). Pairs whose answers never differ at one
 * position (one is a prefix of the other) are dropped and counted in `dropped`; `pairIndices[j]` is the
 * index in `pairs` of item j.
 */
export function metricItemsOf(
  pairs: readonly MinimalPair[],
  encode: Encode,
): { items: MetricItem[]; pairIndices: number[]; dropped: number } {
  const items: MetricItem[] = [];
  const pairIndices: number[] = [];
  const indexOf = new Map(pairs.map((pair, i) => [pair, i]));
  for (const { pair, tokens } of tokenizePairs(pairs, encode, 'multiToken').items) {
    if (tokens.divergence === null) continue;
    items.push({
      prefixIds: tokens.divergence.prefixIds,
      rightId: tokens.divergence.goodId,
      wrongId: tokens.divergence.badId,
    });
    pairIndices.push(indexOf.get(pair)!);
  }
  return { items, pairIndices, dropped: pairs.length - items.length };
}

/** Number of features kept per pair and checkpoint in an attribution's `items`. */
export const itemTopFeatures = 10;

/**
 * The per-pair records of an attribution result: `item` is the pair's index among the pairs read from
 * the task file (pairs dropped by `metricItemsOf` leave gaps), with its two sentences.
 */
export function attributedItems(
  pairs: readonly MinimalPair[],
  pairIndices: readonly number[],
  items: readonly ItemIe[],
): NonNullable<AttributeResult['items']> {
  if (items.length !== pairIndices.length)
    throw new Error(`${items.length} item results for ${pairIndices.length} attributed pairs`);
  return items.map((item, j) => {
    const pair = pairs[pairIndices[j]!]!;
    return { item: pairIndices[j]!, good: pair.sentenceGood, bad: pair.sentenceBad, ...item };
  });
}
