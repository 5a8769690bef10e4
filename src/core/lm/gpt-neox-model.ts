import * as tf from '@tensorflow/tfjs';
import type { GptNeoxConfig } from '../hf/gpt-neox-config';
import type { HostTensor } from '../hf/host-tensor';
import type { TokenBatch } from './batch';
import { applyRotary, embeddingLookup, geluExact, geluTanh, layerNorm, linear, rotaryTables } from './ops';

// GPT-NeoX forward (Pythia, the demo family) in tfjs, with residual read and replace hooks.
// Legend: B=batch T=tokens D=dModel H=heads K=headSize R=rotary dims M=dMlp V=vocab N=B·T.

interface LayerWeights {
  ln1W: tf.Tensor1D;
  ln1B: tf.Tensor1D;
  ln2W: tf.Tensor1D;
  ln2B: tf.Tensor1D;
  qkvW_D3D: tf.Tensor2D;
  qkvB_3D: tf.Tensor1D;
  outW_DD: tf.Tensor2D;
  outB_D: tf.Tensor1D;
  upW_DM: tf.Tensor2D;
  upB_M: tf.Tensor1D;
  downW_MD: tf.Tensor2D;
  downB_D: tf.Tensor1D;
}

/** Per-batch tensors every block needs: rotary tables and the additive attention mask. */
export interface BatchContext {
  batchSize: number;
  length: number;
  cos: tf.Tensor;
  sin: tf.Tensor;
  /** 0 where a query may attend a key, −1e9 elsewhere [B,1,T,T]. */
  attentionBias_B1TT: tf.Tensor4D;
}

export interface ForwardOptions {
  /** Block indices whose output residual [B,T,D] to return (0-based; Hugging Face hidden_states[L+1]). */
  readLayers?: readonly number[];
  /** Replaces the residual at the output of block `layer`; the rest of the model stays differentiable. */
  replace?: { layer: number; fn: (resid_BTD: tf.Tensor3D) => tf.Tensor3D };
  /** Skip the unembedding (only residuals wanted). */
  shouldSkipLogits?: boolean;
}

export interface BuildOptions {
  /** Make every weight a tf.variable (training). */
  isTrainable?: boolean;
}

/**
 * tfjs-wasm holds at most 4 GiB, and XNNPACK packs a second copy of every weight matrix it multiplies.
 * Past this size its matmuls fail with "XNN status 6" and return garbage instead of throwing, so such
 * models are refused up front (measured: Pythia-160M runs forward, Pythia-1B does not).
 */
export const wasmWeightBudgetBytes = 1.5 * 2 ** 30;

export function gptNeoxParameterCount(c: GptNeoxConfig): number {
  const perLayer = 4 * c.dModel + 3 * c.dModel * c.dModel + 3 * c.dModel + c.dModel * c.dModel + c.dModel;
  const mlp = 2 * c.dModel * c.dMlp + c.dMlp + c.dModel;
  const embeddings = (c.isTiedEmbeddings ? 1 : 2) * c.vocabSize * c.dModel;
  return embeddings + c.nLayers * (perLayer + mlp) + 2 * c.dModel;
}

function assertFitsBackend(config: GptNeoxConfig): void {
  const bytes = gptNeoxParameterCount(config) * 4;
  if (tf.getBackend() === 'wasm' && bytes > wasmWeightBudgetBytes) {
    throw new Error(
      `the model has ${(bytes / 2 ** 30).toFixed(2)} GiB of float32 weights, more than the wasm backend can run ` +
        `(${(wasmWeightBudgetBytes / 2 ** 30).toFixed(1)} GiB: a 4 GiB heap holding the weights twice); ` +
        'use the tensorflow backend (@tensorflow/tfjs-node) or the cpu backend',
    );
  }
}

/** Per-block tensor names, after the `gpt_neox.layers.<i>.` prefix. */
const layerWeightNames = [
  'input_layernorm.weight',
  'input_layernorm.bias',
  'post_attention_layernorm.weight',
  'post_attention_layernorm.bias',
  'attention.query_key_value.weight',
  'attention.query_key_value.bias',
  'attention.dense.weight',
  'attention.dense.bias',
  'mlp.dense_h_to_4h.weight',
  'mlp.dense_h_to_4h.bias',
  'mlp.dense_4h_to_h.weight',
  'mlp.dense_4h_to_h.bias',
] as const;

export interface ForwardResult {
  logits_BTV: tf.Tensor3D | null;
  residuals: Map<number, tf.Tensor3D>;
}

/**
 * One checkpoint's weights in tfjs and the forward pass. Linear weights are stored transposed
 * ([in, out]) so every hot matmul is the plain form. The model owns its tensors: call dispose().
 */
