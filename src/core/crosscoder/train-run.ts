import * as tf from '@tensorflow/tfjs';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openActivationStore } from '../activations/activation-store';
import { CancelledError, throwIfAborted } from '../progress';
import { crosscoderConfigSchema, type CrosscoderConfig, type CrosscoderConfigInput } from './config';
import { Crosscoder } from './crosscoder';
import { loadRun, readRunConfig, saveRun } from './run-files';
import { CrosscoderTrainer, type StepMetrics, type TrainerState } from './trainer';

export interface TrainRunOptions {
  /** Activation store folder or single safetensors file with `acts` [N,M,D]. */
  acts: string;
  /** Config without the shapes (taken from the activations). */
  config: Omit<CrosscoderConfigInput, 'nCheckpoints' | 'dModel'>;
  out: string;
  /** Save weights and optimizer state every this many steps (and at the end). */
  saveEvery?: number;
  signal?: AbortSignal;
  onStep?: (metrics: StepMetrics, total: number) => void;
}

export interface TrainRunResult {
  config: CrosscoderConfig;
  steps: number;
  resumedFrom: number;
  last: StepMetrics | null;
}

/** Fields that must match to resume (the rest, e.g. the number of steps, may be extended). */
const resumeKeys = [
  'type',
  'nCheckpoints',
  'dModel',
  'nFeatures',
  'batchSize',
  'seed',
  'k',
  'l1Coeff',
  'learningRate',
] as const;

/**
 * Trains a crosscoder on an activation store into a run directory, saving every `saveEvery` steps.
 * When `out` already holds a save of the same run, training resumes there; batches are replayed from the
 * same seeded stream, so a resumed run reaches the weights an uninterrupted one would. A non-finite
 * loss stops the run with an error and leaves the last good save.
 */
export async function trainCrosscoderRun(options: TrainRunOptions): Promise<TrainRunResult> {
  const store = await openActivationStore(options.acts);
  const config = crosscoderConfigSchema.parse({
    ...options.config,
    nCheckpoints: store.nCheckpoints,
    dModel: store.dModel,
  });
  if (config.batchSize > store.rows) {
    throw new Error(
      `batch size ${config.batchSize} exceeds the ${store.rows} activation rows in ${options.acts}`,
    );
  }
  const saveEvery = options.saveEvery ?? 1000;
  const resumable = existsSync(join(options.out, 'config.json'));
  let crosscoder: Crosscoder;
  let state: TrainerState | null = null;
  let resumedFrom = 0;
  if (resumable) {
    const previous = readRunConfig(options.out);
    for (const key of resumeKeys) {
      if (previous.config[key] !== config[key]) {
        throw new Error(
          `${join(options.out, 'config.json')}: saved run has ${key} = ${String(previous.config[key])}, this one ${String(config[key])}; ` +
            'use a new --out folder or the same settings to resume',
        );
      }
    }
    const loaded = await loadRun(options.out);
    crosscoder = loaded.crosscoder;
    state = loaded.state;
    resumedFrom = state?.step ?? 0;
    truncateMetrics(join(options.out, 'metrics.jsonl'), resumedFrom);
  } else {
    mkdirSync(options.out, { recursive: true });
    crosscoder = Crosscoder.create(config);
  }
  // The saved config.json keeps the new step count when a run is extended.
  const runConfig: CrosscoderConfig = { ...config };
  const trainer = new CrosscoderTrainer(crosscoder);
  try {
    if (state) await trainer.importState(state);
    const batches = store.batches({
      batchSize: config.batchSize,
      seed: config.seed,
      shouldNormalize: true,
      ...(options.signal ? { signal: options.signal } : {}),
    });
    for (let skipped = 0; skipped < resumedFrom; skipped++) await batches.next();
    let last: StepMetrics | null = null;
    const metricsFile = join(options.out, 'metrics.jsonl');
    const save = async (): Promise<void> =>
      saveRun(options.out, {
        config: runConfig,
        scale: store.scale,
        crosscoder,
        state: await trainer.exportState(),
      });
    if (!resumable) await save();
    for (let step = resumedFrom; step < config.steps; step++) {
      throwIfAborted(options.signal);
      const next = await batches.next();
      if (next.done) throw new Error(`${options.acts}: the activation stream ended`);
      const x_BMD = tf.tensor3d(next.value, [config.batchSize, store.nCheckpoints, store.dModel]);
      try {
        last = await trainer.trainStep(x_BMD);
      } finally {
        x_BMD.dispose();
      }
      if (!Number.isFinite(last.loss)) {
        throw new Error(
          `training diverged at step ${last.step} (loss ${last.loss}); the last good save is step ${Math.floor((last.step - 1) / saveEvery) * saveEvery}`,
        );
      }
      appendFileSync(metricsFile, JSON.stringify(last) + '\n');
      options.onStep?.(last, config.steps);
      if (last.step % saveEvery === 0 || last.step === config.steps) await save();
    }
    return { config: runConfig, steps: config.steps, resumedFrom, last };
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof CancelledError)) throw new CancelledError();
    throw error;
  } finally {
    trainer.dispose();
    crosscoder.dispose();
  }
}

/** Drops metric lines past the resumed step (written by the interrupted run after its last save). */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= step);
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
