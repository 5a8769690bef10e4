import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Tokenizer } from '@huggingface/tokenizers';
import { describe, expect, it } from 'vitest';
import { generateCorpus } from '../../../../scripts/demo/grammar';
import { loadTokenizer } from '../../../../src/core/hf/tokenizer';
import { LANGUAGES, lexiconWords } from '../../../../scripts/demo/lexicon';
import {
  END_OF_TEXT_ID,
  END_OF_TEXT_TOKEN,
  UNKNOWN_ID,
  buildTokenizerJson,
  demoTokenizerConfig,
  demoVocabulary,
} from '../../../../scripts/demo/tokenizer';

const vocabulary = demoVocabulary();
const tokenizerJson = buildTokenizerJson(vocabulary);
// Through JSON text, as it is read from resources/demo/…/tokenizer.json.
const tokenizer = new Tokenizer(JSON.parse(JSON.stringify(tokenizerJson)) as object, demoTokenizerConfig());

describe('demo vocabulary', () => {
  it('is every word of both languages once, sorted', () => {
    const union = new Set(LANGUAGES.flatMap((l) => lexiconWords(l)));
    expect(vocabulary.length).toBe(union.size);
    expect(new Set(vocabulary)).toEqual(union);
    expect([...vocabulary].sort()).toEqual(vocabulary);
    expect(demoVocabulary()).toEqual(vocabulary);
  });
});

describe('demo tokenizer.json', () => {
  it('numbers <|endoftext|> 0, <unk> 1, then the words in order', () => {
    const { vocab } = tokenizerJson.model;
    expect(vocab[END_OF_TEXT_TOKEN]).toBe(0);
    expect(vocab['<unk>']).toBe(1);
    vocabulary.forEach((word, i) => expect(vocab[word]).toBe(i + 2));
    expect(Object.keys(vocab)).toHaveLength(vocabulary.length + 2);
    expect(tokenizerJson.model.type).toBe('WordLevel');
    expect(tokenizerJson.pre_tokenizer).toEqual({ type: 'WhitespaceSplit' });
    expect(tokenizerJson.normalizer).toBeNull();
  });

  it('rejects duplicate, empty and whitespace words', () => {
    expect(() => buildTokenizerJson(['a', 'a'])).toThrow(/duplicate/);
    expect(() => buildTokenizerJson(['a b'])).toThrow(/whitespace/);
    expect(() => buildTokenizerJson([''])).toThrow(/empty/);
    expect(() => buildTokenizerJson(['<unk>'])).toThrow(/duplicate/);
  });

  it('loads in @huggingface/tokenizers and round-trips corpus text without <unk>', () => {
    const sentences = generateCorpus({ seed: 3, sentences: 300, languageShares: { eng: 0.5, fra: 0.5 } });
    const text = sentences.join(' ');
    const { ids, tokens } = tokenizer.encode(text, { add_special_tokens: false });
    expect(tokens).toEqual(text.split(' '));
    expect(ids).not.toContain(UNKNOWN_ID);
    expect(ids.every((id) => Number.isInteger(id) && id >= 2)).toBe(true);
    expect(tokenizer.decode(ids)).toBe(text);
    expect(tokenizer.get_vocab().size).toBe(vocabulary.length + 2);
  });

  it('encodes prefix + " " + word as the prefix ids followed by the one id of the word', () => {
    const prefixes = ['the key near the cabinets', 'les chiens qui voient la fille', 'these'];
    for (const prefix of prefixes) {
      for (const word of ['is', 'are', 'sont', 'themselves', 'children', '.']) {
        const joined = tokenizer.encode(`${prefix} ${word}`).ids;
        const wordIds = tokenizer.encode(word).ids;
        expect(wordIds).toHaveLength(1);
        expect(tokenizer.encode(` ${word}`).ids).toEqual(wordIds);
        expect(joined).toEqual([...tokenizer.encode(prefix).ids, ...wordIds]);
      }
    }
  });

  it('maps unknown words to <unk> and splits <|endoftext|> out of running text', () => {
    expect(tokenizer.encode('the zebra is red').ids).toEqual([
      tokenizer.token_to_id('the'),
      UNKNOWN_ID,
      tokenizer.token_to_id('is'),
      tokenizer.token_to_id('red'),
    ]);
    const ids = tokenizer.encode(`the key .${END_OF_TEXT_TOKEN}le chien .`).ids;
    expect(ids[3]).toBe(END_OF_TEXT_ID);
    expect(ids).toHaveLength(7);
    expect(ids).not.toContain(UNKNOWN_ID);
  });

  it('encodes known words the same with an empty config (the JS loader needs the config only for <unk>)', () => {
    const bare = new Tokenizer(tokenizerJson, {});
    const text = 'the key near the cabinets is red .';
    expect(bare.encode(text).ids).toEqual(tokenizer.encode(text).ids);
  });

  it('loads through the project loader from a model folder, with the config beside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-tokenizer-'));
    try {
      await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
      await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify(demoTokenizerConfig()));
      const loaded = await loadTokenizer(dir);
      expect(loaded.vocabSize).toBe(vocabulary.length + 2);
      expect(loaded.unkId).toBe(UNKNOWN_ID);
      const text = 'les chiens qui voient la fille dorment . the zebra is red .';
      const ids = loaded.encode(text);
      expect(ids).toEqual(tokenizer.encode(text).ids);
      expect(ids.filter((id) => id === UNKNOWN_ID)).toHaveLength(1);
      expect(loaded.decode(loaded.encode('the key is red .'))).toBe('the key is red .');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
