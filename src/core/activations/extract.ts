import { dirname, join, resolve } from 'node:path';
import type { LmTokenizer } from '../hf/tokenizer';
import { throwIfAborted, type ProgressListener } from '../progress';
import { corpusFormatOf, corpusWindows, resolveSeparatorId, sha256File } from './corpus';
import { prepareFolder, readStoredManifest } from './extract-folder';
import { computeShard, measureShard, type ShardWork } from './extract-shard';
import {
  activationsFormat,
  scaleFromNormSums,
  writeManifest,
  type ActivationDtype,
  type ActivationManifest,
} from './manifest';
import { loadCheckpoint, type CheckpointLoader, type ResidualModel } from './residual-model';
import { shardFileName, writeShard, type ShardContent } from './shard';

/*
 * Activation extraction (docs/decisions/0005): the residual after block `layer` of M checkpoints on the
 * same corpus windows, written as shards of whole windows plus manifest.json. RAM holds the M models,
 * one shard [N,M,D] in float32 and one batch of residuals; the corpus streams. A shard is written
 * atomically, then the manifest; a rerun with the same parameters continues after the last listed shard
 * and produces the same bytes as an uninterrupted run.
 * Legend: B=batch (windows) T=context P=rows a window (T or T−1) D=dModel M=checkpoints N=rows.
 */

export interface ExtractCheckpoint {
  revision: string;
  path: string;
  tokensSeen?: number | null;
}

export interface ExtractActivationsOptions {
  /** M checkpoints of one family, in the order of the M axis. */
  checkpoints: readonly ExtractCheckpoint[];
  /** Family label stored in the manifest (folder or repo id); default: the first checkpoint's parent. */
  model?: string;
  /** Block whose output residual is read (0-based). */
  layer: number;
  /** Corpus file (.txt or .jsonl). */
  corpus: string;
  /** Tokens a window. */
  context: number;
  /** Rows to extract (tokens, position 0 not counted when excluded). */
  tokens: number;
  dtype?: ActivationDtype;
  outDir: string;
  /** Windows a forward pass. */
  batchSize?: number;
  /** Rows a shard, rounded down to whole windows. */
  shardRows?: number;
  excludeFirstPosition?: boolean;
  /**
   * `all`: every model stays loaded (fast; RAM = M models). `one`: each shard loads and disposes each
   * model in turn (RAM = one model; every shard pays M loads, so use large shards).
   */
  modelResidency?: 'all' | 'one';
  signal?: AbortSignal;
  /** step/total count rows of this call (so an ETA stays right after a resume). */
  onProgress?: ProgressListener;
  /** Loads a checkpoint folder (default: the project's GPT-NeoX runtime); tests pass fakes. */
  loadCheckpoint?: CheckpointLoader;
  /** Clock for createdAt / updatedAt. */
  now?: () => Date;
}

export interface ExtractActivationsResult {
  manifest: ActivationManifest;
  outDir: string;
  /** Rows that were already on disk when this call started. */
  resumedRows: number;
  /** Rows written by this call. */
  extractedRows: number;
  elapsedMs: number;
  /** Rows (token positions, each through all M checkpoints) per second in this call. */
  tokensPerSecond: number;
}

export const defaultShardRows = 8192;
export const defaultBatchSize = 16;

interface Plan {
  options: Required<
    Pick<ExtractActivationsOptions, 'batchSize' | 'excludeFirstPosition' | 'dtype' | 'modelResidency'>
  > &
    ExtractActivationsOptions;
  outDir: string;
  corpusSha256: string;
  rowsPerWindow: number;
  windowsNeeded: number;
  loader: CheckpointLoader;
  now: () => Date;
}

