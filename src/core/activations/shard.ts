import { elementCount } from '../hf/host-tensor';
import { ModelFileError, readSafetensors, readSafetensorsHeader, writeSafetensors } from '../hf/safetensors';
import type { ActivationDtype } from './manifest';

/*
 * One shard of an activation store: a safetensors file with
 *   acts        [N,M,D] F16 or F32   residuals after block `layer`, raw (not scaled)
 *   token_ids   [N]     I32          the token at each row
 *   window      [N]     I32          index of the row's window in the corpus window stream
 *   position    [N]     I32          position of the row in its window (≥ 1 when position 0 is excluded)
 *   context_ids [W,T]   I32          the shard's windows, so dashboards can show contexts without the corpus
 * Legend: N=rows M=checkpoints D=dModel W=windows T=context.
 */

export const shardFileName = (index: number): string => `shard-${String(index).padStart(5, '0')}.safetensors`;
export const isStoreFileName = (name: string): boolean =>
  /^shard-\d{5}\.safetensors(\.tmp-\d+)?$/.test(name) || /^manifest\.json\.tmp-\d+$/.test(name);
export const isTempFileName = (name: string): boolean => /\.tmp-\d+$/.test(name);

export interface ShardContent {
  acts_NMD: Float32Array;
  tokenIds_N: Int32Array;
  window_N: Int32Array;
  position_N: Int32Array;
  contextIds_WT: Int32Array;
}

export interface ShardShape {
  rows: number;
  nCheckpoints: number;
  dModel: number;
  dtype: ActivationDtype;
}

export async function writeShard(
  path: string,
  content: ShardContent,
  shape: ShardShape & { windows: number; context: number },
): Promise<void> {
  const { rows, nCheckpoints, dModel, windows, context } = shape;
  await writeSafetensors(
    path,
    {
      acts: { shape: [rows, nCheckpoints, dModel], data: content.acts_NMD, dtype: shape.dtype },
      token_ids: { shape: [rows], data: content.tokenIds_N },
      window: { shape: [rows], data: content.window_N },
      position: { shape: [rows], data: content.position_N },
      context_ids: { shape: [windows, context], data: content.contextIds_WT },
    },
    { format: 'ctt-activations-shard' },
  );
}

/** Checks the header of a shard against what the manifest says it holds; names the file on mismatch. */
export async function checkShardHeader(path: string, expected: ShardShape): Promise<void> {
  const header = await readSafetensorsHeader(path);
  const acts = header.tensors.get('acts');
  if (acts === undefined) throw new ModelFileError(path, 'has no tensor "acts"');
  const want = [expected.rows, expected.nCheckpoints, expected.dModel];
  if (acts.shape.join(',') !== want.join(',')) {
    throw new ModelFileError(
      path,
      `acts has shape [${acts.shape.join(',')}] but the manifest says [${want.join(',')}]`,
    );
  }
  if (acts.dtype !== expected.dtype) {
    throw new ModelFileError(path, `acts is ${acts.dtype} but the manifest says ${expected.dtype}`);
  }
}

/** First non-finite value of acts [N,M,D] as {row, checkpoint}, or null. */
export function findNonFinite(
  acts_NMD: Float32Array,
  nCheckpoints: number,
  dModel: number,
): { row: number; checkpoint: number } | null {
  for (let i = 0; i < acts_NMD.length; i++) {
    const x = acts_NMD[i]!;
    if (x - x !== 0) {
      const vector = Math.floor(i / dModel);
      return { row: Math.floor(vector / nCheckpoints), checkpoint: vector % nCheckpoints };
    }
  }
  return null;
}

/** Reads `acts` of a shard as float32 [N·M·D], after checking its header and that every value is finite. */
export async function readShardActs(path: string, expected: ShardShape): Promise<Float32Array> {
  await checkShardHeader(path, expected);
  const acts = (await readSafetensors(path, { names: ['acts'] })).get('acts')!;
  const data = acts.data as Float32Array;
  if (data.length !== elementCount(acts.shape)) throw new ModelFileError(path, 'acts has the wrong size');
  const bad = findNonFinite(data, expected.nCheckpoints, expected.dModel);
  if (bad !== null) {
    throw new ModelFileError(path, `acts row ${bad.row}, checkpoint ${bad.checkpoint} is not finite`);
  }
  return data;
}
