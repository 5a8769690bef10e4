import { z } from 'zod';
import type { ExpectedWeight } from './expected-weight';

/**
 * The fields of a Hugging Face "olmo" `config.json` (transformers' OlmoConfig, as in
 * `allenai/OLMo-1B-0724-hf`) the runtime uses. Checkpoints of the original OLMo code (`hf_olmo`, keys
 * `d_model`, `n_layers`, …) are refused before this schema is reached (see architectures.ts).
 */
export const olmoConfigFileSchema = z.looseObject({
  model_type: z.literal('olmo'),
  architectures: z.array(z.string()).optional(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  /** Grouped-query attention is not part of OLMo-1B; only null or equal to the head count is accepted. */
  num_key_value_heads: z.number().int().positive().nullable().optional(),
  intermediate_size: z.number().int().positive(),
  hidden_act: z
    .literal('silu', { error: 'is not supported (supported: "silu", the SwiGLU MLP)' })
    .default('silu'),
  max_position_embeddings: z.number().int().positive().default(2048),
  rope_theta: z.number().positive().default(10000),
  /** Only unscaled rotary is implemented. */
  rope_scaling: z.null({ error: 'is not supported (supported: null, unscaled rotary)' }).optional(),
  attention_bias: z
    .literal(false, { error: 'true is not supported (supported: false, q/k/v/o projections without bias)' })
    .default(false),
  /** q, k and v are clamped to [−clip_qkv, clip_qkv] after their projections when set. */
  clip_qkv: z.number().positive().nullable().default(null),
  tie_word_embeddings: z.boolean().default(false),
  torch_dtype: z.string().optional(),
  bos_token_id: z.number().int().nullable().optional(),
  eos_token_id: z.number().int().nullable().optional(),
  pad_token_id: z.number().int().nullable().optional(),
});

/** The runtime's view of an OLMo config. Its LayerNorms have no weights and a fixed ε of 1e-5. */
export interface OlmoConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  headSize: number;
  /** Rotary covers the whole head. */
  rotaryDims: number;
  rotaryBase: number;
  dMlp: number;
  maxPositions: number;
  layerNormEps: number;
  clipQkv: number | null;
  isTiedEmbeddings: boolean;
  torchDtype: string | null;
}

/** OlmoLayerNorm: F.layer_norm(x, eps=1e-5) without weight or bias. */
export const olmoLayerNormEps = 1e-5;

export function toOlmoConfig(file: z.infer<typeof olmoConfigFileSchema>): OlmoConfig {
  if (file.hidden_size % file.num_attention_heads !== 0) {
    throw new Error(
      `hidden_size ${file.hidden_size} is not divisible by num_attention_heads ${file.num_attention_heads}`,
    );
  }
  const kvHeads = file.num_key_value_heads ?? file.num_attention_heads;
  if (kvHeads !== file.num_attention_heads) {
    throw new Error(
      `num_key_value_heads ${kvHeads} differs from num_attention_heads ${file.num_attention_heads}: ` +
        'grouped-query attention is not supported (supported: one key/value head per query head, as in OLMo-1B)',
    );
  }
  const headSize = file.hidden_size / file.num_attention_heads;
  if (headSize % 2 !== 0) throw new Error(`head size ${headSize} is odd: rotary needs an even head size`);
  return {
    vocabSize: file.vocab_size,
    dModel: file.hidden_size,
    nLayers: file.num_hidden_layers,
    nHeads: file.num_attention_heads,
    headSize,
    rotaryDims: headSize,
    rotaryBase: file.rope_theta,
    dMlp: file.intermediate_size,
    maxPositions: file.max_position_embeddings,
    layerNormEps: olmoLayerNormEps,
    clipQkv: file.clip_qkv,
    isTiedEmbeddings: file.tie_word_embeddings,
    torchDtype: file.torch_dtype ?? null,
  };
}

/** config.json as transformers writes it for `config`; `extra` fields go before `torch_dtype`. */
export function toOlmoConfigJson(
  config: OlmoConfig,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: ['OlmoForCausalLM'],
    model_type: 'olmo',
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    num_key_value_heads: config.nHeads,
    intermediate_size: config.dMlp,
    hidden_act: 'silu',
    max_position_embeddings: config.maxPositions,
    rope_theta: config.rotaryBase,
    rope_scaling: null,
    attention_bias: false,
    clip_qkv: config.clipQkv,
    tie_word_embeddings: config.isTiedEmbeddings,
    ...extra,
    torch_dtype: config.torchDtype ?? 'float32',
  };
}

/** Per-block tensor names after `model.layers.<i>.`; OLMo's LayerNorms hold no tensors. */
export const olmoLayerWeightNames = [
  'self_attn.q_proj.weight',
  'self_attn.k_proj.weight',
  'self_attn.v_proj.weight',
  'self_attn.o_proj.weight',
  'mlp.gate_proj.weight',
  'mlp.up_proj.weight',
  'mlp.down_proj.weight',
] as const;

/** The parameters an OLMo checkpoint with this config must hold (Hugging Face naming). */
export function olmoWeightNames(config: OlmoConfig): ExpectedWeight[] {
  const { vocabSize: V, dModel: d, dMlp: m } = config;
  const weights: ExpectedWeight[] = [{ name: 'model.embed_tokens.weight', shape: [V, d] }];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `model.layers.${i}.`;
    weights.push(
      { name: `${p}self_attn.q_proj.weight`, shape: [d, d] },
      { name: `${p}self_attn.k_proj.weight`, shape: [d, d] },
      { name: `${p}self_attn.v_proj.weight`, shape: [d, d] },
      { name: `${p}self_attn.o_proj.weight`, shape: [d, d] },
      { name: `${p}mlp.gate_proj.weight`, shape: [m, d] },
      { name: `${p}mlp.up_proj.weight`, shape: [m, d] },
      { name: `${p}mlp.down_proj.weight`, shape: [d, m] },
    );
  }
  if (!config.isTiedEmbeddings) weights.push({ name: 'lm_head.weight', shape: [V, d] });
  return weights;
}
