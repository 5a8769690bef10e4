import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import type { LmTokenizer } from '../hf/tokenizer';
import { throwIfAborted } from '../progress';

/*
 * A text corpus as a stream of token windows. A corpus file is `.txt` (one document a line) or `.jsonl`
 * (one JSON object a line with a string field `text`); blank lines are skipped in both. Documents are
 * tokenized without special tokens and joined with the EOS id into one stream, which is cut into
 * consecutive windows of `context` tokens (a window may span documents, as in Pythia's packing); the
 * tail shorter than a window is dropped. Everything streams: only one document and one window are held.
 * T=context.
 */

export type CorpusFormat = 'txt' | 'jsonl';

/** A malformed corpus line; names file and 1-based line. */
export class CorpusFileError extends Error {
  constructor(
    readonly file: string,
    readonly line: number | null,
    problem: string,
  ) {
    super(`${file}${line === null ? '' : `:${line}`}: ${problem}`);
    this.name = 'CorpusFileError';
  }
}

/** `.jsonl` (and `.ndjson`) files are JSON lines; anything else is plain text. */
export const corpusFormatOf = (file: string): CorpusFormat =>
  ['.jsonl', '.ndjson'].includes(extname(file).toLowerCase()) ? 'jsonl' : 'txt';

/** sha256 of a file's bytes (hex), read in a stream. */
export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CorpusFileError(file, null, code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
  return hash.digest('hex');
}

function parseJsonLine(file: string, lineNumber: number, line: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (error) {
    throw new CorpusFileError(file, lineNumber, `not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CorpusFileError(file, lineNumber, 'is not a JSON object');
  }
  const text = (parsed as Record<string, unknown>)['text'];
  if (typeof text !== 'string') {
    throw new CorpusFileError(file, lineNumber, 'has no string field "text"');
  }
  return text;
}

/** The documents of a corpus file, one at a time, in file order. */
export async function* readCorpusDocuments(file: string): AsyncGenerator<string> {
  const format = corpusFormatOf(file);
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CorpusFileError(file, null, code === 'ENOENT' ? 'file not found' : `cannot read (${code})`);
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      yield format === 'jsonl' ? parseJsonLine(file, lineNumber, line) : line;
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

/**
 * The id that separates documents: config.json's `eos_token_id`, else `bos_token_id` (GPT-NeoX uses
 * one `<|endoftext|>` for both), else the tokenizer's `<|endoftext|>`.
 */
export function resolveSeparatorId(tokenizer: LmTokenizer, rawConfig: Record<string, unknown>): number {
  for (const key of ['eos_token_id', 'bos_token_id']) {
    const value = rawConfig[key];
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
    // Some configs list several EOS ids; the first is the document separator.
    if (Array.isArray(value) && typeof value[0] === 'number') return value[0];
  }
  const ids = tokenizer.encode('<|endoftext|>', { addSpecialTokens: false });
  if (ids.length === 1 && ids[0] !== tokenizer.unkId) return ids[0]!;
  throw new Error(
    `${tokenizer.path}: no document separator: config.json has no eos_token_id or bos_token_id and ` +
      'the tokenizer has no <|endoftext|> token',
  );
}

export interface CorpusWindowOptions {
  file: string;
  encode: (text: string) => number[];
  separatorId: number;
  /** Tokens a window. */
  context: number;
  /** Windows to skip at the start (resume); they are tokenized but not yielded. */
  skipWindows?: number;
  signal?: AbortSignal;
}

/** Consecutive windows [T] of the joined token stream, starting at window `skipWindows`. */
export async function* corpusWindows(options: CorpusWindowOptions): AsyncGenerator<Int32Array> {
  const { context } = options;
  if (!Number.isInteger(context) || context < 2) throw new Error(`context ${context} must be an integer ≥ 2`);
  let skip = options.skipWindows ?? 0;
  let window_T = new Int32Array(context);
  let filled = 0;
  let isFirstDocument = true;
  for await (const document of readCorpusDocuments(options.file)) {
    throwIfAborted(options.signal);
    const ids = options.encode(document);
    if (ids.length === 0) continue;
    const tokens = isFirstDocument ? ids : [options.separatorId, ...ids];
    isFirstDocument = false;
    for (const id of tokens) {
      window_T[filled++] = id;
      if (filled < context) continue;
      filled = 0;
      if (skip > 0) {
        skip--;
        continue;
      }
      yield window_T;
      window_T = new Int32Array(context); // the consumer may keep the yielded window
    }
  }
}
