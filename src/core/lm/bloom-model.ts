import * as tf from '@tensorflow/tfjs';
import { bloomWeightNames, type BloomConfig } from '../hf/bloom-config';
import type { HostTensor } from '../hf/host-tensor';
import { causalAttention, splitFusedQkv } from './attention';
import { TransformerLanguageModel } from './language-model';
import type { BatchContext, BuildOptions, EmbeddingTable, NamedWeight } from './language-model';
import { alibiSlopes, geluTanh, layerNorm, linear } from './ops';
import {
  assertFitsBackend,
  buildByGroups,
  buildFromHostTensors,
  WeightCollector,
  type ModelBuilder,
  type WeightGroupLoader,
} from './weight-builder';

// BLOOM forward (bigscience/bloom-1b1 and its intermediate revisions) in tfjs: LayerNorm after the
// word embedding, ALiBi instead of position embeddings, fused query_key_value laid out per head
// [H,3,K], tanh-GELU MLP (bloom_gelu), sequential residual around the LayerNorms' inputs.
// Legend: B=batch T=tokens D=dModel H=heads K=headSize M=4·D V=vocab N=B·T.

interface LayerWeights {
  ln1W: tf.Tensor1D;
  ln1B: tf.Tensor1D;
  qkvW_D3D: tf.Tensor2D;
  qkvB_3D: tf.Tensor1D;
  outW_DD: tf.Tensor2D;
  outB_D: tf.Tensor1D;
  ln2W: tf.Tensor1D;
  ln2B: tf.Tensor1D;
  upW_DM: tf.Tensor2D;
  upB_M: tf.Tensor1D;
  downW_MD: tf.Tensor2D;
  downB_D: tf.Tensor1D;
}

const layerWeightNames = [
  'input_layernorm.weight',
  'input_layernorm.bias',
  'self_attention.query_key_value.weight',
  'self_attention.query_key_value.bias',
  'self_attention.dense.weight',
  'self_attention.dense.bias',
  'post_attention_layernorm.weight',
  'post_attention_layernorm.bias',
  'mlp.dense_h_to_4h.weight',
  'mlp.dense_h_to_4h.bias',
  'mlp.dense_4h_to_h.weight',
  'mlp.dense_4h_to_h.bias',
] as const;

