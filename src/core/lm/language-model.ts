import * as tf from '@tensorflow/tfjs';
import type { LmConfig, ModelArchitecture } from '../hf/architectures';
import type { HostTensor } from '../hf/host-tensor';
import type { TokenBatch } from './batch';
import { embeddingLookup, embeddingLookupColumns } from './ops';

// What callers use of a language model, whatever its family (GPT-NeoX, OLMo, BLOOM), and the parts
// every family shares: the forward with residual read/replace, batch contexts, weight ownership.
// Legend: B=batch T=tokens D=dModel H=heads R=rotary dims V=vocab.

/** Per-batch tensors every block needs. Dispose with `model.disposeContext` (or `disposeBatchContext`). */
export interface BatchContext {
  batchSize: number;
  length: number;
  /** Rotary cos and sin [B,1,T,R] (GPT-NeoX, OLMo); null for ALiBi models. */
  cos: tf.Tensor | null;
  sin: tf.Tensor | null;
  /** 0 where a query may attend a key, −1e9 elsewhere [B,1,T,T]. */
  attentionBias_B1TT: tf.Tensor4D;
  /** ALiBi: slope of head h × position of key j, [B,H,1,T] (BLOOM); null for rotary models. */
  alibi_BH1T: tf.Tensor4D | null;
}

export interface ForwardOptions {
  /** Block indices whose output residual [B,T,D] to return (0-based; Hugging Face hidden_states[L+1]). */
  readLayers?: readonly number[];
  /** Replaces the residual at the output of block `layer`; the rest of the model stays differentiable. */
  replace?: { layer: number; fn: (resid_BTD: tf.Tensor3D) => tf.Tensor3D };
  /** Skip the unembedding (only residuals wanted). */
  shouldSkipLogits?: boolean;
}

export interface ForwardResult {
  logits_BTV: tf.Tensor3D | null;
  residuals: Map<number, tf.Tensor3D>;
}

export interface BuildOptions {
  /** Make every weight a tf.variable (training). */
  isTrainable?: boolean;
}

