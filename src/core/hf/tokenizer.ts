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

/** Above any real vocabulary (the largest are ~260k); a larger id is a corrupt or hostile file. */
export const maxTokenId = 10_000_000;

/**
 * The largest token id in tokenizer.json: `model.vocab` (an object piece → id for BPE, WordPiece and
 * WordLevel; an array of [piece, score] for Unigram, whose ids are the indices) and `added_tokens[].id`.
 * Read from the JSON because the library's `get_vocab` walks every id up to the largest (a minute for
 * an id near 2^31). Throws naming the file and the token for an id that is not a whole number in
 * 0..maxTokenId; leaves other structural problems to the library. -1 when there are no tokens.
 */
function largestTokenId(path: string, tokenizerJson: Record<string, unknown>): number {
  let maxId = -1;
  const check = (id: unknown, token: string, where: string): void => {
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > maxTokenId) {
      throw new ModelFileError(
        path,
        `token ${JSON.stringify(token).slice(0, 80)} in ${where} has id ${String(JSON.stringify(id)).slice(0, 40)}; ` +
          `token ids must be whole numbers from 0 to ${maxTokenId}`,
      );
    }
    maxId = Math.max(maxId, id);
  };
  const model = tokenizerJson['model'];
  const vocab =
    typeof model === 'object' && model !== null ? (model as { vocab?: unknown }).vocab : undefined;
  if (Array.isArray(vocab)) {
    if (vocab.length > maxTokenId + 1) {
      throw new ModelFileError(
        path,
        `model.vocab has ${vocab.length} tokens; at most ${maxTokenId + 1} are allowed`,
      );
    }
    maxId = vocab.length - 1;
  } else if (typeof vocab === 'object' && vocab !== null) {
    for (const [piece, id] of Object.entries(vocab)) check(id, piece, 'model.vocab');
  }
  const added = tokenizerJson['added_tokens'];
  if (Array.isArray(added)) {
    added.forEach((token: unknown, i) => {
      if (typeof token !== 'object' || token === null || !('id' in token)) return;
      const content = tokenContent(token) ?? `#${i}`;
      check((token as { id: unknown }).id, content, `added_tokens[${i}]`);
    });
  }
  return maxId;
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
  const maxId = largestTokenId(path, tokenizerJson);
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