function checkOptions(options: ExtractActivationsOptions): void {
  const isCount = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
  if (options.checkpoints.length === 0) throw new Error('extract: no checkpoints given');
  const names = options.checkpoints.map((c) => c.revision);
  if (new Set(names).size !== names.length) throw new Error(`extract: revisions repeat: ${names.join(',')}`);
  if (!isCount(options.layer, 0)) throw new Error(`extract: layer ${options.layer} is not an integer ≥ 0`);
  if (!isCount(options.context, 2)) throw new Error(`extract: context ${options.context} must be ≥ 2`);
  if (!isCount(options.tokens, 1)) throw new Error(`extract: tokens ${options.tokens} must be ≥ 1`);
  if (!isCount(options.batchSize ?? 1, 1)) throw new Error(`extract: batch size must be ≥ 1`);
  if (!isCount(options.shardRows ?? 1, 1)) throw new Error(`extract: shard rows must be ≥ 1`);
}

async function makePlan(options: ExtractActivationsOptions): Promise<Plan> {
  checkOptions(options);
  const excludeFirstPosition = options.excludeFirstPosition ?? true;
  const rowsPerWindow = options.context - (excludeFirstPosition ? 1 : 0);
  return {
    options: {
      batchSize: defaultBatchSize,
      dtype: 'F16',
      modelResidency: 'all',
      ...options,
      excludeFirstPosition,
    },
    outDir: resolve(options.outDir),
    corpusSha256: await sha256File(options.corpus),
    rowsPerWindow,
    windowsNeeded: Math.ceil(options.tokens / rowsPerWindow),
    loader: options.loadCheckpoint ?? loadCheckpoint,
    now: options.now ?? (() => new Date()),
  };
}

/** Extracts (or finishes extracting) activations into `outDir`. */
export async function extractActivations(
  options: ExtractActivationsOptions,
): Promise<ExtractActivationsResult> {
  const startMs = Date.now();
  const plan = await makePlan(options);
  const stored = await readStoredManifest(plan.outDir, (dModel, separatorId) =>
    freshManifest(plan, dModel, separatorId),
  );
  const finish = (manifest: ActivationManifest, resumedRows: number): ExtractActivationsResult => {
    const elapsedMs = Date.now() - startMs;
    const extractedRows = manifest.totalRows - resumedRows;
    const tokensPerSecond = elapsedMs > 0 ? (1000 * extractedRows) / elapsedMs : 0;
    return { manifest, outDir: plan.outDir, resumedRows, extractedRows, elapsedMs, tokensPerSecond };
  };
  if (stored?.complete) return finish(stored, stored.totalRows);
  const models: (ResidualModel | null)[] = options.checkpoints.map(() => null);
  try {
    const { manifest: requested, tokenizer, separatorId } = await inspectCheckpoints(plan, models);
    const start = await prepareFolder(plan.outDir, stored, requested);
    const manifest = await extractShards(plan, start, models, {
      encode: (text) => tokenizer.encode(text, { addSpecialTokens: false }),
      separatorId,
    });
    return finish(manifest, start.totalRows);
  } finally {
    for (const model of models) model?.dispose();
  }
}

/**
 * Loads each checkpoint once (keeping it when every model stays resident), checks that they agree on
 * dModel and tokenizer and reach `layer`, and builds the manifest this request would start from.
 */
