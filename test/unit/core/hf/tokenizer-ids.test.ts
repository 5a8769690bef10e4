import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ModelFileError } from '../../../../src/core/hf/safetensors';
import { loadTokenizer, maxTokenId } from '../../../../src/core/hf/tokenizer';
import { wordLevelTokenizerJson } from '../../../helpers/tiny-model-folder';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// The vocabulary size comes from the ids in tokenizer.json itself (model.vocab and added_tokens), read
// before the library builds the tokenizer: an absurd id is refused at once, naming the file and token.

const tmp = createTmpDirs('ctt-tokenizer-ids-');
afterAll(() => tmp.cleanup());

function writeTokenizer(json: unknown): string {
  const path = join(tmp.make(), 'tokenizer.json');
  writeFileSync(path, JSON.stringify(json));
  return path;
}

const withVocab = (vocab: Record<string, unknown>, addedTokens: unknown[] = []) => {
  const json = wordLevelTokenizerJson();
  return { ...json, added_tokens: addedTokens, model: { ...(json.model as object), vocab } };
};
const added = (id: unknown, content: string) => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

async function refusal(json: unknown): Promise<{ error: unknown; ms: number }> {
  const path = writeTokenizer(json);
  const started = performance.now();
  const error = await loadTokenizer(path).then(
    () => null,
    (e: unknown) => e,
  );
  return { error, ms: performance.now() - started };
}

describe('loadTokenizer: token ids', () => {
  it('refuses a token id near 2^31 at once, naming tokenizer.json and the token', async () => {
    const { error, ms } = await refusal(withVocab({ '[UNK]': 0, the: 1, huge: 2 ** 31 - 1 }));
    expect(error).toBeInstanceOf(ModelFileError);
    const message = (error as Error).message;
    expect(message).toContain('tokenizer.json');
    expect(message).toContain('"huge"');
    expect(message).toContain('model.vocab');
    expect(message).toContain(String(2 ** 31 - 1));
    expect(message).toContain(`0 to ${maxTokenId}`);
    expect(ms).toBeLessThan(1000); // the library's get_vocab took ~80 s here
  });

  it('refuses negative, fractional and non-numeric ids, in the vocab or the added tokens', async () => {
    const cases: [unknown, RegExp][] = [
      [withVocab({ '[UNK]': 0, the: -1 }), /"the" in model\.vocab has id -1/],
      [withVocab({ '[UNK]': 0, the: 1.5 }), /"the" in model\.vocab has id 1\.5/],
      [withVocab({ '[UNK]': 0, the: '1' }), /"the" in model\.vocab has id "1"/],
      [
        withVocab({ '[UNK]': 0 }, [added(maxTokenId + 1, '<big>')]),
        /"<big>" in added_tokens\[0\] has id 10000001/,
      ],
      [withVocab({ '[UNK]': 0 }, [added(null, '<none>')]), /"<none>" in added_tokens\[0\] has id null/],
    ];
    for (const [json, pattern] of cases) {
      const { error } = await refusal(json);
      expect(error).toBeInstanceOf(ModelFileError);
      expect((error as Error).message).toMatch(/tokenizer\.json/);
      expect((error as Error).message).toMatch(pattern);
    }
  });

  it('takes the vocabulary size from the largest id, added tokens included', async () => {
    const plain = await loadTokenizer(writeTokenizer(wordLevelTokenizerJson()));
    expect(plain.vocabSize).toBe(7);
    const withAdded = await loadTokenizer(
      writeTokenizer(withVocab({ '[UNK]': 0, the: 1, cat: 2 }, [added(9, '<|pad|>')])),
    );
    expect(withAdded.vocabSize).toBe(10);
    expect(withAdded.encode('the cat <|pad|>')).toEqual([1, 2, 9]);
    const atLimit = await loadTokenizer(writeTokenizer(withVocab({ '[UNK]': 0, the: maxTokenId })));
    expect(atLimit.vocabSize).toBe(maxTokenId + 1);
  });

  it('counts a Unigram vocabulary by position', async () => {
    const unigram = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: [added(0, '<unk>')],
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: {
        type: 'Unigram',
        unk_id: 0,
        vocab: [
          ['<unk>', 0],
          ['the', -1],
          ['cat', -2],
          ['c', -5],
          ['a', -5],
          ['t', -5],
        ],
      },
    };
    const tokenizer = await loadTokenizer(writeTokenizer(unigram));
    expect(tokenizer.vocabSize).toBe(6);
    expect(tokenizer.encode('the cat')).toEqual([1, 2]);
  });
});
