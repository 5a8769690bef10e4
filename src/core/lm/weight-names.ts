import type { GptNeoxConfig } from '../hf/gpt-neox-config';

/** Every tensor a Hugging Face GPT-NeoX checkpoint must hold for `config`, with its shape. */
export function gptNeoxTensorShapes(config: GptNeoxConfig): { name: string; shape: number[] }[] {
  const { dModel: d, dMlp: m, vocabSize: v } = config;
  const shapes = [{ name: 'gpt_neox.embed_in.weight', shape: [v, d] }];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `gpt_neox.layers.${i}.`;
    shapes.push(
      { name: `${p}input_layernorm.weight`, shape: [d] },
      { name: `${p}input_layernorm.bias`, shape: [d] },
      { name: `${p}post_attention_layernorm.weight`, shape: [d] },
      { name: `${p}post_attention_layernorm.bias`, shape: [d] },
      { name: `${p}attention.query_key_value.weight`, shape: [3 * d, d] },
      { name: `${p}attention.query_key_value.bias`, shape: [3 * d] },
      { name: `${p}attention.dense.weight`, shape: [d, d] },
      { name: `${p}attention.dense.bias`, shape: [d] },
      { name: `${p}mlp.dense_h_to_4h.weight`, shape: [m, d] },
      { name: `${p}mlp.dense_h_to_4h.bias`, shape: [m] },
      { name: `${p}mlp.dense_4h_to_h.weight`, shape: [d, m] },
      { name: `${p}mlp.dense_4h_to_h.bias`, shape: [d] },
    );
  }
  shapes.push(
    { name: 'gpt_neox.final_layer_norm.weight', shape: [d] },
    { name: 'gpt_neox.final_layer_norm.bias', shape: [d] },
  );
  if (!config.isTiedEmbeddings) shapes.push({ name: 'embed_out.weight', shape: [v, d] });
  return shapes;
}
