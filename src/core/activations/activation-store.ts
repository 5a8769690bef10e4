import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { throwIfAborted } from '../progress';
import { SeededRandom } from '../random';
import { readActivationsFileHeader, readActivationsFileActs } from './activations-file';
import { manifestFileName, readManifest, type ActivationManifest } from './manifest';
import { checkShardHeader, readShardActs } from './shard';

/*
 * Read side of extracted activations: a store folder (manifest.json + shards) or one safetensors file
 * with `acts` [N,M,D]. Rows come out raw (`readShard`) or as shuffled, optionally normalised batches
 * (`batches`) read through a buffer of a few shards. A checkpoint view (`selectCheckpoints`, or a
 * `*.json` view file naming a store and an order) holds the same rows with the checkpoints permuted
 * or a subset of them. Legend: N=rows B=batch M=checkpoints D=dModel.
 */

export interface BatchOptions {
  /** Rows a batch. */
  batchSize: number;
  /** Seed of the shuffle: same seed, same store, same options → same batches. */
  seed: number;
  /** Multiply checkpoint m's values by scale[m] (default true). */
  shouldNormalize?: boolean;
  /** Shards held at once; rows are shuffled within such a group (default 4). */
  bufferShards?: number;
  /** Passes over all rows; default endless. With a limit, the last batch may be short. */
  epochs?: number;
  signal?: AbortSignal;
  /** Called after each buffer fill with what it holds (tests, memory display). */
  onBuffer?: (buffer: { shards: number; rows: number }) => void;
}

export interface ActivationStore {
  /** The store folder or file. */
  source: string;
  /** The manifest of a store folder; null for a single file. */
  manifest: ActivationManifest | null;
  nCheckpoints: number;
  dModel: number;
  /** N: rows over all shards. */
  rows: number;
  /** Rows of each shard (a single file is one shard). */
  shardRows: readonly number[];
  /** s_m per checkpoint [M]. */
  scale: Float32Array;
  /** Where `scale` came from: the manifest, the file's metadata, or estimated from the rows at open. */
  scaleSource: 'manifest' | 'file' | 'estimated';
  /** Raw rows of shard i, float32 [n·M·D] (fp16 shards upcast). */
  readShard(index: number): Promise<Float32Array>;
  batches(options: BatchOptions): AsyncGenerator<Float32Array>;
}

/** Opens a store folder or a single activations file; checks every shard header against the manifest. */
export async function openActivationStore(
  pathOrDir: string,
  options: { allowIncomplete?: boolean } = {},
): Promise<ActivationStore> {
  const source = resolve(pathOrDir);
  const info = await stat(source).catch(() => null);
  if (info === null) throw new Error(`${source}: no such activation store or file`);
  if (info.isFile() && source.endsWith('.json')) return openCheckpointView(source, options);
  if (info.isFile()) return openActivationsFile(source);
  const manifest = await readManifest(source);
  if (manifest === null) throw new Error(`${source}: no ${manifestFileName}: not an activation store`);
  if (!manifest.complete && !options.allowIncomplete) {
    throw new Error(
      `${source}: extraction is not complete (${manifest.totalRows} of ${manifest.tokens} rows); ` +
        'run the same extract command again to finish it',
    );
  }
  const rows = manifest.shards.reduce((n, s) => n + s.rows, 0);
  if (rows !== manifest.totalRows) {
    throw new Error(
      `${join(source, manifestFileName)}: shards hold ${rows} rows but totalRows is ${manifest.totalRows}`,
    );
  }
  const { nCheckpoints, dModel, dtype } = manifest;
  if (manifest.scale.length !== nCheckpoints) {
    throw new Error(
      `${join(source, manifestFileName)}: ${manifest.scale.length} scale factors for ${nCheckpoints} checkpoints`,
    );
  }
  for (const shard of manifest.shards) {
    await checkShardHeader(join(source, shard.file), { rows: shard.rows, nCheckpoints, dModel, dtype });
  }
  return createStore({
    source,
    manifest,
    nCheckpoints,
    dModel,
    shardRows: manifest.shards.map((s) => s.rows),
    scale: Float32Array.from(manifest.scale),
    scaleSource: 'manifest',
    read: (i) => {
      const shard = manifest.shards[i]!;
      return readShardActs(join(source, shard.file), { rows: shard.rows, nCheckpoints, dModel, dtype });
    },
  });
}

