import * as tf from '@tensorflow/tfjs';
import { gptNeoxWeightNames, type GptNeoxConfig } from '../hf/gpt-neox-config';
import type { HostTensor } from '../hf/host-tensor';
import { causalAttention, splitFusedQkv } from './attention';
import { disposeBatchContext, TransformerLanguageModel } from './language-model';
import type { BatchContext, BuildOptions, EmbeddingTable, NamedWeight } from './language-model';
import { applyRotary, geluExact, geluTanh, layerNorm, linear, rotaryTables } from './ops';
import {
  assertFitsBackend,
  buildByGroups,
  buildFromHostTensors,
  WeightCollector,
  type ModelBuilder,
  type WeightGroupLoader,
} from './weight-builder';

// GPT-NeoX forward (Pythia, the demo family) in tfjs: partial rotary, parallel or sequential residual.
// Legend: B=batch T=tokens D=dModel H=heads K=headSize M=dMlp V=vocab N=B·T.

export type { BatchContext, BuildOptions, ForwardOptions, ForwardResult } from './language-model';
export { wasmWeightBudgetBytes } from './weight-builder';

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

export function gptNeoxParameterCount(c: GptNeoxConfig): number {
  return gptNeoxWeightNames(c).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** One GPT-NeoX checkpoint's weights in tfjs and its forward pass. Call dispose(). */
export class GptNeoxModel extends TransformerLanguageModel {
  readonly architecture = 'gpt_neox';

  private constructor(
    readonly config: GptNeoxConfig,
    embedding: EmbeddingTable,
    named: readonly NamedWeight[],
    private readonly layers: LayerWeights[],
    private readonly finalW: tf.Tensor1D,
    private readonly finalB: tf.Tensor1D,
    private readonly unembed_DV: tf.Tensor2D,
  ) {
    super(embedding, named);
  }

  get finalNormGain_D(): tf.Tensor1D {
    return this.finalW;
  }

  /** Builds the model from host tensors named as in Hugging Face checkpoints (upcast to float32). */
  static fromHostTensors(
    config: GptNeoxConfig,
    weights: ReadonlyMap<string, HostTensor>,
    options: BuildOptions = {},
  ): GptNeoxModel {
    return buildFromHostTensors(GptNeoxModel.build(config, options), weights);
  }

  /** Builds the model one group of weights at a time (embedding, each block, head). */
  static load(
    config: GptNeoxConfig,
    load: WeightGroupLoader,
    options: BuildOptions = {},
  ): Promise<GptNeoxModel> {
    return buildByGroups(GptNeoxModel.build(config, options), load);
  }

  static disposeContext(context: BatchContext): void {
    disposeBatchContext(context);
  }

  private static *build(config: GptNeoxConfig, options: BuildOptions): ModelBuilder<GptNeoxModel> {
    assertFitsBackend(gptNeoxParameterCount(config));
    const { dModel: d, dMlp: m, vocabSize: v } = config;
    const w = new WeightCollector(options.isTrainable ?? false);
    try {
      const unembedName = config.isTiedEmbeddings ? null : 'embed_out.weight';
      w.group = yield ['gpt_neox.embed_in.weight', ...(unembedName === null ? [] : [unembedName])];
      const { embedding, unembed_DV } = w.embeddings('gpt_neox.embed_in.weight', unembedName, v, d);
      const layers: LayerWeights[] = [];
      for (let i = 0; i < config.nLayers; i++) {
        const p = `gpt_neox.layers.${i}.`;
        w.group = yield layerWeightNames.map((n) => p + n);
        layers.push({
          ln1W: w.vector(`${p}input_layernorm.weight`, d),
          ln1B: w.vector(`${p}input_layernorm.bias`, d),
          ln2W: w.vector(`${p}post_attention_layernorm.weight`, d),
          ln2B: w.vector(`${p}post_attention_layernorm.bias`, d),
          qkvW_D3D: w.linear(`${p}attention.query_key_value.weight`, 3 * d, d),
          qkvB_3D: w.vector(`${p}attention.query_key_value.bias`, 3 * d),
          outW_DD: w.linear(`${p}attention.dense.weight`, d, d),
          outB_D: w.vector(`${p}attention.dense.bias`, d),
          upW_DM: w.linear(`${p}mlp.dense_h_to_4h.weight`, m, d),
          upB_M: w.vector(`${p}mlp.dense_h_to_4h.bias`, m),
          downW_MD: w.linear(`${p}mlp.dense_4h_to_h.weight`, d, m),
          downB_D: w.vector(`${p}mlp.dense_4h_to_h.bias`, d),
        });
      }
      w.group = yield ['gpt_neox.final_layer_norm.weight', 'gpt_neox.final_layer_norm.bias'];
      const finalW = w.vector('gpt_neox.final_layer_norm.weight', d);
      const finalB = w.vector('gpt_neox.final_layer_norm.bias', d);
      return new GptNeoxModel(config, embedding, w.named, layers, finalW, finalB, unembed_DV);
    } catch (error) {
      w.dispose();
      throw error;
    }
  }

  protected rotary(positions_BT: tf.Tensor2D): { cos: tf.Tensor; sin: tf.Tensor } {
    return rotaryTables(positions_BT, this.config.rotaryDims, this.config.rotaryBase);
  }

  protected alibi(): null {
    return null;
  }

  block(index: number, h_BTD: tf.Tensor3D, context: BatchContext): tf.Tensor3D {
    const w = this.layers[index];
    if (!w) throw new Error(`block ${index} does not exist (model has ${this.config.nLayers})`);
    return tf.tidy(() => {
      const { dModel: d, nHeads: nh, headSize: k, layerNormEps: eps, rotaryDims: r } = this.config;
      const { batchSize: b, length: t } = context;
      const h_ND = tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D;
      const qkv = splitFusedQkv(
        linear(layerNorm(h_ND, w.ln1W, w.ln1B, eps), w.qkvW_D3D, w.qkvB_3D),
        b,
        t,
        nh,
        k,
      );
      const q_BHTK = applyRotary(qkv.q_BHTK, context.cos!, context.sin!, r);
      const k_BHTK = applyRotary(qkv.k_BHTK, context.cos!, context.sin!, r);
      const attn_ND = linear(causalAttention(q_BHTK, k_BHTK, qkv.v_BHTK, context), w.outW_DD, w.outB_D);
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
}