export class GptNeoxModel {
  private isDisposed = false;

  private constructor(
    readonly config: GptNeoxConfig,
    private readonly embed_VD: tf.Tensor2D,
    private readonly layers: LayerWeights[],
    private readonly finalW: tf.Tensor1D,
    private readonly finalB: tf.Tensor1D,
    private readonly unembed_DV: tf.Tensor2D,
  ) {}

  /**
   * Builds the model from host tensors named as in Hugging Face checkpoints (upcast to float32).
   * `isTrainable` makes every weight a tf.variable (training the demo family from scratch).
   */
  static fromHostTensors(
    config: GptNeoxConfig,
    weights: ReadonlyMap<string, HostTensor>,
    options: BuildOptions = {},
  ): GptNeoxModel {
    const builder = GptNeoxModel.build(config, options);
    let step = builder.next();
    while (!step.done) step = builder.next(weights);
    return step.value;
  }

  /**
   * Builds the model one group of weights at a time (embedding, each block, head), asking `load` for
   * each group, so host copies of only one group exist at once: peak memory ≈ the model plus one block.
   */
  static async load(
    config: GptNeoxConfig,
    load: (names: readonly string[]) => Promise<ReadonlyMap<string, HostTensor>>,
    options: BuildOptions = {},
  ): Promise<GptNeoxModel> {
    const builder = GptNeoxModel.build(config, options);
    let step = builder.next();
    while (!step.done) {
      let group: ReadonlyMap<string, HostTensor>;
      try {
        group = await load(step.value);
      } catch (error) {
        builder.throw(error); // lets the builder dispose what it made, then rethrows
        throw error;
      }
      step = builder.next(group);
    }
    return step.value;
  }

