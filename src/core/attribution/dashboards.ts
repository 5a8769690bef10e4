import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import type { ActivationStore } from '../activations/activation-store';
import type { Crosscoder } from '../crosscoder/crosscoder';
import { encode } from '../crosscoder/forward';
import { logitLensWeightNames } from '../hf/architectures';
import { loadWeights, readModelFolder } from '../hf/model-folder';
import { readSafetensors } from '../hf/safetensors';
import { throwIfAborted, type ProgressListener } from '../progress';

// Feature dashboards data (METHOD.md "Feature view"), from an activation store and a crosscoder run.

export interface ContextToken {
  id: number;
  text: string;
  /** The feature's activation at this token; null where no activation row exists (position 0). */
  activation: number | null;
}
export interface ContextSample {
  activation: number;
  window: number;
  position: number;
  /** ±5 tokens around the activating one (fewer at window edges); `isCenter` marks it. */
  tokens: (ContextToken & { isCenter: boolean })[];
}
export interface CheckpointView {
  revision: string;
  decoderNorm: number;
  /** This checkpoint's share of Σ_m ‖W_dec[i,m]‖. */
  relDec: number | null;
  /** Cosine with the previous checkpoint's decoder direction (null for the first). */
  cosineWithPrevious: number | null;
  /** Tokens the decoder direction promotes most / least: W_U · (γ ⊙ W_dec[i,m]/s_m). */
  topLogits: { id: number; text: string; value: number }[];
  bottomLogits: { id: number; text: string; value: number }[];
}
export interface FeatureDashboard {
  feature: number;
  rows: number;
  /** Share of rows where the feature is active (f > 0). */
  density: number;
  maxActivation: number;
  /** 50 equal-width bins over (0, max] of the positive activations. */
  histogram: { edges: number[]; counts: number[] };
  topContexts: ContextSample[];
  /** 10 bins of equal count over the positive activations, 5 samples each. */
  quantiles: { low: number; high: number; samples: ContextSample[] }[];
  checkpoints: CheckpointView[];
}

export const dashboardLogitNote =
  'Logit effects: the decoder direction in model space (W_dec[i,m]/s_m) times the final LayerNorm gain γ, ' +
  'then the unembedding; the LayerNorm centring and scaling are left out (they depend on the whole residual).';

interface Row {
  shard: number;
  window: number;
  position: number;
}

/**
 * Computes dashboards for `features` over the first `maxRows` rows of the store. `decodeToken` turns an id
 * into text. The store must be a folder (it carries the contexts and the checkpoints' paths).
 */
