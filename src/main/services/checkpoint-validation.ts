import { access } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { findWeightProblems, readModelFolder, type ModelFolder } from '../../core/hf/model-folder';
import { ModelFileError } from '../../core/hf/safetensors';
import { loadTokenizer } from '../../core/hf/tokenizer';
import type { CheckpointValidation } from '../../shared/domain';
import { AppError } from '../../shared/result';

/**
 * Refuses, as `invalid_input` on `field`, a model folder whose config.json the model loader would
 * refuse: not JSON, not an object, an unknown architecture, a missing or invalid field (the message
 * names the file and the field). It reads the folder as loadLanguageModel does (config.json first, then
 * the safetensors headers); problems with weights or the tokenizer are left to
 * `validateCheckpointFolder`, since a folder may still be filling up when it is added.
 */
export async function requireLoadableConfig(dir: string, field: string): Promise<void> {
  const configPath = join(resolve(dir), 'config.json');
  try {
    await readModelFolder(dir);
  } catch (error) {
    if (error instanceof ModelFileError && error.file === configPath) {
      throw new AppError('invalid_input', error.message, field);
    }
  }
}

/**
 * Whether a checkpoint folder can feed a long job: config.json parses, every safetensors header reads
 * (no missing shard, no truncated file), every tensor config.json implies is there with its shape, and
 * tokenizer.json loads. Reads headers only, never tensor data. Every failure becomes a problem sentence
 * naming the file; nothing here throws.
 */
export async function validateCheckpointFolder(
  dir: string | null,
): Promise<Omit<CheckpointValidation, 'checkpointId'>> {
  const empty = {
    architecture: null,
    layers: null,
    dModel: null,
    vocabSize: null,
    dtype: null,
    parameterCount: null,
  };
  if (dir === null) {
    return {
      ...empty,
      isComplete: false,
      hasTokenizer: false,
      problems: ['No local folder: the revision is known but its files are not on this machine.'],
    };
  }
  const problems: string[] = [];
  let folder: ModelFolder | null = null;
  try {
    folder = await readModelFolder(dir);
  } catch (error) {
    problems.push(messageOf(error));
  }
  const hasTokenizer = await access(join(dir, 'tokenizer.json')).then(
    () => true,
    () => false,
  );
  if (folder !== null) problems.push(...findWeightProblems(folder).map((p) => p.message));
  problems.push(...(await tokenizerProblems(dir, hasTokenizer, folder)));
  return {
    isComplete: problems.length === 0,
    problems,
    hasTokenizer,
    ...(folder === null
      ? empty
      : {
          architecture: folder.architecture,
          layers: folder.config.nLayers,
          dModel: folder.config.dModel,
          vocabSize: folder.config.vocabSize,
          dtype: folder.dtype,
          parameterCount: folder.parameterCount,
        }),
  };
}

async function tokenizerProblems(
  dir: string,
  hasTokenizer: boolean,
  folder: ModelFolder | null,
): Promise<string[]> {
  if (!hasTokenizer) {
    return [`${join(dir, 'tokenizer.json')}: missing (needed to encode text and task pairs)`];
  }
  try {
    const tokenizer = await loadTokenizer(dir);
    if (folder !== null && tokenizer.vocabSize > folder.config.vocabSize) {
      return [
        `${tokenizer.path}: has ${tokenizer.vocabSize} tokens but config.json's vocab_size is ` +
          `${folder.config.vocabSize} (tokenizer from another model?)`,
      ];
    }
    return [];
  } catch (error) {
    return [messageOf(error)];
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
