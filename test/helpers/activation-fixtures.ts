import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import {
  activationsFormat,
  scaleFromNormSums,
  writeManifest,
  type ActivationDtype,
  type ActivationManifest,
} from '../../src/core/activations/manifest';
import type { CheckpointLoader, ResidualModel } from '../../src/core/activations/residual-model';
import { shardFileName, writeShard } from '../../src/core/activations/shard';
import { loadTokenizer } from '../../src/core/hf/tokenizer';

// Activation test fixtures: a fake checkpoint loader (cheap residuals computed from ids and positions)
// and synthetic stores whose every value names its row. Legend: B=batch T=context D=dModel M=checkpoints.

export const demoRoot = join(import.meta.dirname, '..', '..', 'resources', 'demo');
export const demoFamily = join(demoRoot, 'models', 'demo-lm');
export const demoCorpus = join(demoRoot, 'corpus.txt');

export interface FakeLoaderOptions {
  dModel?: number;
  nLayers?: number;
  /** Residual value at (checkpoint path, token id, position, dim); default a smooth function of all four. */
  value?: (path: string, id: number, position: number, j: number) => number;
}

/**
 * A loader whose models return residuals [B,T,D] computed on the host, with the demo tokenizer and
 * eos_token_id 0. `live()` counts models not yet disposed.
 */
export function fakeCheckpointLoader(options: FakeLoaderOptions = {}): {
  loader: CheckpointLoader;
  live(): number;
  loads(): number;
} {
  const d = options.dModel ?? 4;
  const nLayers = options.nLayers ?? 2;
  const value =
    options.value ??
    ((path: string, id: number, position: number, j: number) =>
      Math.sin(id * 0.37 + position * 0.11 + j * 1.3) + path.length * 0.01);
  let live = 0;
  let loads = 0;
  const loader: CheckpointLoader = async (path) => {
    const tokenizer = await loadTokenizer(join(demoFamily, 'step100'));
    live++;
    loads++;
    let isDisposed = false;
    const model: ResidualModel = {
      config: { dModel: d, nLayers, vocabSize: 262 },
      forward(batch, forwardOptions) {
        const { batchSize: b, length: t } = batch;
        const data = new Float32Array(b * t * d);
        for (let i = 0; i < b * t; i++) {
          for (let j = 0; j < d; j++) data[i * d + j] = value(path, batch.ids[i]!, i % t, j);
        }
        const residuals = new Map<number, tf.Tensor3D>();
        for (const layer of forwardOptions.readLayers ?? [])
          residuals.set(layer, tf.tensor3d(data, [b, t, d]));
        return { logits_BTV: null, residuals };
      },
      dispose() {
        if (!isDisposed) live--;
        isDisposed = true;
      },
    };
    return { model, tokenizer, rawConfig: { eos_token_id: 0 } };
  };
  return { loader, live: () => live, loads: () => loads };
}

/** Value of a synthetic store at (global row, checkpoint, dim): the row is recoverable from dim 0. */
export const syntheticValue = (row: number, m: number, j: number): number => row + 0.25 * m + 0.01 * j;

/**
 * A complete store folder with shards of the given row counts, written with the real shard writer;
 * acts[row, m, j] = syntheticValue(row, m, j). Scale factors from the rows' norms as extraction does.
 */
export async function writeSyntheticStore(
  dir: string,
  options: { shardRows: number[]; nCheckpoints?: number; dModel?: number; dtype?: ActivationDtype },
): Promise<ActivationManifest> {
  const nCheckpoints = options.nCheckpoints ?? 2;
  const d = options.dModel ?? 3;
  const dtype = options.dtype ?? 'F32';
  mkdirSync(dir, { recursive: true });
  const normSums = new Array<number>(nCheckpoints).fill(0);
  const shards: ActivationManifest['shards'] = [];
  let row0 = 0;
  for (const [index, rows] of options.shardRows.entries()) {
    const acts = new Float32Array(rows * nCheckpoints * d);
    for (let r = 0; r < rows; r++) {
      for (let m = 0; m < nCheckpoints; m++) {
        let sumSquares = 0;
        for (let j = 0; j < d; j++) {
          const x = syntheticValue(row0 + r, m, j);
          acts[(r * nCheckpoints + m) * d + j] = x;
          sumSquares += x * x;
        }
        normSums[m]! += Math.sqrt(sumSquares);
      }
    }
    const ids = Int32Array.from({ length: rows }, (_, r) => (row0 + r) % 7);
    await writeShard(
      join(dir, shardFileName(index)),
      {
        acts_NMD: acts,
        tokenIds_N: ids,
        window_N: Int32Array.from({ length: rows }, (_, r) => row0 + r),
        position_N: new Int32Array(rows).fill(1),
        contextIds_WT: new Int32Array(rows * 2),
      },
      { rows, nCheckpoints, dModel: d, dtype, windows: rows, context: 2 },
    );
    shards.push({ file: shardFileName(index), rows, firstWindow: row0, windows: rows });
    row0 += rows;
  }
  const time = new Date(0).toISOString();
  const manifest: ActivationManifest = {
    format: activationsFormat,
    version: 1,
    model: 'synthetic',
    revisions: Array.from({ length: nCheckpoints }, (_, m) => ({
      revision: `r${m}`,
      path: `/r${m}`,
      tokensSeen: null,
    })),
    layer: 0,
    context: 2,
    excludeFirstPosition: true,
    dtype,
    dModel: d,
    nCheckpoints,
    shape: [row0, nCheckpoints, d],
    tokens: row0,
    windowsPerShard: Math.max(...options.shardRows),
    separatorId: 0,
    corpus: { file: '/synthetic.txt', sha256: '0'.repeat(64), format: 'txt' },
    shards,
    totalRows: row0,
    normSums,
    normRows: row0,
    scale: scaleFromNormSums(normSums, row0, d),
    createdAt: time,
    updatedAt: time,
    complete: true,
    corpusExhausted: false,
  };
  await writeManifest(dir, manifest);
  return manifest;
}
