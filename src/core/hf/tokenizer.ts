import { readFile, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { ModelFileError } from './safetensors';

/** A Hugging Face tokenizer.json, reduced to what the runtime needs. */
export interface LmTokenizer {
  /** Token ids; `addSpecialTokens` (default true, as in transformers) runs the post-processor. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: readonly number[], options?: { skipSpecialTokens?: boolean }): string;
  /** Largest token id + 1, added tokens included (config.json's vocab_size may be padded beyond it). */
  vocabSize: number;
  /** The id unknown words map to, or null when the tokenizer has no unk token. */
  unkId: number | null;
  path: string;
}

async function readJson(
  path: string,
  what: string,
  isOptional: boolean,
): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      if (isOptional) return null;
      throw new ModelFileError(path, `missing ${what} in ${dirname(path)}`);
    }
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(path, `${what} is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelFileError(path, `${what} is not a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** A token written as a string, or as an AddedToken object {content: …} in tokenizer_config.json. */
function tokenContent(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { content?: unknown }).content === 'string'
  ) {
    return (value as { content: string }).content;
  }
  return null;
}

/**
 * Loads `tokenizer.json` (and `tokenizer_config.json` beside it, if present) from a model folder or a
 * path to the tokenizer.json itself.
 */
export async function loadTokenizer(folderOrPath: string): Promise<LmTokenizer> {
  const isDir = (await stat(folderOrPath).catch(() => null))?.isDirectory() ?? false;
  const path = isDir ? join(folderOrPath, 'tokenizer.json') : folderOrPath;
  const dir = dirname(path);
  const tokenizerJson = (await readJson(path, 'tokenizer.json', false))!;
  const tokenizerConfig =
    (await readJson(join(dir, 'tokenizer_config.json'), 'tokenizer_config.json', true)) ?? {};
  // The library iterates added_tokens unconditionally; hand-written files may omit it.
  const normalizedJson = { added_tokens: [], ...tokenizerJson };

  let tokenizer: Tokenizer;
  try {
    tokenizer = new Tokenizer(normalizedJson, tokenizerConfig);
  } catch (error) {
    throw new ModelFileError(path, `cannot build the tokenizer (${(error as Error).message})`);
  }

  const model = tokenizerJson['model'] as Record<string, unknown> | undefined;
  const unkToken = tokenContent(model?.['unk_token']) ?? tokenContent(tokenizerConfig['unk_token']);
  const unkId = unkToken === null ? null : (tokenizer.token_to_id(unkToken) ?? null);
  let maxId = -1;
  for (const id of tokenizer.get_vocab(true).values()) maxId = Math.max(maxId, id);

  return {
    path,
    vocabSize: maxId + 1,
    unkId,
    encode(text, options = {}) {
      const encoding = tokenizer.encode(text, { add_special_tokens: options.addSpecialTokens ?? true });
      // WordLevel (and some legacy) models give undefined for words outside the vocabulary.
      return encoding.ids.map((id: number | undefined, i) => {
        if (id !== undefined) return id;
        if (unkId !== null) return unkId;
        throw new Error(
          `${path}: "${encoding.tokens[i] ?? '?'}" is not in the vocabulary and the tokenizer has no unk token`,
        );
      });
    },
    decode(ids, options = {}) {
      if (ids.length === 0) return '';
      return tokenizer.decode([...ids], { skip_special_tokens: options.skipSpecialTokens ?? false });
    },
  };
}