async function inspectCheckpoints(
  plan: Plan,
  models: (ResidualModel | null)[],
): Promise<{ manifest: ActivationManifest; tokenizer: LmTokenizer; separatorId: number }> {
  const { options } = plan;
  let first: {
    dModel: number;
    tokenizer: LmTokenizer;
    tokenizerSha: string;
    rawConfig: Record<string, unknown>;
  } | null = null;
  for (const [m, checkpoint] of options.checkpoints.entries()) {
    throwIfAborted(options.signal);
    const loaded = await plan.loader(checkpoint.path);
    try {
      const { dModel, nLayers, vocabSize } = loaded.model.config;
      const where = `checkpoint ${checkpoint.revision} (${checkpoint.path})`;
      if (options.layer >= nLayers) {
        throw new Error(`layer ${options.layer} is out of range: ${where} has blocks 0…${nLayers - 1}`);
      }
      if (loaded.tokenizer !== null && loaded.tokenizer.vocabSize > vocabSize) {
        throw new Error(
          `${where}: its tokenizer has ${loaded.tokenizer.vocabSize} ids, the model ${vocabSize}`,
        );
      }
      const tokenizerSha = loaded.tokenizer === null ? null : await sha256File(loaded.tokenizer.path);
      if (first === null) {
        if (loaded.tokenizer === null || tokenizerSha === null)
          throw new Error(`${where} has no tokenizer.json`);
        first = { dModel, tokenizer: loaded.tokenizer, tokenizerSha, rawConfig: loaded.rawConfig };
      } else if (dModel !== first.dModel) {
        throw new Error(`${where} has d_model ${dModel}, the first checkpoint ${first.dModel}`);
      } else if (tokenizerSha !== null && tokenizerSha !== first.tokenizerSha) {
        throw new Error(`${where} has a different tokenizer.json from the first checkpoint`);
      }
    } catch (error) {
      loaded.model.dispose();
      throw error;
    }
    if (options.modelResidency === 'all') models[m] = loaded.model;
    else loaded.model.dispose();
  }
  const { dModel, tokenizer, rawConfig } = first!;
  const separatorId = resolveSeparatorId(tokenizer, rawConfig);
  const manifest = freshManifest(plan, dModel, separatorId);
  return { manifest, tokenizer, separatorId };
}

/** The manifest this request starts from in an empty folder. */
function freshManifest(plan: Plan, dModel: number, separatorId: number): ActivationManifest {
  const { options } = plan;
  const nCheckpoints = options.checkpoints.length;
  const time = plan.now().toISOString();
  return {
    format: activationsFormat,
    version: 1,
    model: options.model ?? dirname(resolve(options.checkpoints[0]!.path)),
    revisions: options.checkpoints.map((c) => ({
      revision: c.revision,
      path: resolve(c.path),
      tokensSeen: c.tokensSeen ?? null,
    })),
    layer: options.layer,
    context: options.context,
    excludeFirstPosition: options.excludeFirstPosition,
    dtype: options.dtype,
    dModel,
    nCheckpoints,
    shape: [0, nCheckpoints, dModel],
    tokens: options.tokens,
    windowsPerShard: Math.max(1, Math.floor((options.shardRows ?? defaultShardRows) / plan.rowsPerWindow)),
    separatorId,
    corpus: {
      file: resolve(options.corpus),
      sha256: plan.corpusSha256,
      format: corpusFormatOf(options.corpus),
    },
    shards: [],
    totalRows: 0,
    normSums: new Array<number>(nCheckpoints).fill(0),
    normRows: 0,
    scale: new Array<number>(nCheckpoints).fill(1),
    createdAt: time,
    updatedAt: time,
    complete: false,
    corpusExhausted: false,
  };
}

interface WindowSource {
  encode: (text: string) => number[];
  separatorId: number;
}

const nextWindowOf = (manifest: ActivationManifest): number => {
  const last = manifest.shards.at(-1);
  return last === undefined ? 0 : last.firstWindow + last.windows;
};

/** Up to `wanted` windows from the stream (fewer when the corpus ends). */
async function takeWindows(windows: AsyncGenerator<Int32Array>, wanted: number): Promise<Int32Array[]> {
  const taken: Int32Array[] = [];
  while (taken.length < wanted) {
    const next = await windows.next();
    if (next.done) break;
    taken.push(next.value);
  }
  return taken;
}

/** Progress of the shard after `before`: step/total are rows of this call, the message the overall count. */
function shardReporter(
  plan: Plan,
  session: { firstRows: number; startMs: number; plannedShards: number },
  before: ActivationManifest,
): (shardRowsDone: number) => void {
  const { tokens, onProgress } = plan.options;
  return (shardRowsDone) => {
    const done = before.totalRows - session.firstRows + shardRowsDone;
    const seconds = (Date.now() - session.startMs) / 1000;
    onProgress?.({
      step: done,
      total: tokens - session.firstRows,
      message: `shard ${before.shards.length + 1}/${session.plannedShards}: ${before.totalRows + shardRowsDone}/${tokens} tokens`,
      metrics: seconds > 0 ? { tokensPerSecond: done / seconds } : {},
    });
  };
}

