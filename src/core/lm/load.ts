import type { HostTensor } from '../hf/host-tensor';
import {
  checkWeightsAgainstConfig,
  loadWeights,
  readModelFolder,
  type FamilyConfig,
  type ModelFolder,
} from '../hf/model-folder';
import { ModelFileError } from '../hf/safetensors';
import { loadTokenizer, type LmTokenizer } from '../hf/tokenizer';
import { BloomModel } from './bloom-model';
import { GptNeoxModel } from './gpt-neox-model';
import type { BuildOptions, LanguageModel } from './language-model';
import { OlmoModel } from './olmo-model';
import type { WeightGroupLoader } from './weight-builder';

export interface LoadedLanguageModel {
  folder: ModelFolder;
  model: LanguageModel;
  tokenizer: LmTokenizer | null;
}

/** Where a model's weights come from: its family and config, and the prefix its files put on names. */
export type ModelSource = FamilyConfig & { weightPrefix?: string };

/** Builds the family's model group by group (host copies of one block at a time). */
export function buildLanguageModel(
  source: ModelSource,
  load: WeightGroupLoader,
  options: BuildOptions = {},
): Promise<LanguageModel> {
  switch (source.architecture) {
    case 'gpt_neox':
      return GptNeoxModel.load(source.config, load, options);
    case 'olmo':
      return OlmoModel.load(source.config, load, options);
    case 'bloom':
      return BloomModel.load(source.config, load, { ...options, weightPrefix: source.weightPrefix ?? '' });
  }
}

/** Builds the family's model from weights already in memory. */
export function languageModelFromHostTensors(
  source: ModelSource,
  weights: ReadonlyMap<string, HostTensor>,
  options: BuildOptions = {},
): LanguageModel {
  switch (source.architecture) {
    case 'gpt_neox':
      return GptNeoxModel.fromHostTensors(source.config, weights, options);
    case 'olmo':
      return OlmoModel.fromHostTensors(source.config, weights, options);
    case 'bloom':
      return BloomModel.fromHostTensors(source.config, weights, {
        ...options,
        weightPrefix: source.weightPrefix ?? '',
      });
  }
}

/** A tokenizer with ids the model has no row for belongs to another model. */
function checkTokenizerFits(tokenizer: LmTokenizer, folder: ModelFolder): void {
  if (tokenizer.vocabSize > folder.config.vocabSize) {
    throw new ModelFileError(
      tokenizer.path,
      `has ${tokenizer.vocabSize} tokens but the model's vocab_size (config.json) is ${folder.config.vocabSize}: ` +
        'the tokenizer belongs to another model (a tokenizer may have fewer ids than the model, not more)',
    );
  }
}

/**
 * Reads a Hugging Face model folder of any supported family (GPT-NeoX, OLMo, BLOOM; config.json's
 * model_type or architectures), checks every weight against config.json and the tokenizer against the
 * vocabulary, and builds the model block by block (weights upcast to float32). The caller owns
 * `model` and must dispose it.
 */
export async function loadLanguageModel(
  dir: string,
  options: { isTokenizerRequired?: boolean } = {},
): Promise<LoadedLanguageModel> {
  const folder = await readModelFolder(dir);
  checkWeightsAgainstConfig(folder);
  const tokenizer =
    folder.tokenizerPath !== null || options.isTokenizerRequired ? await loadTokenizer(dir) : null;
  if (tokenizer !== null) checkTokenizerFits(tokenizer, folder);
  const model = await buildLanguageModel(folder, (names) => loadWeights(folder, { names }));
  return { folder, model, tokenizer };
}
