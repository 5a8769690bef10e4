import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../../../../src/core/hf/safetensors';
import { loadTokenizer } from '../../../../src/core/hf/tokenizer';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { wordLevelTokenizerJson } from '../../../helpers/tiny-model-folder';

const tmp = createTmpDirs('ctt-tokenizer-');
afterAll(() => tmp.cleanup());

/** A GPT-2 style byte-level BPE over "hello world!" (Ġ is the byte-level space). */
const byteLevelBpeJson = {
  version: '1.0',
  truncation: null,
  padding: null,
  added_tokens: [
    {
      id: 0,
      content: '<|endoftext|>',
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    },
  ],
  normalizer: null,
  pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  post_processor: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
  model: {
    type: 'BPE',
    dropout: null,
    unk_token: null,
    continuing_subword_prefix: null,
    end_of_word_suffix: null,
    fuse_unk: false,
    byte_fallback: false,
    vocab: {
      '<|endoftext|>': 0,
      h: 1,
      e: 2,
      l: 3,
      o: 4,
      Ġ: 5,
      w: 6,
      r: 7,
      d: 8,
      '!': 9,
      he: 10,
      ll: 11,
      llo: 12,
      hello: 13,
      Ġw: 14,
      or: 15,
      Ġwor: 16,
      ld: 17,
      Ġworld: 18,
    },
    merges: ['h e', 'l l', 'll o', 'he llo', 'Ġ w', 'o r', 'Ġw or', 'l d', 'Ġwor ld'],
  },
};

function writeTokenizer(json: unknown, config?: unknown): string {
  const dir = tmp.make();
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(json));
  if (config !== undefined) writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(config));
  return dir;
}

describe('loadTokenizer', () => {
  it('round-trips text through a byte-level BPE', async () => {
    const tokenizer = await loadTokenizer(writeTokenizer(byteLevelBpeJson));
    expect(tokenizer.vocabSize).toBe(19);
    expect(tokenizer.encode('hello world')).toEqual([13, 18]);
    expect(tokenizer.encode('hello world!<|endoftext|>')).toEqual([13, 18, 9, 0]);
    expect(tokenizer.decode([13, 18, 9])).toBe('hello world!');
    expect(tokenizer.decode([13, 18, 0], { skipSpecialTokens: true })).toBe('hello world');
    expect(tokenizer.decode([])).toBe('');
  });

  it('accepts a path to tokenizer.json itself and reads tokenizer_config.json beside it', async () => {
    const dir = writeTokenizer(byteLevelBpeJson, { model_max_length: 2048 });
    const tokenizer = await loadTokenizer(join(dir, 'tokenizer.json'));
    expect(tokenizer.path).toBe(join(dir, 'tokenizer.json'));
    expect(tokenizer.decode(tokenizer.encode('hello'))).toBe('hello');
  });

  it('maps unknown WordLevel words to the unk id', async () => {
    const tokenizer = await loadTokenizer(writeTokenizer(wordLevelTokenizerJson()));
    expect(tokenizer.unkId).toBe(0);
    expect(tokenizer.vocabSize).toBe(7);
    expect(tokenizer.encode('the cat sat on the mat.')).toEqual([1, 2, 3, 4, 1, 5, 6]);
    expect(tokenizer.encode('the dog sat')).toEqual([1, 0, 3]);
    expect(tokenizer.decode([1, 2, 3])).toBe('the cat sat');
  });

  it('says which word is unknown when there is no unk token', async () => {
    const tokenizer = await loadTokenizer(writeTokenizer(wordLevelTokenizerJson(false)));
    expect(tokenizer.unkId).toBeNull();
    expect(tokenizer.encode('the cat')).toEqual([1, 2]);
    expect(() => tokenizer.encode('the dog')).toThrow(
      /"dog" is not in the vocabulary and the tokenizer has no unk token/,
    );
  });

  it('names a missing or malformed tokenizer.json', async () => {
    const dir = tmp.make();
    const missing = await loadTokenizer(dir).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ModelFileError);
    expect((missing as Error).message).toBe(
      `${join(dir, 'tokenizer.json')}: missing tokenizer.json in ${dir}`,
    );
    writeFileSync(join(dir, 'tokenizer.json'), '{"model":');
    await expect(loadTokenizer(dir)).rejects.toThrow(/tokenizer.json is not valid JSON/);
    writeFileSync(
      join(dir, 'tokenizer.json'),
      JSON.stringify({ ...wordLevelTokenizerJson(), decoder: { type: 'Nope' } }),
    );
    await expect(loadTokenizer(dir)).rejects.toThrow(/cannot build the tokenizer/);
  });
});
