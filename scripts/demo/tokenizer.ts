/**
 * The demo family's tokenizer: word-level, one token per whitespace-separated word of the grammar,
 * written as a Hugging Face `tokenizer.json` (plus the `tokenizer_config.json` beside it).
 *
 * Why word-level with WhitespaceSplit: a BLiMP answer is one word, so `prefix + " " + word` encodes
 * as the tokens of `prefix` followed by exactly one token for `word`; the leading space of an answer
 * never changes its token (no `Ġ` variants), and every pair is one-token by construction.
 *
 * Loader note: @huggingface/tokenizers 0.2.0 has no `WordLevel` class. It reads a model it does not
 * know by its `vocab` map (its "Legacy" model: every pre-token looked up as it is), and takes the
 * unknown token from the *config* argument, not from `model.unk_token`: with `{}`, an unknown word
 * gets the id `undefined`. So pass `demoTokenizerConfig()` (written as `tokenizer_config.json`); the
 * project's `loadTokenizer` (src/core/hf/tokenizer.ts) reads that file and also falls back to
 * `model.unk_token`. The Rust `tokenizers` library reads `WordLevel` and its `unk_token` directly.
 */
import { LANGUAGES, lexiconWords } from './lexicon';

export const END_OF_TEXT_TOKEN = '<|endoftext|>';
export const UNKNOWN_TOKEN = '<unk>';
export const END_OF_TEXT_ID = 0;
export const UNKNOWN_ID = 1;

interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The subset of the `tokenizer.json` schema that this tokenizer uses. */
export interface DemoTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: null;
  pre_tokenizer: { type: 'WhitespaceSplit' };
  post_processor: null;
  /** null: both libraries then decode by joining tokens with single spaces. */
  decoder: null;
  model: { type: 'WordLevel'; vocab: Record<string, number>; unk_token: string };
}

/** Every word of both demo languages, sorted by code unit; no special tokens. */
export function demoVocabulary(): string[] {
  const words = new Set(LANGUAGES.flatMap((language) => lexiconWords(language)));
  return [...words].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const special = (id: number, content: string): AddedTokenJson => ({
  id,
  content,
  single_word: false,
  lstrip: false,
  rstrip: false,
  normalized: false,
  special: true,
});

/**
 * A word-level `tokenizer.json`: `<|endoftext|>` = 0, `<unk>` = 1, then `words` in the given order
 * from id 2. Words must be unique, non-empty and free of whitespace.
 */
export function buildTokenizerJson(words: readonly string[]): DemoTokenizerJson {
  const vocab: Record<string, number> = { [END_OF_TEXT_TOKEN]: END_OF_TEXT_ID, [UNKNOWN_TOKEN]: UNKNOWN_ID };
  for (const word of words) {
    if (word.length === 0 || /\s/.test(word))
      throw new Error(`a vocabulary word cannot be empty or hold whitespace: "${word}"`);
    if (Object.hasOwn(vocab, word)) throw new Error(`duplicate vocabulary word "${word}"`);
    vocab[word] = Object.keys(vocab).length;
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(END_OF_TEXT_ID, END_OF_TEXT_TOKEN), special(UNKNOWN_ID, UNKNOWN_TOKEN)],
    normalizer: null,
    pre_tokenizer: { type: 'WhitespaceSplit' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: UNKNOWN_TOKEN },
  };
}

/**
 * `tokenizer_config.json` for the demo checkpoints; also the second argument of the JS `Tokenizer`.
 * `clean_up_tokenization_spaces: false` because the default clean-up turns `red .` into `red.`.
 */
export function demoTokenizerConfig() {
  return {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: END_OF_TEXT_TOKEN,
    eos_token: END_OF_TEXT_TOKEN,
    unk_token: UNKNOWN_TOKEN,
    clean_up_tokenization_spaces: false,
  };
}