  /** Yields the names of each weight group it needs and receives them; disposes everything on error. */
  private static *build(
    config: GptNeoxConfig,
    options: BuildOptions,
  ): Generator<string[], GptNeoxModel, ReadonlyMap<string, HostTensor>> {
    assertFitsBackend(config);
    const { dModel: d, dMlp: m, vocabSize: v } = config;
    const created: tf.Tensor[] = [];
    let group: ReadonlyMap<string, HostTensor> = new Map();
    const own = <T extends tf.Tensor>(t: T): T => {
      const owned = options.isTrainable ? (tf.variable(t, true) as unknown as T) : t;
      if (owned !== t) t.dispose();
      created.push(owned);
      return owned;
    };
    const get = (name: string, shape: number[]): Float32Array => {
      const t = group.get(name);
      if (!t) throw new Error(`missing weight ${name}`);
      if (t.shape.join(',') !== shape.join(',')) {
        throw new Error(`weight ${name} has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
      }
      if (!(t.data instanceof Float32Array)) throw new Error(`weight ${name} is not floating point`);
      return t.data;
    };
    const vec = (name: string, n: number): tf.Tensor1D => own(tf.tensor1d(get(name, [n])));
    /** A Linear weight [out, in] as a [in, out] tensor. */
    const linearT = (name: string, out: number, inn: number): tf.Tensor2D => {
      const raw = tf.tensor2d(get(name, [out, inn]), [out, inn]);
      const t = own(tf.transpose(raw));
      raw.dispose();
      return t;
    };
    try {
      const unembedName = config.isTiedEmbeddings ? 'gpt_neox.embed_in.weight' : 'embed_out.weight';
      group = yield ['gpt_neox.embed_in.weight', unembedName];
      const embed = own(tf.tensor2d(get('gpt_neox.embed_in.weight', [v, d]), [v, d]));
      const unembed = linearT(unembedName, v, d);
      const layers: LayerWeights[] = [];
      for (let i = 0; i < config.nLayers; i++) {
        const p = `gpt_neox.layers.${i}.`;
        group = yield layerWeightNames.map((n) => p + n);
        layers.push({
          ln1W: vec(`${p}input_layernorm.weight`, d),
          ln1B: vec(`${p}input_layernorm.bias`, d),
          ln2W: vec(`${p}post_attention_layernorm.weight`, d),
          ln2B: vec(`${p}post_attention_layernorm.bias`, d),
          qkvW_D3D: linearT(`${p}attention.query_key_value.weight`, 3 * d, d),
          qkvB_3D: vec(`${p}attention.query_key_value.bias`, 3 * d),
          outW_DD: linearT(`${p}attention.dense.weight`, d, d),
          outB_D: vec(`${p}attention.dense.bias`, d),
          upW_DM: linearT(`${p}mlp.dense_h_to_4h.weight`, m, d),
          upB_M: vec(`${p}mlp.dense_h_to_4h.bias`, m),
          downW_MD: linearT(`${p}mlp.dense_4h_to_h.weight`, d, m),
          downB_D: vec(`${p}mlp.dense_4h_to_h.bias`, d),
        });
      }
      group = yield ['gpt_neox.final_layer_norm.weight', 'gpt_neox.final_layer_norm.bias'];
      const finalW = vec('gpt_neox.final_layer_norm.weight', d);
      const finalB = vec('gpt_neox.final_layer_norm.bias', d);
      return new GptNeoxModel(config, embed, layers, finalW, finalB, unembed);
    } catch (error) {
      tf.dispose(created);
      throw error;
    }
  }

  /** The trainable variables (empty unless built with `isTrainable`). */
  get variables(): tf.Variable[] {
    return this.allTensors().filter((t): t is tf.Variable => t instanceof tf.Variable);
  }

  /** The weights as Hugging Face-named host tensors (Linear weights back in [out, in] layout). */
  async toHostTensors(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    const put = async (name: string, t: tf.Tensor, isLinear = false): Promise<void> => {
      const source = isLinear ? tf.transpose(t) : t;
      const data = (await source.data()) as Float32Array;
      out.set(name, { shape: [...source.shape], data: Float32Array.from(data), storedDtype: 'F32' });
      if (isLinear) source.dispose();
    };
    await put('gpt_neox.embed_in.weight', this.embed_VD);
    for (const [i, l] of this.layers.entries()) {
      const p = `gpt_neox.layers.${i}.`;
      await put(`${p}input_layernorm.weight`, l.ln1W);
      await put(`${p}input_layernorm.bias`, l.ln1B);
      await put(`${p}post_attention_layernorm.weight`, l.ln2W);
      await put(`${p}post_attention_layernorm.bias`, l.ln2B);
      await put(`${p}attention.query_key_value.weight`, l.qkvW_D3D, true);
      await put(`${p}attention.query_key_value.bias`, l.qkvB_3D);
      await put(`${p}attention.dense.weight`, l.outW_DD, true);
      await put(`${p}attention.dense.bias`, l.outB_D);
      await put(`${p}mlp.dense_h_to_4h.weight`, l.upW_DM, true);
      await put(`${p}mlp.dense_h_to_4h.bias`, l.upB_M);
      await put(`${p}mlp.dense_4h_to_h.weight`, l.downW_MD, true);
      await put(`${p}mlp.dense_4h_to_h.bias`, l.downB_D);
    }
    await put('gpt_neox.final_layer_norm.weight', this.finalW);
    await put('gpt_neox.final_layer_norm.bias', this.finalB);
    if (!this.config.isTiedEmbeddings) await put('embed_out.weight', this.unembed_DV, true);
    return out;
  }

  /** Number of float32 values held (weights only). */
  get parameterCount(): number {
    return this.allTensors().reduce((n, t) => n + t.size, 0);
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    tf.dispose(this.allTensors());
  }

  /** Rotary tables and attention bias for a batch. Caller disposes with `disposeContext`. */
  createContext(batch: TokenBatch): BatchContext {
    return tf.tidy(() => {
      const { batchSize: b, length: t } = batch;
      const positions_BT = tf.tensor2d(batch.positions, [b, t], 'int32');
      const { cos, sin } = rotaryTables(positions_BT, this.config.rotaryDims, this.config.rotaryBase);
      // Causal and key-padding mask: query i may see key j ≤ i when j is a real token.
      const causal = new Float32Array(b * t * t);
      for (let s = 0; s < b; s++) {
        for (let i = 0; i < t; i++) {
          for (let j = 0; j < t; j++) {
            const isVisible = j <= i && batch.mask[s * t + j] === 1;
            causal[(s * t + i) * t + j] = isVisible ? 0 : -1e9;
          }
        }
      }
      return { batchSize: b, length: t, cos, sin, attentionBias_B1TT: tf.tensor4d(causal, [b, 1, t, t]) };
    });
  }

  static disposeContext(context: BatchContext): void {
    tf.dispose([context.cos, context.sin, context.attentionBias_B1TT]);
  }

  /** Token embeddings [B,T,D]. */
  embed(batch: TokenBatch): tf.Tensor3D {
    this.assertAlive();
    return tf.tidy(() => {
      const ids = tf.tensor2d(batch.ids, [batch.batchSize, batch.length], 'int32');
      return embeddingLookup(this.embed_VD, ids);
    });
  }

  /** Block `index` applied to the residual h_BTD; returns the block's output residual. */
  block(index: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D {
    const w = this.layers[index];
    if (!w) throw new Error(`block ${index} does not exist (model has ${this.config.nLayers})`);
    return tf.tidy(() => {
      const { dModel: d, nHeads: nh, headSize: k, layerNormEps: eps } = this.config;
      const { batchSize: b, length: t } = context;
      const h_ND = tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D;
      const attn_ND = this.attention(w, layerNorm(h_ND, w.ln1W, w.ln1B, eps), context, nh, k);
      const mlp = (x_ND: tf.Tensor2D): tf.Tensor2D => {
        const up_NM = linear(layerNorm(x_ND, w.ln2W, w.ln2B, eps), w.upW_DM, w.upB_M);
        return linear(this.activation(up_NM) as tf.Tensor2D, w.downW_MD, w.downB_D);
      };
      let out_ND: tf.Tensor2D;
      if (this.config.isParallelResidual) {
        out_ND = tf.add(tf.add(h_ND, attn_ND), mlp(h_ND));
      } else {
        const mid_ND = tf.add(h_ND, attn_ND) as tf.Tensor2D;
        out_ND = tf.add(mid_ND, mlp(mid_ND));
      }
      return tf.reshape(out_ND, [b, t, d]) as tf.Tensor3D;
    });
  }

  /** Final LayerNorm and unembedding: logits [B,T,V]. */
  unembed(h_BTD: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t, d] = h_BTD.shape;
      const normed_ND = layerNorm(
        tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D,
        this.finalW,
        this.finalB,
        this.config.layerNormEps,
      );
      return tf.reshape(linear(normed_ND, this.unembed_DV, null), [
        b,
        t,
        this.config.vocabSize,
      ]) as tf.Tensor3D;
    });
  }

  /** Runs blocks `from`…nLayers−1 on h_BTD (the residual entering block `from`) and unembeds. */
  forwardFrom(from: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D {
    return tf.tidy(() => {
      let h = h_BTD;
      for (let i = from; i < this.config.nLayers; i++) h = this.block(i, h, context);
      return this.unembed(h);
    });
  }

  /** Full forward with optional residual reads and one residual replacement. */
  forward(batch: TokenBatch, options: ForwardOptions = {}): ForwardResult {
    this.assertAlive();
    const reads = new Set(options.readLayers ?? []);
    for (const layer of [...reads, ...(options.replace ? [options.replace.layer] : [])]) {
      if (!Number.isInteger(layer) || layer < 0 || layer >= this.config.nLayers) {
        throw new Error(`layer ${layer} is out of range: the model has blocks 0…${this.config.nLayers - 1}`);
      }
    }
    const lastNeeded = options.shouldSkipLogits
      ? Math.max(-1, ...reads, options.replace?.layer ?? -1)
      : this.config.nLayers - 1;
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
      GptNeoxModel.disposeContext(context);
    }
  }

  private attention(
    w: LayerWeights,
    x_ND: tf.Tensor2D,
    context: BatchContext,
    nh: number,
    k: number,
  ): tf.Tensor2D {
    const { batchSize: b, length: t } = context;
    const d = nh * k;
    // Hugging Face layout: qkv viewed as [B,T,H,3K], split into q, k, v per head.
    const qkv_BTH3K = tf.reshape(linear(x_ND, w.qkvW_D3D, w.qkvB_3D), [b, t, nh, 3 * k]);
    const qkv_BH3KT = tf.transpose(qkv_BTH3K, [0, 2, 1, 3]) as tf.Tensor4D; // [B,H,T,3K]
    const part = (i: number): tf.Tensor4D => qkv_BH3KT.slice([0, 0, 0, i * k], [-1, -1, -1, k]);
    const r = this.config.rotaryDims;
    const q_BHTK = applyRotary(part(0), context.cos, context.sin, r);
    const k_BHTK = applyRotary(part(1), context.cos, context.sin, r);
    const v_BHTK = part(2);
    const scores_BHTT = tf.add(
      tf.div(tf.matMul(q_BHTK, k_BHTK, false, true), Math.sqrt(k)),
      context.attentionBias_B1TT,
    );
    const ctx_BHTK = tf.matMul(tf.softmax(scores_BHTT), v_BHTK);
    const ctx_ND = tf.reshape(tf.transpose(ctx_BHTK, [0, 2, 1, 3]), [b * t, d]) as tf.Tensor2D;
    return linear(ctx_ND, w.outW_DD, w.outB_D);
  }

  private activation(x: tf.Tensor): tf.Tensor {
    switch (this.config.hiddenAct) {
      case 'gelu':
        return geluExact(x);
      case 'relu':
        return tf.relu(x);
      default:
        return geluTanh(x);
    }
  }

  private allTensors(): tf.Tensor[] {
    return [
      this.embed_VD,
      ...this.layers.flatMap((l) => Object.values(l) as tf.Tensor[]),
      this.finalW,
      this.finalB,
      this.unembed_DV,
    ];
  }

  private assertAlive(): void {
    if (this.isDisposed) throw new Error('GptNeoxModel was disposed');
  }
}
