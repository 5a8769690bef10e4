import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expectedWeights, type FamilyConfig } from '../../src/core/hf/architectures';
import { toBloomConfigJson, type BloomConfig } from '../../src/core/hf/bloom-config';
import { toGptNeoxConfigJson } from '../../src/core/hf/gpt-neox-config';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { toOlmoConfigJson, type OlmoConfig } from '../../src/core/hf/olmo-config';
import { writeSafetensors, type SafetensorsWriteTensor } from '../../src/core/hf/safetensors';
import { SeededRandom } from '../../src/core/random';
import { wordLevelTokenizerJson } from './tiny-model-folder';

// Tiny random models of every family (OLMo, BLOOM; GPT-NeoX has random-gpt-neox.ts) and their
// Hugging Face folders, for unit and CLI tests.

export function tinyOlmoConfig(overrides: Partial<OlmoConfig> = {}): OlmoConfig {
  return {
    vocabSize: 23,
    dModel: 16,
    nLayers: 2,
    nHeads: 2,
    headSize: 8,
    rotaryDims: 8,
    rotaryBase: 10000,
    dMlp: 40,
    maxPositions: 64,
    layerNormEps: 1e-5,
    clipQkv: null,
    isTiedEmbeddings: false,
    torchDtype: null,
    ...overrides,
  };
}

/** Six heads: ALiBi slopes beyond the largest power of two. */
export function tinyBloomConfig(overrides: Partial<BloomConfig> = {}): BloomConfig {
  return {
    vocabSize: 23,
    dModel: 24,
    nLayers: 2,
    nHeads: 6,
    headSize: 4,
    dMlp: 96,
    layerNormEps: 1e-5,
    isTiedEmbeddings: true,
    torchDtype: null,
    ...overrides,
  };
}

/** Random weights named as the family's checkpoints name them: norm gains near 1, the rest near 0. */
export function randomFamilyWeights(
  family: FamilyConfig,
  seed = 1,
  weightPrefix = '',
): Map<string, HostTensor> {
  const random = new SeededRandom(seed);
  const weights = new Map<string, HostTensor>();
  for (const { name, shape } of expectedWeights(family, weightPrefix)) {
    const isGain = /(norm|layernorm|ln_f)\.weight$/.test(name);
    const isEmbedding = /(embed_in|embed_tokens|word_embeddings)\.weight$/.test(name);
    const scale = isEmbedding ? 1 : isGain || name.endsWith('.bias') ? 0.1 : 0.3;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (isGain ? 1 : 0) + (random.next() * 2 - 1) * scale;
    weights.set(name, { shape, data, storedDtype: 'F32' });
  }
  return weights;
}

export function configJsonOf(family: FamilyConfig): Record<string, unknown> {
  switch (family.architecture) {
    case 'gpt_neox':
      return toGptNeoxConfigJson(family.config);
    case 'olmo':
      return toOlmoConfigJson(family.config);
    case 'bloom':
      return toBloomConfigJson(family.config);
  }
}

export interface FamilyFolderOptions {
  /** Overrides applied to config.json after it is generated. */
  configJson?: Record<string, unknown>;
  dtype?: SafetensorsWriteTensor['dtype'];
  /** BLOOM: "transformer." writes BloomForCausalLM names. */
  weightPrefix?: string;
  hasTokenizer?: boolean;
  /** A tokenizer.json to write instead of the 7-word WordLevel one. */
  tokenizerJson?: Record<string, unknown>;
  seed?: number;
}

/** Writes a tiny random model folder of any family; returns the weights written (float32). */
export async function writeFamilyFolder(
  dir: string,
  family: FamilyConfig,
  options: FamilyFolderOptions = {},
): Promise<Map<string, HostTensor>> {
  mkdirSync(dir, { recursive: true });
  const weights = randomFamilyWeights(family, options.seed ?? 1, options.weightPrefix ?? '');
  const configJson = { ...configJsonOf(family), ...options.configJson };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson, null, 2));
  if (options.hasTokenizer !== false) {
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify(options.tokenizerJson ?? wordLevelTokenizerJson()),
    );
  }
  const tensors: Record<string, SafetensorsWriteTensor> = {};
  for (const [name, w] of weights)
    tensors[name] = { shape: w.shape, data: w.data, dtype: options.dtype ?? 'F32' };
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  return weights;
}
