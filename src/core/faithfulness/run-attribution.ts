import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import type { ActivationManifest } from '../activations/manifest';
import { ablationEffects, type AblationEffect } from '../attribution/ablation';
import { computeIe, metricItemsOf, type MetricItem } from '../attribution/attribute';
import { loadRun, readRunConfig } from '../crosscoder/run-files';
import { loadLanguageModel, type LoadedLanguageModel } from '../lm/load';
import { throwIfAborted, type ProgressListener } from '../progress';
import { importTaskFile } from '../tasks/importers';

// IE and ablation effects of any run on a task, for the faithfulness checks (issue 12): the lifecycle
// categories of a reordered or reseeded run need its own IE on the same pairs, and the held-out check
// ablates the base run's features on another task. Everything goes through the functions `ctt
// attribute` and `ctt ablation` use (computeIe, ablationEffects). The checkpoints' models are loaded
// once, in the base store's order, and handed to each run in the order of its own M axis.

/** How a task is attributed: the settings of the base run's record, so every run sees the same pairs. */
export interface TaskSpec {
  id: string;
  file: string;
  /** Pairs read from the file (the first ones); undefined: all. */
  limit: number | undefined;
  method: 'ig' | 'atp';
  steps: number;
  threshold: number | null;
}

/** The M checkpoints of the base store, loaded on first use and kept until dispose(). */
export class CheckpointModels {
  private loaded: LoadedLanguageModel[] | null = null;

  constructor(
    private readonly revisions: ActivationManifest['revisions'],
    readonly layer: number,
    private readonly onProgress?: ProgressListener,
  ) {}

  async load(signal?: AbortSignal): Promise<LoadedLanguageModel[]> {
    if (this.loaded !== null) return this.loaded;
    const models: LoadedLanguageModel[] = [];
    try {
      for (const [i, r] of this.revisions.entries()) {
        throwIfAborted(signal);
        this.onProgress?.({ step: i, total: this.revisions.length, message: `loading ${r.revision}` });
        models.push(await loadLanguageModel(r.path, { isTokenizerRequired: true }));
      }
    } catch (error) {
      models.forEach((m) => m.model.dispose());
      throw error;
    }
    this.loaded = models;
    return models;
  }

  /** The loaded models in the order of `checkpoints` (revision names of a run's M axis). */
  async inOrder(checkpoints: readonly string[], signal?: AbortSignal): Promise<LoadedLanguageModel[]> {
    const models = await this.load(signal);
    return checkpoints.map((name) => {
      const i = this.revisions.findIndex((r) => r.revision === name);
      if (i < 0) throw new Error(`checkpoint ${name} is not one of the activation store's`);
      return models[i]!;
    });
  }

  /** The task's pairs as metric items, tokenised by the first checkpoint's tokenizer. */
  async items(task: TaskSpec, signal?: AbortSignal): Promise<{ items: MetricItem[]; skipped: number }> {
    const [first] = await this.load(signal);
    const tokenizer = first!.tokenizer!;
    const imported = await importTaskFile(task.file, task.limit === undefined ? {} : { limit: task.limit });
    const { items, dropped } = metricItemsOf(imported.pairs, (t) =>
      tokenizer.encode(t, { addSpecialTokens: false }),
    );
    if (items.length === 0) throw new Error(`${task.file}: no pair to attribute`);
    return { items, skipped: imported.skipped.length + dropped };
  }

  dispose(): void {
    this.loaded?.forEach((m) => m.model.dispose());
    this.loaded = null;
  }
}

const ieCacheSchema = z.object({
  format: z.literal('ctt-faithfulness-ie v1'),
  runDir: z.string(),
  /** The run's saved step when the IE was computed (a retrained run is attributed again). */
  runStep: z.number().int(),
  task: z.string(),
  limit: z.number().int().nullable(),
  method: z.enum(['ig', 'atp']),
  steps: z.number().int(),
  threshold: z.number().nullable(),
  /** Revisions of the run's M axis, in that order (the order of `ie`'s rows). */
  checkpoints: z.array(z.string()),
  n: z.number().int(),
  skipped: z.number().int(),
  ie: z.array(z.array(z.number())),
});
export type IeCache = z.infer<typeof ieCacheSchema>;

/**
 * Signed IE [M][F] of a run on a task, rows in the run's own checkpoint order; computed with the
 * task's settings, or read back from `cacheFile` when that holds the same run (same saved step), task
 * and settings. The file is written atomically.
 */
export async function runIe(options: {
  runDir: string;
  checkpoints: readonly string[];
  task: TaskSpec;
  models: CheckpointModels;
  cacheFile: string;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<IeCache> {
  const { task } = options;
  const runDir = resolve(options.runDir);
  const key = {
    format: 'ctt-faithfulness-ie v1' as const,
    runDir,
    runStep: readRunConfig(runDir).step,
    task: resolve(task.file),
    limit: task.limit ?? null,
    method: task.method,
    steps: task.method === 'atp' ? 1 : task.steps,
    threshold: task.threshold,
    checkpoints: [...options.checkpoints],
  };
  const cached = readCache(options.cacheFile);
  const keyOf = (c: Omit<IeCache, 'n' | 'skipped' | 'ie'>): string =>
    JSON.stringify([c.runDir, c.runStep, c.task, c.limit, c.method, c.steps, c.threshold, c.checkpoints]);
  if (cached !== null && keyOf(cached) === keyOf(key)) return cached;
  const models = await options.models.inOrder(options.checkpoints, options.signal);
  const { items, skipped } = await options.models.items(task, options.signal);
  const run = await loadRun(runDir);
  try {
    const result = await computeIe({
      models: models.map((m) => m.model),
      layer: options.models.layer,
      crosscoder: run.crosscoder,
      scale: run.scale,
      items,
      steps: key.steps,
      threshold: task.threshold,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    });
    throwIfAborted(options.signal);
    const file: IeCache = { ...key, n: result.n, skipped, ie: result.ie };
    mkdirSync(dirname(options.cacheFile), { recursive: true });
    const temp = `${options.cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(file));
    renameSync(temp, options.cacheFile);
    return file;
  } finally {
    run.crosscoder.dispose();
  }
}

function readCache(file: string): IeCache | null {
  if (!existsSync(file)) return null;
  try {
    const parsed = ieCacheSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Per-checkpoint ablation effects of the base run's `features` on a task (ctt ablation's measure). */
export async function runAblation(options: {
  runDir: string;
  checkpoints: readonly string[];
  task: TaskSpec;
  features: readonly number[];
  models: CheckpointModels;
  signal?: AbortSignal;
}): Promise<{ effects: AblationEffect[]; n: number }> {
  const models = await options.models.inOrder(options.checkpoints, options.signal);
  const { items } = await options.models.items(options.task, options.signal);
  const run = await loadRun(options.runDir);
  try {
    const effects = await ablationEffects({
      models: models.map((m) => m.model),
      layer: options.models.layer,
      crosscoder: run.crosscoder,
      scale: run.scale,
      items,
      features: options.features,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { effects, n: items.length };
  } finally {
    run.crosscoder.dispose();
  }
}
