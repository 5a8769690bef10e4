import type { GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import type { HostTensor } from '../../src/core/hf/host-tensor';

/** A small deterministic GPT-NeoX config for tests. */
export function tinyConfig(overrides: Partial<GptNeoxConfig> = {}): GptNeoxConfig {
  return {
    vocabSize: 23,
    dModel: 16,
    nLayers: 3,
    nHeads: 2,
    headSize: 8,
    rotaryDims: 4,
    rotaryBase: 10000,
    dMlp: 32,
    maxPositions: 64,
    layerNormEps: 1e-5,
    hiddenAct: 'gelu',
    isParallelResidual: true,
    isTiedEmbeddings: false,
    torchDtype: null,
    ...overrides,
  };
}

/** mulberry32: a tiny seeded PRNG, so weights are the same on every run. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random weights named as in Hugging Face GPT-NeoX checkpoints. */
export function randomGptNeoxWeights(config: GptNeoxConfig, seed = 1): Map<string, HostTensor> {
  const next = rng(seed);
  const weights = new Map<string, HostTensor>();
  const add = (name: string, shape: number[], scale: number, center = 0): void => {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = center + (next() * 2 - 1) * scale;
    weights.set(name, { shape, data, storedDtype: 'F32' });
  };
  const { dModel: d, dMlp: m, vocabSize: v } = config;
  add('gpt_neox.embed_in.weight', [v, d], 1);
  for (let i = 0; i < config.nLayers; i++) {
    const p = `gpt_neox.layers.${i}.`;
    add(`${p}input_layernorm.weight`, [d], 0.1, 1);
    add(`${p}input_layernorm.bias`, [d], 0.1);
    add(`${p}post_attention_layernorm.weight`, [d], 0.1, 1);
    add(`${p}post_attention_layernorm.bias`, [d], 0.1);
    add(`${p}attention.query_key_value.weight`, [3 * d, d], 0.4);
    add(`${p}attention.query_key_value.bias`, [3 * d], 0.1);
    add(`${p}attention.dense.weight`, [d, d], 0.3);
    add(`${p}attention.dense.bias`, [d], 0.1);
    add(`${p}mlp.dense_h_to_4h.weight`, [m, d], 0.3);
    add(`${p}mlp.dense_h_to_4h.bias`, [m], 0.1);
    add(`${p}mlp.dense_4h_to_h.weight`, [d, m], 0.2);
    add(`${p}mlp.dense_4h_to_h.bias`, [d], 0.1);
  }
  add('gpt_neox.final_layer_norm.weight', [d], 0.1, 1);
  add('gpt_neox.final_layer_norm.bias', [d], 0.1);
  add('embed_out.weight', [v, d], 0.3);
  return weights;
}
