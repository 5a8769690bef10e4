import type { GptNeoxConfig } from '../hf/gpt-neox-config';
import type { HostTensor } from '../hf/host-tensor';
import { SeededRandom } from '../random';
import { gptNeoxWeightNames } from '../hf/model-folder';

/**
 * Fresh GPT-NeoX weights as Hugging Face initialises them: Linear and embedding weights from
 * N(0, initStd²), biases 0, LayerNorm weight 1 and bias 0. Deterministic from `seed`.
 */
export function initGptNeoxWeights(
  config: GptNeoxConfig,
  seed: number,
  initStd = 0.02,
): Map<string, HostTensor> {
  const random = new SeededRandom(seed);
  const weights = new Map<string, HostTensor>();
  for (const { name, shape } of gptNeoxWeightNames(config)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    if (name.endsWith('layernorm.weight') || name.endsWith('layer_norm.weight')) data.fill(1);
    else if (!name.endsWith('.bias')) for (let i = 0; i < n; i++) data[i] = random.normal() * initStd;
    weights.set(name, { shape, data, storedDtype: 'F32' });
  }
  return weights;
}
