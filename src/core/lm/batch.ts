/**
 * Padding of token sequences into one [B,T] batch. Position ids count real tokens only, so a
 * left-padded sequence gets the same rotary positions as unpadded; the key mask keeps pads out of
 * attention. Plain arrays: no tensors are created here.
 */
export interface TokenBatch {
  batchSize: number;
  length: number;
  /** Token ids [B·T], row-major; pads hold `padId`. */
  ids: Int32Array;
  /** 1 for a real token, 0 for padding [B·T]. */
  mask: Int32Array;
  /** Position id of every slot [B·T]: 0, 1, … over real tokens (pads get 0). */
  positions: Int32Array;
  /** Real length of each sequence. */
  lengths: number[];
  /** Index in the row of each sequence's first real token (left padding: T − length). */
  offsets: number[];
  side: 'left' | 'right';
}

export function padBatch(
  sequences: readonly (readonly number[])[],
  options: { padId?: number; side?: 'left' | 'right'; length?: number } = {},
): TokenBatch {
  const padId = options.padId ?? 0;
  const side = options.side ?? 'right';
  if (sequences.length === 0) throw new Error('padBatch: no sequences');
  const longest = Math.max(...sequences.map((s) => s.length));
  if (longest === 0) throw new Error('padBatch: every sequence is empty');
  const length = options.length ?? longest;
  if (length < longest)
    throw new Error(`padBatch: length ${length} is shorter than a sequence of ${longest}`);
  const batchSize = sequences.length;
  const ids = new Int32Array(batchSize * length).fill(padId);
  const mask = new Int32Array(batchSize * length);
  const positions = new Int32Array(batchSize * length);
  const offsets: number[] = [];
  sequences.forEach((sequence, b) => {
    const offset = side === 'left' ? length - sequence.length : 0;
    offsets.push(offset);
    sequence.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0)
        throw new Error(`padBatch: token id ${id} at ${b},${i} is not a valid id`);
      const slot = b * length + offset + i;
      ids[slot] = id;
      mask[slot] = 1;
      positions[slot] = i;
    });
  });
  return { batchSize, length, ids, mask, positions, lengths: sequences.map((s) => s.length), offsets, side };
}
