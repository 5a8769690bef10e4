import { ModelFileError, readSafetensors, readSafetensorsHeader, writeSafetensors } from '../hf/safetensors';
import type { ActivationStore } from './activation-store';
import { findNonFinite } from './shard';

/*
 * The single-file form of activations: one safetensors file with `acts` [N,M,D] (float32; F16 and BF16
 * are read too), accepted wherever activations are. Metadata `scale` (a JSON list of M numbers) carries
 * the per-checkpoint factors; without it, readers estimate them from the rows. The whole tensor is read
 * at once, so this form suits what fits in RAM; large extractions stay sharded.
 * Legend: N=rows M=checkpoints D=dModel.
 */

export interface ActivationsFileHeader {
  file: string;
  rows: number;
  nCheckpoints: number;
  dModel: number;
  /** s_m from the metadata, or null when the file has none. */
  scale: Float32Array | null;
  metadata: Record<string, string>;
}

function parseScale(file: string, text: string | undefined, nCheckpoints: number): Float32Array | null {
  if (text === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ModelFileError(file, `__metadata__.scale is not JSON: ${text.slice(0, 60)}`);
  }
  const isValid =
    Array.isArray(parsed) &&
    parsed.length === nCheckpoints &&
    parsed.every((s) => typeof s === 'number' && Number.isFinite(s) && s > 0);
  if (!isValid) {
    throw new ModelFileError(
      file,
      `__metadata__.scale must list ${nCheckpoints} positive numbers, got ${text}`,
    );
  }
  return Float32Array.from(parsed as number[]);
}

export async function readActivationsFileHeader(file: string): Promise<ActivationsFileHeader> {
  const header = await readSafetensorsHeader(file);
  const acts = header.tensors.get('acts');
  if (acts === undefined) throw new ModelFileError(file, 'has no tensor "acts" [N,M,d]');
  if (acts.shape.length !== 3) {
    throw new ModelFileError(file, `acts has shape [${acts.shape.join(',')}], expected [N,M,d]`);
  }
  if (!['F32', 'F16', 'BF16'].includes(acts.dtype)) {
    throw new ModelFileError(file, `acts is ${acts.dtype}; expected F32 (or F16, BF16)`);
  }
  const [rows, nCheckpoints, dModel] = acts.shape as [number, number, number];
  if (nCheckpoints < 1 || dModel < 1) {
    throw new ModelFileError(file, `acts has shape [${acts.shape.join(',')}]: M and d must be ≥ 1`);
  }
  return {
    file,
    rows,
    nCheckpoints,
    dModel,
    scale: parseScale(file, header.metadata['scale'], nCheckpoints),
    metadata: header.metadata,
  };
}

/** `acts` as float32 [N·M·D], after checking that every value is finite. */
export async function readActivationsFileActs(
  file: string,
  header: ActivationsFileHeader,
): Promise<Float32Array> {
  const acts = (await readSafetensors(file, { names: ['acts'] })).get('acts')!;
  const data = acts.data as Float32Array;
  const bad = findNonFinite(data, header.nCheckpoints, header.dModel);
  if (bad !== null) {
    throw new ModelFileError(file, `acts row ${bad.row}, checkpoint ${bad.checkpoint} is not finite`);
  }
  return data;
}

/** Writes acts [N,M,D] as float32 with optional scale factors and string metadata. */
export async function writeActivationsFile(
  file: string,
  content: {
    acts_NMD: Float32Array;
    nCheckpoints: number;
    dModel: number;
    scale?: ArrayLike<number>;
    metadata?: Record<string, string>;
  },
): Promise<void> {
  const { acts_NMD, nCheckpoints, dModel } = content;
  const rows = acts_NMD.length / (nCheckpoints * dModel);
  if (!Number.isInteger(rows)) {
    throw new Error(`acts has ${acts_NMD.length} values, not a multiple of M·d = ${nCheckpoints * dModel}`);
  }
  const metadata: Record<string, string> = { format: 'ctt-activations-file', ...content.metadata };
  if (content.scale !== undefined) metadata['scale'] = JSON.stringify(Array.from(content.scale));
  await writeSafetensors(
    file,
    { acts: { shape: [rows, nCheckpoints, dModel], data: acts_NMD, dtype: 'F32' } },
    metadata,
  );
}

/**
 * Concatenates a store's shards into one float32 file (with its scale factors and, for a store folder,
 * model, revisions and layer). Holds N·M·D float32 values in RAM.
 */
export async function exportActivationsFile(store: ActivationStore, file: string): Promise<void> {
  const width = store.nCheckpoints * store.dModel;
  const acts_NMD = new Float32Array(store.rows * width);
  let row = 0;
  for (const [i, rows] of store.shardRows.entries()) {
    acts_NMD.set(await store.readShard(i), row * width);
    row += rows;
  }
  const m = store.manifest;
  await writeActivationsFile(file, {
    acts_NMD,
    nCheckpoints: store.nCheckpoints,
    dModel: store.dModel,
    scale: store.scale,
    metadata:
      m === null
        ? {}
        : { model: m.model, revisions: m.revisions.map((r) => r.revision).join(','), layer: String(m.layer) },
  });
}
