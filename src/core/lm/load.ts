import {
  checkWeightsAgainstConfig,
  loadWeights,
  readModelFolder,
  type ModelFolder,
} from '../hf/model-folder';
import { loadTokenizer, type LmTokenizer } from '../hf/tokenizer';
import { GptNeoxModel } from './gpt-neox-model';

export interface LoadedLanguageModel {
  folder: ModelFolder;
  model: GptNeoxModel;
  tokenizer: LmTokenizer | null;
}

/**
 * Reads a Hugging Face model folder, checks every weight against config.json, and builds the model
 * block by block (weights upcast to float32). The caller owns `model` and must dispose it.
 */
export async function loadLanguageModel(
  dir: string,
  options: { isTokenizerRequired?: boolean } = {},
): Promise<LoadedLanguageModel> {
  const folder = await readModelFolder(dir);
  checkWeightsAgainstConfig(folder);
  const tokenizer =
    folder.tokenizerPath !== null || options.isTokenizerRequired ? await loadTokenizer(dir) : null;
  // One group of weights at a time: host copies of a single block exist at once.
  const model = await GptNeoxModel.load(folder.config, (names) => loadWeights(folder, { names }));
  return { folder, model, tokenizer };
}