export function bloomParameterCount(config: BloomConfig): number {
  return bloomWeightNames(config).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

export interface BloomBuildOptions extends BuildOptions {
  /** "transformer." when the checkpoint was saved from BloomForCausalLM, '' (default) from BloomModel. */
  weightPrefix?: string;
}

/** One BLOOM checkpoint's weights in tfjs and its forward pass. Call dispose(). */
export class BloomModel extends TransformerLanguageModel {
  readonly architecture = 'bloom';
  private readonly slopes_1H11: tf.Tensor4D;

  private constructor(
    readonly config: BloomConfig,
    embedding: EmbeddingTable,
    named: readonly NamedWeight[],
    private readonly embedLnW: tf.Tensor1D,
    private readonly embedLnB: tf.Tensor1D,
    private readonly layers: LayerWeights[],
    private readonly finalW: tf.Tensor1D,
    private readonly finalB: tf.Tensor1D,
    private readonly unembed_DV: tf.Tensor2D,
  ) {
    super(embedding, named);
    // Not a weight: a constant of the architecture, kept out of the named weights.
    this.slopes_1H11 = tf.tensor4d(alibiSlopes(config.nHeads), [1, config.nHeads, 1, 1]);
  }

  get finalNormGain_D(): tf.Tensor1D {
    return this.finalW;
  }

  static fromHostTensors(
    config: BloomConfig,
    weights: ReadonlyMap<string, HostTensor>,
    options: BloomBuildOptions = {},
  ): BloomModel {
    return buildFromHostTensors(BloomModel.build(config, options), weights);
  }

  static load(
    config: BloomConfig,
    load: WeightGroupLoader,
    options: BloomBuildOptions = {},
  ): Promise<BloomModel> {
    return buildByGroups(BloomModel.build(config, options), load);
  }

  private static *build(config: BloomConfig, options: BloomBuildOptions): ModelBuilder<BloomModel> {
    assertFitsBackend(bloomParameterCount(config));
    const { dModel: d, dMlp: m, vocabSize: v } = config;
    const pre = options.weightPrefix ?? '';
    const w = new WeightCollector(options.isTrainable ?? false);
    try {
      const embedNames = [
        `${pre}word_embeddings.weight`,
        `${pre}word_embeddings_layernorm.weight`,
        `${pre}word_embeddings_layernorm.bias`,
      ];
      const unembedName = config.isTiedEmbeddings ? null : 'lm_head.weight';
      w.group = yield [...embedNames, ...(unembedName === null ? [] : [unembedName])];
      const { embedding, unembed_DV } = w.embeddings(`${pre}word_embeddings.weight`, unembedName, v, d);
      const embedLnW = w.vector(`${pre}word_embeddings_layernorm.weight`, d);
      const embedLnB = w.vector(`${pre}word_embeddings_layernorm.bias`, d);
      const layers: LayerWeights[] = [];
      for (let i = 0; i < config.nLayers; i++) {
        const p = `${pre}h.${i}.`;
        w.group = yield layerWeightNames.map((n) => p + n);
        layers.push({
          ln1W: w.vector(`${p}input_layernorm.weight`, d),
          ln1B: w.vector(`${p}input_layernorm.bias`, d),
          qkvW_D3D: w.linear(`${p}self_attention.query_key_value.weight`, 3 * d, d),
          qkvB_3D: w.vector(`${p}self_attention.query_key_value.bias`, 3 * d),
          outW_DD: w.linear(`${p}self_attention.dense.weight`, d, d),
          outB_D: w.vector(`${p}self_attention.dense.bias`, d),
          ln2W: w.vector(`${p}post_attention_layernorm.weight`, d),
          ln2B: w.vector(`${p}post_attention_layernorm.bias`, d),
          upW_DM: w.linear(`${p}mlp.dense_h_to_4h.weight`, m, d),
          upB_M: w.vector(`${p}mlp.dense_h_to_4h.bias`, m),
          downW_MD: w.linear(`${p}mlp.dense_4h_to_h.weight`, d, m),
          downB_D: w.vector(`${p}mlp.dense_4h_to_h.bias`, d),
        });
      }
      w.group = yield [`${pre}ln_f.weight`, `${pre}ln_f.bias`];
      const finalW = w.vector(`${pre}ln_f.weight`, d);
      const finalB = w.vector(`${pre}ln_f.bias`, d);
      return new BloomModel(
        config,
        embedding,
        w.named,
        embedLnW,
        embedLnB,
        layers,
        finalW,
        finalB,
        unembed_DV,
      );
    } catch (error) {
      w.dispose();
      throw error;
    }
  }

  override dispose(): void {
    super.dispose();
    this.slopes_1H11.dispose();
  }

  protected rotary(): null {
    return null;
  }

  /** slope_h × key position [B,H,1,T]; positions count real tokens (transformers: cumsum(mask) − 1). */
  protected alibi(positions_BT: tf.Tensor2D): tf.Tensor4D {
    const [b, t] = positions_BT.shape;
    return tf.mul(this.slopes_1H11, tf.reshape(tf.cast(positions_BT, 'float32'), [b, 1, 1, t]));
  }

  protected override embeddingOutput(rows_BTD: tf.Tensor3D): tf.Tensor3D {
    return layerNorm(rows_BTD, this.embedLnW, this.embedLnB, this.config.layerNormEps);
  }

  block(index: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D {
    const w = this.layers[index];
    if (!w) throw new Error(`block ${index} does not exist (model has ${this.config.nLayers})`);
    return tf.tidy(() => {
      const { dModel: d, nHeads: nh, headSize: k, layerNormEps: eps } = this.config;
      const { batchSize: b, length: t } = context;
      const h_ND = tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D;
      const qkv_N3D = linear(layerNorm(h_ND, w.ln1W, w.ln1B, eps), w.qkvW_D3D, w.qkvB_3D);
      const { q_BHTK, k_BHTK, v_BHTK } = splitFusedQkv(qkv_N3D, b, t, nh, k);
      const attn_ND = linear(causalAttention(q_BHTK, k_BHTK, v_BHTK, context), w.outW_DD, w.outB_D);
      const mid_ND = tf.add(h_ND, attn_ND) as tf.Tensor2D;
      const up_NM = linear(layerNorm(mid_ND, w.ln2W, w.ln2B, eps), w.upW_DM, w.upB_M);
      const out_ND = tf.add(mid_ND, linear(geluTanh(up_NM) as tf.Tensor2D, w.downW_MD, w.downB_D));
      return tf.reshape(out_ND, [b, t, d]) as tf.Tensor3D;
    });
  }

  unembed(h_BTD: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t, d] = h_BTD.shape;
      const h_ND = tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D;
      const normed_ND = layerNorm(h_ND, this.finalW, this.finalB, this.config.layerNormEps);
      return tf.reshape(linear(normed_ND, this.unembed_DV, null), [
        b,
        t,
        this.config.vocabSize,
      ]) as tf.Tensor3D;
    });
  }
}