/** A checkpoint in the runtime. The model owns its tensors: call dispose(). */
export interface LanguageModel {
  readonly architecture: ModelArchitecture;
  /** The family's config; every family has vocabSize, dModel, nLayers, nHeads, headSize, dMlp. */
  readonly config: LmConfig;
  /** Float32 values held (weights only). */
  readonly parameterCount: number;
  /** The trainable variables (empty unless built with `isTrainable`). */
  readonly variables: tf.Variable[];
  /**
   * Gain [D] of the final norm, which dashboards fold into decoder directions before the unembedding;
   * null when the final norm has no weights (OLMo).
   */
  readonly finalNormGain_D: tf.Tensor1D | null;
  /** Per-batch tensors (masks, rotary tables or ALiBi). Dispose with `disposeContext`. */
  createContext(batch: TokenBatch): BatchContext;
  disposeContext(context: BatchContext): void;
  /** The residual entering block 0 [B,T,D] (BLOOM: after the embedding LayerNorm). */
  embed(batch: TokenBatch): tf.Tensor3D;
  /** Block `index` applied to the residual h_BTD; returns the block's output residual. */
  block(index: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D;
  /** Final norm and unembedding: logits [B,T,V]. */
  unembed(h_BTD: tf.Tensor3D): tf.Tensor3D;
  /** Runs blocks `from`…nLayers−1 on h_BTD (the residual entering block `from`) and unembeds. */
  forwardFrom(from: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D;
  /** Full forward with optional residual reads and one residual replacement. */
  forward(batch: TokenBatch, options?: ForwardOptions): ForwardResult;
  /** The weights as Hugging Face-named host tensors (Linear weights in [out, in] layout). */
  toHostTensors(): Promise<Map<string, HostTensor>>;
  dispose(): void;
}

export function disposeBatchContext(context: BatchContext): void {
  tf.dispose(
    [context.cos, context.sin, context.attentionBias_B1TT, context.alibi_BH1T].filter(
      (t): t is tf.Tensor => t !== null,
    ),
  );
}

/** A weight as the model holds it, with its Hugging Face name; `isLinear`: held as [in, out], stored [out, in]. */
export interface NamedWeight {
  name: string;
  tensor: tf.Tensor;
  isLinear: boolean;
}

/** The token embedding: a [V,D] table, or the tied unembedding [D,V] read by columns. */
export type EmbeddingTable =
  { kind: 'rows'; table_VD: tf.Tensor2D } | { kind: 'columns'; table_DV: tf.Tensor2D };

/**
 * The forward every family shares: embed → blocks (reads, one replacement) → unembed. Subclasses give
 * the family's blocks, unembedding and what their batch contexts hold.
 */
export abstract class TransformerLanguageModel implements LanguageModel {
  abstract readonly architecture: ModelArchitecture;
  abstract readonly config: LmConfig;
  abstract readonly finalNormGain_D: tf.Tensor1D | null;
  private isDisposed = false;

  protected constructor(
    private readonly embedding: EmbeddingTable,
    private readonly namedWeights: readonly NamedWeight[],
  ) {}

  abstract block(index: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D;
  abstract unembed(h_BTD: tf.Tensor3D): tf.Tensor3D;

  /** Rotary tables [B,1,T,R] when the family uses rotary; null otherwise. */
  protected abstract rotary(positions_BT: tf.Tensor2D): { cos: tf.Tensor; sin: tf.Tensor } | null;
  /** ALiBi term [B,H,1,T] when the family uses ALiBi; null otherwise. */
  protected abstract alibi(positions_BT: tf.Tensor2D): tf.Tensor4D | null;
  /** Maps the raw embedding rows [B,T,D] to the residual entering block 0 (BLOOM normalises them). */
  protected embeddingOutput(rows_BTD: tf.Tensor3D): tf.Tensor3D {
    return rows_BTD;
  }

  get variables(): tf.Variable[] {
    return this.namedWeights.map((w) => w.tensor).filter((t): t is tf.Variable => t instanceof tf.Variable);
  }

  get parameterCount(): number {
    return this.namedWeights.reduce((n, w) => n + w.tensor.size, 0);
  }

  async toHostTensors(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    for (const { name, tensor, isLinear } of this.namedWeights) {
      const source = isLinear ? tf.transpose(tensor) : tensor;
      const data = (await source.data()) as Float32Array;
      out.set(name, { shape: [...source.shape], data: Float32Array.from(data), storedDtype: 'F32' });
      if (isLinear) source.dispose();
    }
    return out;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    tf.dispose(this.namedWeights.map((w) => w.tensor));
  }

  createContext(batch: TokenBatch): BatchContext {
    // tf.tidy keeps the tensors of the returned object (its types allow no nulls, hence the cast).
    return tf.tidy((): tf.TensorContainer => {
      const { batchSize: b, length: t } = batch;
      const positions_BT = tf.tensor2d(batch.positions, [b, t], 'int32');
      // Causal and key-padding mask: query i may see key j ≤ i when j is a real token.
      const bias = new Float32Array(b * t * t);
      for (let s = 0; s < b; s++) {
        for (let i = 0; i < t; i++) {
          for (let j = 0; j < t; j++) {
            const isVisible = j <= i && batch.mask[s * t + j] === 1;
            bias[(s * t + i) * t + j] = isVisible ? 0 : -1e9;
          }
        }
      }
      const rotary = this.rotary(positions_BT);
      return {
        batchSize: b,
        length: t,
        cos: rotary?.cos ?? null,
        sin: rotary?.sin ?? null,
        attentionBias_B1TT: tf.tensor4d(bias, [b, 1, t, t]),
        alibi_BH1T: this.alibi(positions_BT),
      } as unknown as tf.TensorContainer;
    }) as unknown as BatchContext;
  }

  disposeContext(context: BatchContext): void {
    disposeBatchContext(context);
  }

  embed(batch: TokenBatch): tf.Tensor3D {
    this.assertAlive();
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.length], 'int32');
      const rows =
        this.embedding.kind === 'rows'
          ? embeddingLookup(this.embedding.table_VD, ids)
          : embeddingLookupColumns(this.embedding.table_DV, ids);
      return this.embeddingOutput(rows);
    });
  }

  forwardFrom(from: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D {
    return tf.tidy(() => {
      let h = h_BTD;
      for (let i = from; i < this.config.nLayers; i++) h = this.block(i, h, context);
      return this.unembed(h);
    });
  }

  forward(batch: TokenBatch, options: ForwardOptions = {}): ForwardResult {
    this.assertAlive();
    const nLayers = this.config.nLayers;
    const reads = new Set(options.readLayers ?? []);
    for (const layer of [...reads, ...(options.replace ? [options.replace.layer] : [])]) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= nLayers) {
        throw new Error(`layer ${layer} is out of range: the model has blocks 0…${nLayers - 1}`);
      }
    }
    const lastNeeded = options.shouldSkipLogits
      ? Math.max(-1, ...reads, options.replace?.layer ?? -1)
      : nLayers - 1;
    const context = this.createContext(batch);
    try {
      const kept: tf.Tensor[] = [];
      const out = tf.tidy(() => {
        let h = this.embed(batch);
        for (let i = 0; i <= lastNeeded; i++) {
          h = this.block(i, h, context);
          if (options.replace?.layer === i) h = options.replace.fn(h);
          if (reads.has(i)) kept.push(tf.keep(h));
        }
        return options.shouldSkipLogits ? {} : { logits: this.unembed(h) };
      }) as { logits?: tf.Tensor3D };
      const residuals = new Map<number, tf.Tensor3D>();
      let k = 0;
      for (let i = 0; i <= lastNeeded; i++) if (reads.has(i)) residuals.set(i, kept[k++] as tf.Tensor3D);
      return { logits_BTV: out.logits ?? null, residuals };
    } finally {
      this.disposeContext(context);
    }
  }

  protected assertAlive(): void {
    if (this.isDisposed) throw new Error(`the ${this.architecture} model was disposed`);
  }
}
