import { throwIfAborted, yieldToEventLoop } from '../progress';
import type { ActivationDtype } from './manifest';
import { readResiduals, type CheckpointLoader, type ResidualModel } from './residual-model';
import type { ShardContent } from './shard';

// The work of one shard: residuals of every checkpoint on the shard's windows into acts [N,M,D], then
// the checks and norm sums that run before it is written.
// Legend: N=rows M=checkpoints D=dModel W=windows T=context P=rows a window (T or T−1).

export interface ShardWork {
  checkpoints: readonly { revision: string; path: string }[];
  /** Loaded models by checkpoint; null where the model is loaded for this shard only. */
  models: readonly (ResidualModel | null)[];
  loader: CheckpointLoader;
  layer: number;
  batchSize: number;
  dModel: number;
  /** P: rows a window gives (T, or T − 1 without position 0). */
  rowsPerWindow: number;
  signal?: AbortSignal;
}

/** Fills acts [N,M,D] and the row indices of one shard; `report` gets the rows done (by work share). */
export async function computeShard(
  work: ShardWork,
  windows_WT: readonly Int32Array[],
  firstWindow: number,
  rows: number,
  report: (rowsDone: number) => void,
): Promise<ShardContent> {
  const { rowsPerWindow: p, dModel: d, batchSize } = work;
  const nCheckpoints = work.checkpoints.length;
  const firstPosition = windows_WT[0]!.length - p;
  const acts_NMD = new Float32Array(rows * nCheckpoints * d);
  const batches = Math.ceil(windows_WT.length / batchSize);
  for (const [m, checkpoint] of work.checkpoints.entries()) {
    const resident = work.models[m] ?? null;
    const model = resident ?? (await work.loader(checkpoint.path)).model;
    try {
      for (let b = 0; b < batches; b++) {
        throwIfAborted(work.signal);
        const chunk = windows_WT.slice(b * batchSize, (b + 1) * batchSize);
        const resid_BPD = await readResiduals(model, chunk, work.layer, firstPosition);
        for (let w = 0; w < chunk.length; w++) {
          for (let q = 0; q < p; q++) {
            const row = (b * batchSize + w) * p + q;
            if (row >= rows) break;
            const from = (w * p + q) * d;
            acts_NMD.set(resid_BPD.subarray(from, from + d), (row * nCheckpoints + m) * d);
          }
        }
        report(Math.round((rows * (m * batches + b + 1)) / (nCheckpoints * batches)));
        await yieldToEventLoop();
      }
    } finally {
      if (resident === null) model.dispose();
    }
  }
  return { ...shardIndices(windows_WT, firstWindow, rows, p), acts_NMD };
}

/** token_ids, window, position [N] and context_ids [W,T] of a shard whose rows run window by window. */
function shardIndices(
  windows_WT: readonly Int32Array[],
  firstWindow: number,
  rows: number,
  p: number,
): Omit<ShardContent, 'acts_NMD'> {
  const t = windows_WT[0]!.length;
  const firstPosition = t - p;
  const tokenIds_N = new Int32Array(rows);
  const window_N = new Int32Array(rows);
  const position_N = new Int32Array(rows);
  const contextIds_WT = new Int32Array(windows_WT.length * t);
  windows_WT.forEach((w, i) => contextIds_WT.set(w, i * t));
  for (let row = 0; row < rows; row++) {
    const w = Math.floor(row / p);
    const position = firstPosition + (row % p);
    tokenIds_N[row] = windows_WT[w]![position]!;
    window_N[row] = firstWindow + w;
    position_N[row] = position;
  }
  return { tokenIds_N, window_N, position_N, contextIds_WT };
}

/** Largest finite float16 value; larger activations would be stored as ±inf. */
const float16Max = 65504;

/**
 * Checks every value (finite, and within float16 range when stored so), naming shard, row, window,
 * position and checkpoint of the first bad one; returns Σ‖x_m‖₂ over the rows at position ≥ 1 and
 * their count (position 0 never enters the scale estimate).
 */
export function measureShard(
  content: ShardContent,
  shard: { index: number; revisions: readonly string[]; dModel: number; dtype: ActivationDtype },
): { normSums: number[]; normRows: number } {
  const { acts_NMD, position_N, window_N } = content;
  const nCheckpoints = shard.revisions.length;
  const d = shard.dModel;
  const normSums = new Array<number>(nCheckpoints).fill(0);
  let normRows = 0;
  for (let row = 0; row < position_N.length; row++) {
    const isCounted = position_N[row]! >= 1;
    if (isCounted) normRows++;
    for (let m = 0; m < nCheckpoints; m++) {
      const offset = (row * nCheckpoints + m) * d;
      let sumSquares = 0;
      for (let j = 0; j < d; j++) {
        const x = acts_NMD[offset + j]!;
        if (!Number.isFinite(x) || (shard.dtype === 'F16' && Math.abs(x) > float16Max)) {
          const where =
            `shard ${shard.index} row ${row} (window ${window_N[row]}, position ${position_N[row]}), ` +
            `checkpoint ${shard.revisions[m]}`;
          throw new Error(
            Number.isFinite(x)
              ? `${where}: activation ${x} does not fit float16; extract with dtype F32`
              : `${where}: activation is ${x}`,
          );
        }
        sumSquares += x * x;
      }
      if (isCounted) normSums[m]! += Math.sqrt(sumSquares);
    }
  }
  return { normSums, normRows };
}
