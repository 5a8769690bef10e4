import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../hf/host-tensor';
import { olmoLayerWeightNames, olmoWeightNames, type OlmoConfig } from '../hf/olmo-config';
import { causalAttention, splitHeads } from './attention';
import { TransformerLanguageModel } from './language-model';
import type { BatchContext, BuildOptions, EmbeddingTable, NamedWeight } from './language-model';
import { applyRotary, layerNorm, linear, rotaryTables, silu } from './ops';
import {
  assertFitsBackend,
  buildByGroups,
  buildFromHostTensors,
  WeightCollector,
  type ModelBuilder,
  type WeightGroupLoader,
} from './weight-builder';

// OLMo forward (transformers' "olmo" architecture, e.g. allenai/OLMo-1B-0724-hf) in tfjs: LayerNorms
// without weights, rotary over the whole head, q/k/v/o without bias (optionally clamped to ±clip_qkv),
// SwiGLU MLP down(silu(gate(x)) ⊙ up(x)), sequential residual.
// Legend: B=batch T=tokens D=dModel H=heads K=headSize M=dMlp V=vocab N=B·T.

interface LayerWeights {
  qW_DD: tf.Tensor2D;
  kW_DD: tf.Tensor2D;
  vW_DD: tf.Tensor2D;
  oW_DD: tf.Tensor2D;
  gateW_DM: tf.Tensor2D;
  upW_DM: tf.Tensor2D;
  downW_MD: tf.Tensor2D;
}

export function olmoParameterCount(config: OlmoConfig): number {
  return olmoWeightNames(config).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/** One OLMo checkpoint's weights in tfjs and its forward pass. Call dispose(). */
export class OlmoModel extends TransformerLanguageModel {
  readonly architecture = 'olmo';
  /** OLMo's final norm has no weights. */
  readonly finalNormGain_D = null;

  private constructor(
    readonly config: OlmoConfig,
    embedding: EmbeddingTable,
    named: readonly NamedWeight[],
    private readonly layers: LayerWeights[],
    private readonly unembed_DV: tf.Tensor2D,
  ) {
    super(embedding, named);
  }

  static fromHostTensors(
    config: OlmoConfig,
    weights: ReadonlyMap<string, HostTensor>,
    options: BuildOptions = {},
  ): OlmoModel {
    return buildFromHostTensors(OlmoModel.build(config, options), weights);
  }

  static load(config: OlmoConfig, load: WeightGroupLoader, options: BuildOptions = {}): Promise<OlmoModel> {
    return buildByGroups(OlmoModel.build(config, options), load);
  }

  private static *build(config: OlmoConfig, options: BuildOptions): ModelBuilder<OlmoModel> {
    assertFitsBackend(olmoParameterCount(config));
    const { dModel: d, dMlp: m, vocabSize: v } = config;
    const w = new WeightCollector(options.isTrainable ?? false);
    try {
      const unembedName = config.isTiedEmbeddings ? null : 'lm_head.weight';
      w.group = yield ['model.embed_tokens.weight', ...(unembedName === null ? [] : [unembedName])];
      const { embedding, unembed_DV } = w.embeddings('model.embed_tokens.weight', unembedName, v, d);
      const layers: LayerWeights[] = [];
      for (let i = 0; i < config.nLayers; i++) {
        const p = `model.layers.${i}.`;
        w.group = yield olmoLayerWeightNames.map((n) => p + n);
        layers.push({
          qW_DD: w.linear(`${p}self_attn.q_proj.weight`, d, d),
          kW_DD: w.linear(`${p}self_attn.k_proj.weight`, d, d),
          vW_DD: w.linear(`${p}self_attn.v_proj.weight`, d, d),
          oW_DD: w.linear(`${p}self_attn.o_proj.weight`, d, d),
          gateW_DM: w.linear(`${p}mlp.gate_proj.weight`, m, d),
          upW_DM: w.linear(`${p}mlp.up_proj.weight`, m, d),
          downW_MD: w.linear(`${p}mlp.down_proj.weight`, d, m),
        });
      }
      return new OlmoModel(config, embedding, w.named, layers, unembed_DV);
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
      const { dModel: d, layerNormEps: eps } = this.config;
      const { batchSize: b, length: t } = context;
      const h_ND = tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D;
      const mid_ND = tf.add(
        h_ND,
        this.attention(w, layerNorm(h_ND, null, null, eps), context),
      ) as tf.Tensor2D;
      const x_ND = layerNorm(mid_ND, null, null, eps);
      const gated_NM = tf.mul(
        silu(linear(x_ND, w.gateW_DM, null)),
        linear(x_ND, w.upW_DM, null),
      ) as tf.Tensor2D;
      const out_ND = tf.add(mid_ND, linear(gated_NM, w.downW_MD, null));
      return tf.reshape(out_ND, [b, t, d]) as tf.Tensor3D;
    });
  }

  unembed(h_BTD: tf.Tensor3D): tf.Tensor3D {
    return tf.tidy(() => {
      const [b, t, d] = h_BTD.shape;
      const normed_ND = layerNorm(
        tf.reshape(h_BTD, [b * t, d]) as tf.Tensor2D,
        null,
        null,
        this.config.layerNormEps,
      );
      return tf.reshape(linear(normed_ND, this.unembed_DV, null), [
        b,
        t,
        this.config.vocabSize,
      ]) as tf.Tensor3D;
    });
  }

  private attention(w: LayerWeights, x_ND: tf.Tensor2D, context: BatchContext): tf.Tensor2D {
    const { nHeads: nh, headSize: k, rotaryDims: r, clipQkv } = this.config;
    const { batchSize: b, length: t } = context;
    const project = (weight_DD: tf.Tensor2D): tf.Tensor2D => {
      const y_ND = linear(x_ND, weight_DD, null);
      return clipQkv === null ? y_ND : tf.clipByValue(y_ND, -clipQkv, clipQkv);
    };
    const q_BHTK = applyRotary(splitHeads(project(w.qW_DD), b, t, nh, k), context.cos!, context.sin!, r);
    const k_BHTK = applyRotary(splitHeads(project(w.kW_DD), b, t, nh, k), context.cos!, context.sin!, r);
    const v_BHTK = splitHeads(project(w.vW_DD), b, t, nh, k);
    return linear(causalAttention(q_BHTK, k_BHTK, v_BHTK, context), w.oW_DD, null);
  }
}
