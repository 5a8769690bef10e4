import { z } from 'zod';
import type { ExpectedWeight } from './expected-weight';

/**
 * The fields of a Hugging Face BLOOM `config.json` (transformers' BloomConfig, as in
 * `bigscience/bloom-1b1`) the runtime uses. BLOOM configs name sizes either way: `n_layer`/`n_head`
 * (and `n_embed` in older files) or `num_hidden_layers`/`num_attention_heads`/`hidden_size`.
 */
export const bloomConfigFileSchema = z
  .looseObject({
    model_type: z.literal('bloom'),
    architectures: z.array(z.string()).optional(),
    vocab_size: z.number().int().positive(),
    hidden_size: z.number().int().positive().optional(),
    n_embed: z.number().int().positive().optional(),
    n_layer: z.number().int().positive().optional(),
    num_hidden_layers: z.number().int().positive().optional(),
    n_head: z.number().int().positive().optional(),
    num_attention_heads: z.number().int().positive().optional(),
    layer_norm_epsilon: z.number().positive().default(1e-5),
    /** true feeds the LayerNorm output, not its input, into the residual; no released BLOOM does that. */
    apply_residual_connection_post_layernorm: z
      .literal(false, { error: 'true is not supported (supported: false, as in every released BLOOM)' })
      .default(false),
    tie_word_embeddings: z.boolean().default(true),
    seq_length: z.number().int().positive().optional(),
    torch_dtype: z.string().optional(),
    bos_token_id: z.number().int().nullable().optional(),
    eos_token_id: z.number().int().nullable().optional(),
    pad_token_id: z.number().int().nullable().optional(),
  })
  .superRefine((file, ctx) => {
    for (const [names, what] of [
      [['n_embed', 'hidden_size'], 'the model width'],
      [['n_layer', 'num_hidden_layers'], 'the number of blocks'],
      [['n_head', 'num_attention_heads'], 'the number of heads'],
    ] as const) {
      if (names.every((n) => file[n] === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [names[1]],
          message: `missing (${what}; also read as "${names[0]}")`,
        });
      }
    }
  });

/** The runtime's view of a BLOOM config. The MLP is always 4·d wide; positions come from ALiBi. */
export interface BloomConfig {
  vocabSize: number;
  dModel: number;
  nLayers: number;
  nHeads: number;
  headSize: number;
  dMlp: number;
  layerNormEps: number;
  isTiedEmbeddings: boolean;
  torchDtype: string | null;
}

export function toBloomConfig(file: z.infer<typeof bloomConfigFileSchema>): BloomConfig {
  // transformers: hidden_size = n_embed when n_embed is given.
  const d = file.n_embed ?? file.hidden_size!;
  const nHeads = file.n_head ?? file.num_attention_heads!;
  if (d % nHeads !== 0) throw new Error(`hidden size ${d} is not divisible by the ${nHeads} heads`);
  return {
    vocabSize: file.vocab_size,
    dModel: d,
    nLayers: file.n_layer ?? file.num_hidden_layers!,
    nHeads,
    headSize: d / nHeads,
    dMlp: 4 * d,
    layerNormEps: file.layer_norm_epsilon,
    isTiedEmbeddings: file.tie_word_embeddings,
    torchDtype: file.torch_dtype ?? null,
  };
}

/** config.json in bigscience's form (`n_layer`, `n_head`); `extra` fields go before `torch_dtype`. */
export function toBloomConfigJson(
  config: BloomConfig,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    architectures: ['BloomForCausalLM'],
    model_type: 'bloom',
    vocab_size: config.vocabSize,
    hidden_size: config.dModel,
    n_layer: config.nLayers,
    n_head: config.nHeads,
    layer_norm_epsilon: config.layerNormEps,
    apply_residual_connection_post_layernorm: false,
    tie_word_embeddings: config.isTiedEmbeddings,
    ...extra,
    torch_dtype: config.torchDtype ?? 'float32',
  };
}

/**
 * BLOOM checkpoints are saved from BloomModel (`h.0.…`, as bigscience/bloom-1b1) or from
 * BloomForCausalLM (`transformer.h.0.…`): the prefix is whichever the weight files use.
 */
export function bloomWeightPrefix(names: Iterable<string>): '' | 'transformer.' {
  for (const name of names) if (name.startsWith('transformer.')) return 'transformer.';
  return '';
}

/** The parameters a BLOOM checkpoint with this config must hold, names carrying `prefix`. */
export function bloomWeightNames(config: BloomConfig, prefix = ''): ExpectedWeight[] {
  const { vocabSize: V, dModel: d, dMlp: m } = config;
  const weights: ExpectedWeight[] = [
    { name: `${prefix}word_embeddings.weight`, shape: [V, d] },
    { name: `${prefix}word_embeddings_layernorm.weight`, shape: [d] },
    { name: `${prefix}word_embeddings_layernorm.bias`, shape: [d] },
  ];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `${prefix}h.${i}.`;
    weights.push(
      { name: `${p}input_layernorm.weight`, shape: [d] },
      { name: `${p}input_layernorm.bias`, shape: [d] },
      { name: `${p}self_attention.query_key_value.weight`, shape: [3 * d, d] },
      { name: `${p}self_attention.query_key_value.bias`, shape: [3 * d] },
      { name: `${p}self_attention.dense.weight`, shape: [d, d] },
      { name: `${p}self_attention.dense.bias`, shape: [d] },
      { name: `${p}post_attention_layernorm.weight`, shape: [d] },
      { name: `${p}post_attention_layernorm.bias`, shape: [d] },
      { name: `${p}mlp.dense_h_to_4h.weight`, shape: [m, d] },
      { name: `${p}mlp.dense_h_to_4h.bias`, shape: [m] },
      { name: `${p}mlp.dense_4h_to_h.weight`, shape: [d, m] },
      { name: `${p}mlp.dense_4h_to_h.bias`, shape: [d] },
    );
  }
  weights.push({ name: `${prefix}ln_f.weight`, shape: [d] }, { name: `${prefix}ln_f.bias`, shape: [d] });
  if (!config.isTiedEmbeddings) weights.push({ name: 'lm_head.weight', shape: [V, d] });
  return weights;
}
