import { z } from 'zod';
import type { ExpectedWeight } from './expected-weight';

/**
 * The fields of a Hugging Face GPT-NeoX `config.json` the runtime uses (Pythia and the demo family).
 * Unknown fields are kept by the parser but ignored.
 */
export const gptNeoxConfigFileSchema = z.looseObject({
  model_type: z.literal('gpt_neox'),
  architectures: z.array(z.string()).optional(),
  vocab_size: z.number().int().positive(),
  hidden_size: z.number().int().positive(),
  num_hidden_layers: z.number().int().positive(),
  num_attention_heads: z.number().int().positive(),
  intermediate_size: z.number().int().positive(),
  hidden_act: z.enum(['gelu', 'gelu_new', 'gelu_fast', 'gelu_pytorch_tanh', 'relu']).default('gelu'),
  rotary_pct: z.number().min(0).max(1).default(0.25),
  rotary_emb_base: z.number().positive().default(10000),
  max_position_embeddings: z.number().int().positive().default(2048),
  layer_norm_eps: z.number().positive().default(1e-5),
  use_parallel_residual: z.boolean().default(true),
  tie_word_embeddings: z.boolean().default(false),
  attention_bias: z.boolean().default(true),
  torch_dtype: z.string().optional(),
  bos_token_id: z.number().int().optional(),
  eos_token_id: z.number().int().optional(),
});

/** The runtime's view of a GPT-NeoX config, camelCase, with derived sizes. */
export interface GptNeoxConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  headSize: number;
  /** Dimensions of each head that get rotary embeddings: floor(headSize · rotary_pct). */
  rotaryDims: number;
  rotaryBase: number;
  dMlp: number;
  maxPositions: number;
  layerNormEps: number;
  hiddenAct: z.infer<typeof gptNeoxConfigFileSchema>['hidden_act'];
  isParallelResidual: boolean;
  isTiedEmbeddings: boolean;
  torchDtype: string | null;
}

export function toGptNeoxConfig(file: z.infer<typeof gptNeoxConfigFileSchema>): GptNeoxConfig {
  if (file.hidden_size % file.num_attention_heads !== 0) {
    throw new Error(
      `hidden_size ${file.hidden_size} is not divisible by num_attention_heads ${file.num_attention_heads}`,
    );
  }
  const headSize = file.hidden_size / file.num_attention_heads;
  return {
    vocabSize: file.vocab_size,
    dModel: file.hidden_size,
    nLayers: file.num_hidden_layers,
    nHeads: file.num_attention_heads,
    headSize,
    rotaryDims: Math.floor(headSize * file.rotary_pct),
    rotaryBase: file.rotary_emb_base,
    dMlp: file.intermediate_size,
    maxPositions: file.max_position_embeddings,
    layerNormEps: file.layer_norm_eps,
    hiddenAct: file.hidden_act,
    isParallelResidual: file.use_parallel_residual,
    isTiedEmbeddings: file.tie_word_embeddings,
    torchDtype: file.torch_dtype ?? null,
  };
}

/** config.json as Hugging Face writes it for `config`; `extra` fields go before `torch_dtype`. */
export function toGptNeoxConfigJson(
  config: GptNeoxConfig,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: ['GPTNeoXForCausalLM'],
    model_type: 'gpt_neox',
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    num_hidden_layers: config.nLayers,
    num_attention_heads: config.nHeads,
    intermediate_size: config.dMlp,
    hidden_act: config.hiddenAct,
    rotary_pct: config.rotaryDims / config.headSize,
    rotary_emb_base: config.rotaryBase,
    max_position_embeddings: config.maxPositions,
    layer_norm_eps: config.layerNormEps,
    use_parallel_residual: config.isParallelResidual,
    tie_word_embeddings: config.isTiedEmbeddings,
    ...extra,
    torch_dtype: config.torchDtype ?? 'float32',
  };
}

/** The parameter names and shapes a GPT-NeoX checkpoint with this config must hold (Hugging Face naming). */
export function gptNeoxWeightNames(
  config: Pick<GptNeoxConfig, 'vocabSize' | 'dModel' | 'dMlp' | 'nLayers' | 'isTiedEmbeddings'>,
): ExpectedWeight[] {
  const { vocabSize: V, dModel: d, dMlp } = config;
  const weights: ExpectedWeight[] = [{ name: 'gpt_neox.embed_in.weight', shape: [V, d] }];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `gpt_neox.layers.${i}`;
    weights.push(
      { name: `${p}.input_layernorm.weight`, shape: [d] },
      { name: `${p}.input_layernorm.bias`, shape: [d] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d] },
      { name: `${p}.post_attention_layernorm.bias`, shape: [d] },
      { name: `${p}.attention.query_key_value.weight`, shape: [3 * d, d] },
      { name: `${p}.attention.query_key_value.bias`, shape: [3 * d] },
      { name: `${p}.attention.dense.weight`, shape: [d, d] },
      { name: `${p}.attention.dense.bias`, shape: [d] },
      { name: `${p}.mlp.dense_h_to_4h.weight`, shape: [dMlp, d] },
      { name: `${p}.mlp.dense_h_to_4h.bias`, shape: [dMlp] },
      { name: `${p}.mlp.dense_4h_to_h.weight`, shape: [d, dMlp] },
      { name: `${p}.mlp.dense_4h_to_h.bias`, shape: [d] },
    );
  }
  weights.push(
    { name: 'gpt_neox.final_layer_norm.weight', shape: [d] },
    { name: 'gpt_neox.final_layer_norm.bias', shape: [d] },
  );
  if (!config.isTiedEmbeddings) weights.push({ name: 'embed_out.weight', shape: [V, d] });
  return weights;
}