export async function computeDashboards(options: {
  store: ActivationStore;
  crosscoder: Crosscoder;
  scale: Float32Array;
  features: readonly number[];
  decodeToken: (id: number) => string;
  maxRows?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<FeatureDashboard[]> {
  const { store, crosscoder: cc, scale, features } = options;
  const manifest = store.manifest;
  if (manifest === null)
    throw new Error(
      'dashboards need an activation store folder (contexts and checkpoints), not a single file',
    );
  const f = cc.config.nFeatures;
  for (const i of features)
    if (!Number.isInteger(i) || i < 0 || i >= f)
      throw new Error(`feature ${i} does not exist (the run has ${f})`);
  const { nCheckpoints: m, dModel: d } = store;
  const maxRows = Math.min(options.maxRows ?? 200_000, store.rows);
  const s = features.length;
  const acts = new Float32Array(maxRows * s); // [row][selected feature]
  const rows: Row[] = [];
  const rowOf = new Map<string, number>();
  const contexts = new Map<number, Int32Array>(); // window → token ids
  const featureIndex = tf.tensor1d(Int32Array.from(features), 'int32');
  try {
    for (let shard = 0; shard < manifest.shards.length && rows.length < maxRows; shard++) {
      throwIfAborted(options.signal);
      const file = join(store.source, manifest.shards[shard]!.file);
      const meta = await readSafetensors(file, { names: ['window', 'position', 'context_ids'] });
      const windows = meta.get('window')!.data;
      const positions = meta.get('position')!.data;
      const contextIds = meta.get('context_ids')!;
      const first = manifest.shards[shard]!.firstWindow;
      const context = contextIds.shape[1]!;
      for (let w = 0; w < contextIds.shape[0]!; w++)
        contexts.set(first + w, contextIds.data.subarray(w * context, (w + 1) * context) as Int32Array);
      const raw = await store.readShard(shard);
      const n = Math.min(raw.length / (m * d), maxRows - rows.length);
      for (let i = 0; i < n * m * d; i++) raw[i]! *= scale[Math.floor(i / d) % m]!;
      for (let start = 0; start < n; start += 4096) {
        const count = Math.min(4096, n - start);
        const picked = tf.tidy(() =>
          tf.gather(
            encode(cc, tf.tensor3d(raw.subarray(start * m * d, (start + count) * m * d), [count, m, d])),
            featureIndex,
            1,
          ),
        );
        acts.set((await picked.data()) as Float32Array, (rows.length + start) * s);
        picked.dispose();
      }
      for (let r = 0; r < n; r++) {
        const row = { shard, window: windows[r]!, position: positions[r]! };
        rowOf.set(`${row.window}:${row.position}`, rows.length);
        rows.push(row);
      }
      options.onProgress?.({ step: rows.length, total: maxRows, message: `encoded ${rows.length} rows` });
    }
  } finally {
    featureIndex.dispose();
  }
  const n = rows.length;
  const checkpointViews = await decoderViews(cc, scale, features, manifest.revisions, options.decodeToken);
  return features.map((feature, k) => {
    const value = (row: number): number => acts[row * s + k]!;
    const sample = (row: number): ContextSample => {
      const { window, position } = rows[row]!;
      const ids = contexts.get(window)!;
      const tokens = [];
      for (let q = Math.max(0, position - 5); q <= Math.min(ids.length - 1, position + 5); q++) {
        const other = rowOf.get(`${window}:${q}`);
        tokens.push({
          id: ids[q]!,
          text: options.decodeToken(ids[q]!),
          activation: other === undefined ? null : value(other),
          isCenter: q === position,
        });
      }
      return { activation: value(row), window, position, tokens };
    };
    const active = [];
    for (let r = 0; r < n; r++) if (value(r) > 0) active.push(r);
    active.sort((a, b) => value(b) - value(a) || a - b);
    const max = active.length > 0 ? value(active[0]!) : 0;
    const counts = new Array<number>(50).fill(0);
    for (const r of active) counts[Math.min(49, Math.floor((value(r) / max) * 50))]! += 1;
    const ascending = [...active].reverse();
    const quantiles =
      active.length === 0
        ? []
        : Array.from({ length: 10 }, (_, b) => {
            const lo = Math.floor((b * ascending.length) / 10);
            const hi = Math.max(lo + 1, Math.floor(((b + 1) * ascending.length) / 10));
            const bin = ascending.slice(lo, hi);
            const picks = Array.from(
              { length: Math.min(5, bin.length) },
              (_, j) => bin[Math.floor((j * bin.length) / Math.min(5, bin.length))]!,
            );
            return { low: value(bin[0]!), high: value(bin[bin.length - 1]!), samples: picks.map(sample) };
          });
    return {
      feature,
      rows: n,
      density: active.length / n,
      maxActivation: max,
      histogram: { edges: Array.from({ length: 51 }, (_, j) => (j * max) / 50), counts },
      topContexts: active.slice(0, 20).map(sample),
      quantiles,
      checkpoints: checkpointViews[k]!,
    };
  });
}

/** Per feature and checkpoint: decoder norm, RelDec, cosine with the previous checkpoint, logit effects. */
async function decoderViews(
  cc: Crosscoder,
  scale: Float32Array,
  features: readonly number[],
  revisions: readonly { revision: string; path: string }[],
  decodeToken: (id: number) => string,
): Promise<CheckpointView[][]> {
  const { nCheckpoints: m, dModel: d } = cc.config;
  const wDec = (await cc.wDec_FMD.data()) as Float32Array;
  const views: CheckpointView[][] = features.map(() => []);
  for (let c = 0; c < m; c++) {
    const folder = await readModelFolder(revisions[c]!.path);
    // The decoder direction through the final norm's gain (none for OLMo) and the unembedding.
    const names = logitLensWeightNames(folder, folder.weightPrefix);
    const weights = await loadWeights(folder, {
      names: [names.unembed, ...(names.finalNormGain === null ? [] : [names.finalNormGain])],
    });
    const unembed = weights.get(names.unembed)!;
    const gamma =
      names.finalNormGain === null ? new Float32Array(d).fill(1) : weights.get(names.finalNormGain)!.data;
    const directions = new Float32Array(features.length * d);
    features.forEach((i, k) => {
      for (let j = 0; j < d; j++)
        directions[k * d + j] = (wDec[(i * m + c) * d + j]! / scale[c]!) * gamma[j]!;
    });
    const logits = tf.tidy(() =>
      tf.matMul(
        tf.tensor2d(directions, [features.length, d]),
        tf.tensor2d(unembed.data as Float32Array, unembed.shape as [number, number]),
        false,
        true,
      ),
    );
    const values = (await logits.data()) as Float32Array;
    logits.dispose();
    const v = unembed.shape[0]!;
    features.forEach((i, k) => {
      const norms = Array.from({ length: m }, (_, cc2) =>
        Math.hypot(...wDec.subarray((i * m + cc2) * d, (i * m + cc2 + 1) * d)),
      );
      const total = norms.reduce((a, b) => a + b, 0);
      let cosine: number | null = null;
      if (c > 0 && norms[c]! > 0 && norms[c - 1]! > 0) {
        let dot = 0;
        for (let j = 0; j < d; j++) dot += wDec[(i * m + c) * d + j]! * wDec[(i * m + c - 1) * d + j]!;
        cosine = dot / (norms[c]! * norms[c - 1]!);
      }
      const row = values.subarray(k * v, (k + 1) * v);
      const order = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b);
      const pick = (ids: number[]) => ids.map((id) => ({ id, text: decodeToken(id), value: row[id]! }));
      views[k]!.push({
        revision: revisions[c]!.revision,
        decoderNorm: norms[c]!,
        relDec: total > 0 ? norms[c]! / total : null,
        cosineWithPrevious: cosine,
        topLogits: pick(order.slice(0, 10)),
        bottomLogits: pick(order.slice(-10).reverse()),
      });
    });
  }
  return views;
}
