/**
 * Where each checkpoint sits on the x axis of the accuracy chart. Tokens seen on a log axis when every
 * checkpoint has a count; a log axis has no 0, so step 0 is drawn at half the smallest positive count.
 * When some checkpoint has no count, every checkpoint is placed by order instead, and a note says so.
 */
export interface AccuracyPoint {
  revision: string;
  tokensSeen: number | null;
  accuracy: number | null;
}

export interface AccuracyAxis {
  mode: 'log' | 'order';
  data: Array<AccuracyPoint & { x: number }>;
  domain: [number, number];
  ticks: number[];
  /** What the reader must know about the x axis, or null. */
  note: string | null;
}

export function accuracyAxis(points: readonly AccuracyPoint[]): AccuracyAxis {
  const unknown = points.filter((p) => p.tokensSeen === null || p.tokensSeen < 0);
  const positive = points.map((p) => p.tokensSeen).filter((t): t is number => t !== null && t > 0);
  if (unknown.length > 0 || positive.length === 0) {
    const n = points.length;
    return {
      mode: 'order',
      data: points.map((p, i) => ({ ...p, x: i + 1 })),
      domain: [0.5, n + 0.5],
      ticks: points.map((_, i) => i + 1),
      note:
        unknown.length > 0
          ? `${unknown.length} of ${n} checkpoints have no tokens-seen count (no step in the revision name, or ` +
            'no tokens per step): checkpoints are placed in order, evenly spaced, not by tokens.'
          : 'No checkpoint has a positive tokens-seen count: checkpoints are placed in order.',
    };
  }
  const smallest = Math.min(...positive);
  const zeroX = smallest / 2;
  const hasZero = points.some((p) => p.tokensSeen === 0);
  const lowest = hasZero ? zeroX : smallest;
  const low = Math.floor(Math.log10(lowest));
  let high = Math.ceil(Math.log10(Math.max(...positive)));
  if (high <= low) high = low + 1;
  return {
    mode: 'log',
    data: points.map((p) => ({ ...p, x: p.tokensSeen === 0 ? zeroX : p.tokensSeen! })),
    domain: [10 ** low, 10 ** high],
    ticks: Array.from({ length: high - low + 1 }, (_, i) => 10 ** (low + i)),
    note: hasZero ? 'A log axis has no 0: step 0 is drawn at half the smallest positive tokens seen.' : null,
  };
}