async function openActivationsFile(file: string): Promise<ActivationStore> {
  const header = await readActivationsFileHeader(file);
  const { rows, nCheckpoints, dModel } = header;
  let scale = header.scale;
  if (scale === null) {
    // No factors saved with the file: estimate s_m = sqrt(D) / mean ‖x_m‖ over all its rows.
    const acts_NMD = await readActivationsFileActs(file, header);
    scale = estimateScale(acts_NMD, nCheckpoints, dModel);
  }
  return createStore({
    source: file,
    manifest: null,
    nCheckpoints,
    dModel,
    shardRows: [rows],
    scale,
    scaleSource: header.scale === null ? 'estimated' : 'file',
    read: () => readActivationsFileActs(file, header),
  });
}

/** s_m = sqrt(D) / mean_n ‖x[n,m]‖ over every row of acts [N,M,D]. */
export function estimateScale(acts_NMD: Float32Array, nCheckpoints: number, dModel: number): Float32Array {
  const rows = acts_NMD.length / (nCheckpoints * dModel);
  const sums = new Float64Array(nCheckpoints);
  for (let row = 0; row < rows; row++) {
    for (let m = 0; m < nCheckpoints; m++) {
      const offset = (row * nCheckpoints + m) * dModel;
      let sumSquares = 0;
      for (let j = 0; j < dModel; j++) sumSquares += acts_NMD[offset + j]! ** 2;
      sums[m]! += Math.sqrt(sumSquares);
    }
  }
  return Float32Array.from(sums, (sum) => (sum > 0 ? Math.sqrt(dModel) / (sum / rows) : 1));
}

/** A view file: the rows of `source` with its checkpoints `order` (order[k] = source position at k). */
export const checkpointViewSchema = z.object({
  format: z.literal('ctt-activations-view'),
  version: z.literal(1),
  /** Store folder or activations file; relative paths are relative to the view file's folder. */
  source: z.string().min(1),
  order: z.array(z.number().int().min(0)).min(1),
  /** The revisions at the view's positions, checked against the source's manifest when it has one. */
  revisions: z.array(z.string()).nullable(),
});
export type CheckpointView = z.infer<typeof checkpointViewSchema>;

