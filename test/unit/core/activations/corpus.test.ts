import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  corpusFormatOf,
  corpusWindows,
  readCorpusDocuments,
  resolveSeparatorId,
  sha256File,
} from '../../../../src/core/activations/corpus';
import type { LmTokenizer } from '../../../../src/core/hf/tokenizer';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-corpus-');
afterAll(() => tmp.cleanup());

const vocabulary = ['<|endoftext|>', '<unk>', 'a', 'b', 'c', 'd', 'e', 'f', 'g'];
/** Whitespace words → ids of `vocabulary` (unknown words → 1). */
const encode = (text: string): number[] =>
  text
    .split(/\s+/)
    .filter((w) => w !== '')
    .map((w) => (vocabulary.includes(w) ? vocabulary.indexOf(w) : 1));

function fakeTokenizer(hasEndOfText: boolean): LmTokenizer {
  return {
    path: '/fake/tokenizer.json',
    vocabSize: vocabulary.length,
    unkId: 1,
    encode: (text) => (text === '<|endoftext|>' ? [hasEndOfText ? 0 : 1] : encode(text)),
    decode: () => '',
  };
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

function write(name: string, text: string): string {
  const file = join(tmp.make(), name);
  writeFileSync(file, text);
  return file;
}

describe('corpus files', () => {
  it('reads .txt one document a line, skipping blank lines', async () => {
    const file = write('c.txt', 'a b c\n\n   \nd e\r\nf\n');
    expect(await collect(readCorpusDocuments(file))).toEqual(['a b c', 'd e', 'f']);
    expect(corpusFormatOf(file)).toBe('txt');
  });

  it('reads the text field of .jsonl lines and names file and line of a malformed one', async () => {
    const good = write('c.jsonl', '{"text":"a b","id":1}\n\n{"text":"c"}\n');
    expect(corpusFormatOf(good)).toBe('jsonl');
    expect(await collect(readCorpusDocuments(good))).toEqual(['a b', 'c']);
    const broken = write('broken.jsonl', '{"text":"a"}\n\n{"text": nope}\n');
    await expect(collect(readCorpusDocuments(broken))).rejects.toThrow(/broken\.jsonl:3: not valid JSON/);
    const noText = write('notext.jsonl', '{"text":"a"}\n{"body":"b"}\n');
    await expect(collect(readCorpusDocuments(noText))).rejects.toThrow(
      /notext\.jsonl:2: has no string field "text"/,
    );
    const array = write('array.jsonl', '[1,2]\n');
    await expect(collect(readCorpusDocuments(array))).rejects.toThrow(/array\.jsonl:1: is not a JSON object/);
  });

  it('names a missing file', async () => {
    await expect(collect(readCorpusDocuments('/nonexistent/corpus.txt'))).rejects.toThrow(
      /corpus\.txt: file not found/,
    );
    await expect(sha256File('/nonexistent/corpus.txt')).rejects.toThrow(/file not found/);
  });

  it('hashes the file bytes', async () => {
    const file = write('h.txt', 'a b\nc\n');
    const expected = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(await sha256File(file)).toBe(expected);
  });
});

describe('corpus windows', () => {
  it('joins documents with the separator, cuts windows of `context` and drops the tail', async () => {
    const file = write('w.txt', 'a b c\nd\n\ne f g a\nb\n');
    // Stream: a b c | 0 d | 0 e f g a | 0 b  → 2 3 4 0 5 0 6 7 8 2 0 3 (12 tokens)
    const windows = await collect(corpusWindows({ file, encode, separatorId: 0, context: 5 }));
    expect(windows.map((w) => Array.from(w))).toEqual([
      [2, 3, 4, 0, 5],
      [0, 6, 7, 8, 2],
    ]);
    const skipped = await collect(
      corpusWindows({ file, encode, separatorId: 0, context: 5, skipWindows: 1 }),
    );
    expect(skipped.map((w) => Array.from(w))).toEqual([[0, 6, 7, 8, 2]]);
  });

  it('is deterministic and skips documents that encode to nothing', async () => {
    const file = write('d.txt', 'a b\n   x\nc d e f g\n');
    const enc = (text: string): number[] => (text.trim() === 'x' ? [] : encode(text));
    const a = await collect(corpusWindows({ file, encode: enc, separatorId: 0, context: 4 }));
    const b = await collect(corpusWindows({ file, encode: enc, separatorId: 0, context: 4 }));
    expect(a.map((w) => Array.from(w))).toEqual([
      [2, 3, 0, 4],
      [5, 6, 7, 8],
    ]);
    expect(b).toEqual(a);
  });

  it('refuses a context below 2', async () => {
    const file = write('e.txt', 'a\n');
    await expect(collect(corpusWindows({ file, encode, separatorId: 0, context: 1 }))).rejects.toThrow(
      /context 1 must be an integer ≥ 2/,
    );
  });
});

describe('the document separator', () => {
  it('is eos_token_id, else bos_token_id, else the tokenizer <|endoftext|>', () => {
    expect(resolveSeparatorId(fakeTokenizer(true), { eos_token_id: 7, bos_token_id: 3 })).toBe(7);
    expect(resolveSeparatorId(fakeTokenizer(true), { eos_token_id: [5, 6] })).toBe(5);
    expect(resolveSeparatorId(fakeTokenizer(true), { bos_token_id: 3 })).toBe(3);
    expect(resolveSeparatorId(fakeTokenizer(true), {})).toBe(0);
    expect(() => resolveSeparatorId(fakeTokenizer(false), {})).toThrow(/no document separator/);
  });
});
