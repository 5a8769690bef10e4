import type { GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { gptNeoxWeightNames } from '../../src/core/hf/model-folder';
import { SeededRandom } from '../../src/core/random';

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

/** Random weights named as in Hugging Face GPT-NeoX checkpoints, uniform around 1 (LayerNorm gains) or 0. */
export function randomGptNeoxWeights(config: GptNeoxConfig, seed = 1): Map<string, HostTensor> {
  const random = new SeededRandom(seed);
  const weights = new Map<string, HostTensor>();
  for (const { name, shape } of gptNeoxWeightNames(config)) {
    const isGain = /norm\.weight$/.test(name);
    const scale = name === 'gpt_neox.embed_in.weight' ? 1 : isGain || name.endsWith('.bias') ? 0.1 : 0.3;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (isGain ? 1 : 0) + (random.next() * 2 - 1) * scale;
    weights.set(name, { shape, data, storedDtype: 'F32' });
  }
  return weights;
}