/** Runs shard after shard until `tokens` rows are on disk or the corpus ends. */
async function extractShards(
  plan: Plan,
  start: ActivationManifest,
  models: readonly (ResidualModel | null)[],
  source: WindowSource,
): Promise<ActivationManifest> {
  const { options } = plan;
  const work: ShardWork = {
    ...options,
    models,
    loader: plan.loader,
    dModel: start.dModel,
    rowsPerWindow: plan.rowsPerWindow,
  };
  const windows = corpusWindows({
    file: options.corpus,
    encode: source.encode,
    separatorId: source.separatorId,
    context: options.context,
    skipWindows: nextWindowOf(start),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const session = {
    firstRows: start.totalRows,
    startMs: Date.now(),
    plannedShards: Math.ceil(plan.windowsNeeded / start.windowsPerShard),
  };
  let manifest = start;
  try {
    while (!manifest.complete) {
      throwIfAborted(options.signal);
      const firstWindow = nextWindowOf(manifest);
      const wanted = Math.min(manifest.windowsPerShard, plan.windowsNeeded - firstWindow);
      const shardWindows = await takeWindows(windows, wanted);
      if (shardWindows.length === 0) {
        if (manifest.totalRows === 0) {
          throw new Error(
            `${options.corpus}: the corpus has fewer tokens than one window of ${options.context}`,
          );
        }
        manifest = {
          ...manifest,
          complete: true,
          corpusExhausted: true,
          updatedAt: plan.now().toISOString(),
        };
        await writeManifest(plan.outDir, manifest);
        break;
      }
      const rows = Math.min(shardWindows.length * plan.rowsPerWindow, options.tokens - manifest.totalRows);
      const report = shardReporter(plan, session, manifest);
      const content = await computeShard(work, shardWindows, firstWindow, rows, report);
      manifest = await commitShard(plan, manifest, content, {
        firstWindow,
        windows: shardWindows.length,
        isExhausted: shardWindows.length < wanted,
      });
    }
  } finally {
    await windows.return(undefined);
  }
  return manifest;
}

/** Checks and measures a shard, writes it, then writes the manifest that lists it. */
async function commitShard(
  plan: Plan,
  manifest: ActivationManifest,
  content: ShardContent,
  shard: { firstWindow: number; windows: number; isExhausted: boolean },
): Promise<ActivationManifest> {
  const { nCheckpoints, dModel, dtype, context } = manifest;
  const index = manifest.shards.length;
  const rows = content.tokenIds_N.length;
  const measured = measureShard(content, {
    index,
    revisions: manifest.revisions.map((r) => r.revision),
    dModel,
    dtype,
  });
  const file = shardFileName(index);
  await writeShard(join(plan.outDir, file), content, {
    rows,
    windows: shard.windows,
    nCheckpoints,
    dModel,
    dtype,
    context,
  });
  const normSums = manifest.normSums.map((sum, m) => sum + measured.normSums[m]!);
  const normRows = manifest.normRows + measured.normRows;
  const totalRows = manifest.totalRows + rows;
  const next: ActivationManifest = {
    ...manifest,
    shards: [...manifest.shards, { file, rows, firstWindow: shard.firstWindow, windows: shard.windows }],
    totalRows,
    shape: [totalRows, nCheckpoints, dModel],
    normSums,
    normRows,
    scale: scaleFromNormSums(normSums, normRows, dModel),
    updatedAt: plan.now().toISOString(),
    complete: totalRows >= manifest.tokens || shard.isExhausted,
    corpusExhausted: shard.isExhausted,
  };
  await writeManifest(plan.outDir, next);
  return next;
}