async function openCheckpointView(
  file: string,
  options: { allowIncomplete?: boolean },
): Promise<ActivationStore> {
  let view: CheckpointView;
  try {
    view = checkpointViewSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch (error) {
    const detail = error instanceof z.ZodError ? error.issues[0]?.message : (error as Error).message;
    throw new Error(`${file}: not an activation view file (${detail ?? 'invalid'})`);
  }
  const sourcePath = resolve(dirname(file), view.source);
  if (sourcePath === file) throw new Error(`${file}: a view cannot name itself as its source`);
  const store = selectCheckpoints(await openActivationStore(sourcePath, options), view.order);
  const names = store.manifest?.revisions.map((r) => r.revision) ?? null;
  if (view.revisions !== null && names !== null && names.join(',') !== view.revisions.join(',')) {
    throw new Error(
      `${file}: the view names revisions [${view.revisions.join(', ')}] but selects [${names.join(', ')}] of ${sourcePath}`,
    );
  }
  return store;
}

/**
 * The same rows with only the checkpoints `order` (order[k] = the position in `store` of the view's
 * checkpoint k): a permutation, a subset, or one checkpoint. Batches with the same seed visit the same
 * rows in the same order as the source store's (the shuffle depends only on the shard sizes and seed).
 * The manifest, when there is one, lists the selected revisions and scale factors in the view's order;
 * `source` stays the source folder (its shard files and contexts are the view's).
 */
export function selectCheckpoints(store: ActivationStore, order: readonly number[]): ActivationStore {
  const m = store.nCheckpoints;
  const d = store.dModel;
  if (order.length === 0 || order.some((c) => !Number.isInteger(c) || c < 0 || c >= m)) {
    throw new Error(`checkpoint view [${order.join(', ')}] must pick positions 0…${m - 1} of the store`);
  }
  if (new Set(order).size !== order.length)
    throw new Error(`checkpoint view [${order.join(', ')}] repeats a checkpoint`);
  const k = order.length;
  const pick = <T>(values: readonly T[]): T[] => order.map((c) => values[c]!);
  const manifest: ActivationManifest | null =
    store.manifest === null
      ? null
      : {
          ...store.manifest,
          revisions: pick(store.manifest.revisions),
          nCheckpoints: k,
          shape: [store.manifest.shape[0], k, d],
          normSums: store.manifest.normSums.length === m ? pick(store.manifest.normSums) : [],
          scale: pick(store.manifest.scale),
        };
  return createStore({
    source: store.source,
    manifest,
    nCheckpoints: k,
    dModel: d,
    shardRows: [...store.shardRows],
    scale: Float32Array.from(order, (c) => store.scale[c]!),
    scaleSource: store.scaleSource,
    read: async (index) => {
      const rows_NMD = await store.readShard(index);
      const n = rows_NMD.length / (m * d);
      const out_NKD = new Float32Array(n * k * d);
      for (let row = 0; row < n; row++) {
        for (let j = 0; j < k; j++) {
          const from = (row * m + order[j]!) * d;
          out_NKD.set(rows_NMD.subarray(from, from + d), (row * k + j) * d);
        }
      }
      return out_NKD;
    },
  });
}

interface StoreParts {
  source: string;
  manifest: ActivationManifest | null;
  nCheckpoints: number;
  dModel: number;
  shardRows: number[];
  scale: Float32Array;
  scaleSource: ActivationStore['scaleSource'];
  read: (index: number) => Promise<Float32Array>;
}

function createStore(parts: StoreParts): ActivationStore {
  const store: ActivationStore = {
    source: parts.source,
    manifest: parts.manifest,
    nCheckpoints: parts.nCheckpoints,
    dModel: parts.dModel,
    rows: parts.shardRows.reduce((a, b) => a + b, 0),
    shardRows: parts.shardRows,
    scale: parts.scale,
    scaleSource: parts.scaleSource,
    async readShard(index) {
      if (!Number.isInteger(index) || index < 0 || index >= parts.shardRows.length) {
        throw new Error(`shard ${index} does not exist (the store has ${parts.shardRows.length})`);
      }
      return parts.read(index);
    },
    batches: (options) => shuffledBatches(store, options),
  };
  return store;
}

/**
 * Endless (or `epochs`-long) stream of batches [B·M·D]. Each epoch visits the shards in a seeded order,
 * `bufferShards` at a time; the rows of such a group are shuffled and cut into batches, a batch carrying
 * over into the next group and epoch. So every row appears exactly once per epoch, and memory holds one
 * group of shards plus one batch.
 */
async function* shuffledBatches(store: ActivationStore, options: BatchOptions): AsyncGenerator<Float32Array> {
  const { batchSize } = options;
  const bufferShards = options.bufferShards ?? 4;
  const epochs = options.epochs ?? Infinity;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`batch size ${batchSize} must be ≥ 1`);
  if (!Number.isInteger(bufferShards) || bufferShards < 1) throw new Error(`bufferShards must be ≥ 1`);
  if (store.rows === 0) throw new Error(`${store.source}: the store has no rows`);
  const width = store.nCheckpoints * store.dModel;
  const factors = options.shouldNormalize === false ? null : store.scale;
  const rng = new SeededRandom(options.seed);
  let batch_BMD = new Float32Array(batchSize * width);
  let filled = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.shuffle(store.shardRows.map((_, i) => i));
    for (let g = 0; g < order.length; g += bufferShards) {
      throwIfAborted(options.signal);
      const group = order.slice(g, g + bufferShards);
      const buffers: Float32Array[] = [];
      for (const index of group) buffers.push(await store.readShard(index));
      const { bufferOf, rowOf } = groupRows(group.map((i) => store.shardRows[i]!));
      options.onBuffer?.({ shards: buffers.length, rows: rowOf.length });
      const permutation = rng.shuffle(Array.from(rowOf, (_, k) => k));
      for (const k of permutation) {
        const source_MD = buffers[bufferOf[k]!]!.subarray(rowOf[k]! * width, (rowOf[k]! + 1) * width);
        copyRow(batch_BMD, filled * width, source_MD, factors, store.dModel);
        filled++;
        if (filled === batchSize) {
          yield batch_BMD;
          throwIfAborted(options.signal);
          batch_BMD = new Float32Array(batchSize * width); // the consumer may keep the yielded batch
          filled = 0;
        }
      }
      buffers.length = 0; // let the group go before the next one is read
    }
  }
  if (filled > 0) yield batch_BMD.subarray(0, filled * width);
}

/** For each row of a group of shards: which shard buffer holds it, and at which row. */
function groupRows(rowsPerShard: readonly number[]): { bufferOf: Int32Array; rowOf: Int32Array } {
  const total = rowsPerShard.reduce((a, b) => a + b, 0);
  const bufferOf = new Int32Array(total);
  const rowOf = new Int32Array(total);
  let k = 0;
  rowsPerShard.forEach((rows, b) => {
    for (let r = 0; r < rows; r++, k++) {
      bufferOf[k] = b;
      rowOf[k] = r;
    }
  });
  return { bufferOf, rowOf };
}

function copyRow(
  target: Float32Array,
  offset: number,
  source_MD: Float32Array,
  factors: Float32Array | null,
  dModel: number,
): void {
  if (factors === null) {
    target.set(source_MD, offset);
    return;
  }
  for (let m = 0; m < factors.length; m++) {
    const s = factors[m]!;
    const base = m * dModel;
    for (let j = 0; j < dModel; j++) target[offset + base + j] = source_MD[base + j]! * s;
  }
}
