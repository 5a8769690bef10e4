import * as tf from '@tensorflow/tfjs';
import type { LmTokenizer } from '../hf/tokenizer';
import { padBatch, type TokenBatch } from '../lm/batch';
import type { ForwardOptions, ForwardResult } from '../lm/language-model';
import { loadLanguageModel } from '../lm/load';

// What activation extraction needs of a checkpoint, and the one read it does per batch.
// Legend: B=batch (windows) T=context P=positions kept D=dModel.

/** A model whose residuals can be read; every LanguageModel fits, tests pass fakes. */
export interface ResidualModel {
  readonly config: { dModel: number; nLayers: number; vocabSize: number };
  forward(batch: TokenBatch, options: ForwardOptions): ForwardResult;
  dispose(): void;
}

export interface LoadedCheckpoint {
  model: ResidualModel;
  tokenizer: LmTokenizer | null;
  /** config.json as read (for eos_token_id / bos_token_id). */
  rawConfig: Record<string, unknown>;
}

export type CheckpointLoader = (path: string) => Promise<LoadedCheckpoint>;

/** Loads a Hugging Face model folder with the project's LM runtime. */
export const loadCheckpoint: CheckpointLoader = async (path) => {
  const loaded = await loadLanguageModel(path);
  return { model: loaded.model, tokenizer: loaded.tokenizer, rawConfig: loaded.folder.rawConfig };
};

/**
 * The residual after block `layer` of full windows [B,T], from `firstPosition` on, read back to the host
 * as [B,P,D] row-major. Leaves no tensor behind.
 */
export async function readResiduals(
  model: ResidualModel,
  windows_BT: readonly Int32Array[],
  layer: number,
  firstPosition: number,
): Promise<Float32Array> {
  const batch = padBatch(windows_BT.map((w) => Array.from(w)));
  const { residuals, logits_BTV } = model.forward(batch, { readLayers: [layer], shouldSkipLogits: true });
  // forward() keeps its residuals out of every tidy scope: they are ours to dispose.
  const owned = [...residuals.values(), ...(logits_BTV === null ? [] : [logits_BTV])];
  let kept_BPD: tf.Tensor3D;
  try {
    const resid_BTD = residuals.get(layer);
    if (resid_BTD === undefined) throw new Error(`the model returned no residual for layer ${layer}`);
    kept_BPD = tf.slice(resid_BTD, [0, firstPosition, 0], [-1, -1, -1]);
  } finally {
    tf.dispose(owned);
  }
  try {
    return (await kept_BPD.data()) as Float32Array;
  } finally {
    kept_BPD.dispose();
  }
}
