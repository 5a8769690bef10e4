import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { toGptNeoxConfigJson, type GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { writeSafetensors } from '../../src/core/hf/safetensors';
import type { SafetensorsWriteTensor } from '../../src/core/hf/safetensors';
import { randomGptNeoxWeights, tinyConfig } from './random-gpt-neox';

/** config.json as Hugging Face writes it for a GptNeoxConfig. */
export const configJsonFor = (config: GptNeoxConfig): Record<string, unknown> => toGptNeoxConfigJson(config);

/** A WordLevel tokenizer over a handful of words, with [UNK]. */
export function wordLevelTokenizerJson(withUnk = true): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: {
      type: 'WordLevel',
      vocab: { '[UNK]': 0, the: 1, cat: 2, sat: 3, on: 4, mat: 5, '.': 6 },
      ...(withUnk ? { unk_token: '[UNK]' } : {}),
    },
  };
}

export interface TinyFolderOptions {
  config?: GptNeoxConfig;
  /** Overrides applied to config.json after it is generated from `config`. */
  configJson?: Record<string, unknown>;
  /** Weight shapes generated from this config instead (to make headers disagree with config.json). */
  weightConfig?: GptNeoxConfig;
  dtype?: SafetensorsWriteTensor['dtype'];
  /** Number of shards; 1 writes model.safetensors. */
  shards?: number;
  hasTokenizer?: boolean;
  /** Extra tensors (buffers) added to the first file. */
  extra?: Record<string, SafetensorsWriteTensor>;
  seed?: number;
}

/** Writes a tiny random GPT-NeoX model folder; returns the weights written (float32). */
export async function writeTinyModelFolder(
  dir: string,
  options: TinyFolderOptions = {},
): Promise<Map<string, HostTensor>> {
  mkdirSync(dir, { recursive: true });
  const config = options.config ?? tinyConfig({ nLayers: 2 });
  const weights = randomGptNeoxWeights(options.weightConfig ?? config, options.seed ?? 1);
  if (config.isTiedEmbeddings) weights.delete('embed_out.weight');
  const configJson = { ...configJsonFor(config), ...options.configJson };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson, null, 2));
  if (options.hasTokenizer !== false) {
    writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(wordLevelTokenizerJson()));
  }
  const names = [...weights.keys()];
  const shards = options.shards ?? 1;
  const weightMap: Record<string, string> = {};
  for (let s = 0; s < shards; s++) {
    const file =
      shards === 1
        ? 'model.safetensors'
        : `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
    const tensors: Record<string, SafetensorsWriteTensor> = s === 0 ? { ...options.extra } : {};
    names
      .filter((_, i) => i % shards === s)
      .forEach((name) => {
        const w = weights.get(name)!;
        tensors[name] = { shape: w.shape, data: w.data, dtype: options.dtype ?? 'F32' };
        weightMap[name] = file;
      });
    await writeSafetensors(join(dir, file), tensors, { format: 'pt' });
  }
  if (shards > 1) {
    writeFileSync(
      join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }, null, 2),
    );
  }
  return weights;
}
