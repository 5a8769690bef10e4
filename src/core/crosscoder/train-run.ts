import * as tf from '@tensorflow/tfjs';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import type { BackendName, EngineInfo, EngineName, EnginePreference } from '../../shared/domain';
import { openActivationStore } from '../activations/activation-store';
import { selectEngine } from '../engine';
import type { HostTensor } from '../hf/host-tensor';
import { CancelledError, throwIfAborted } from '../progress';
import { crosscoderConfigSchema, type CrosscoderConfig, type CrosscoderConfigInput } from './config';
import { Crosscoder } from './crosscoder';
import { NativeCrosscoderTrainer } from './native-trainer';
import { loadRunHost, readRunConfig, saveRun, type HostRun, type RunEngineRecord } from './run-files';
import { CrosscoderTrainer, type CrosscoderTrainerEngine, type StepMetrics } from './trainer';

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
  /** Training engine (default `auto`: see `selectEngine`); a run saved by one resumes on the other. */
  engine?: EnginePreference;
  /** Threads of the native engine (default: os.availableParallelism()). */
  threads?: number;
  /** Native engine: refuse a shape whose buffers would exceed this (default: RAM less a margin). */
  memoryLimitBytes?: number;
  /** The tfjs backend the caller selected (for the engine choice; default: read from tfjs). */
  backend?: BackendName;
}

export interface TrainRunResult {
  config: CrosscoderConfig;
  steps: number;
  resumedFrom: number;
  last: StepMetrics | null;
  /** The engine that trained and why (also in the run's config.json). */
  engine: EngineInfo;
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
  const engine = selectEngine(options.engine ?? 'auto', options.backend ?? tfjsBackendName());
  const threads = options.threads ?? availableParallelism();
  const engineRecord: RunEngineRecord = {
    engine: engine.engine,
    reason: engine.reason,
    threads: engine.engine === 'native' ? threads : null,
  };
  const resumable = existsSync(join(options.out, 'config.json'));
  if (!resumable) mkdirSync(options.out, { recursive: true });
  const saved = resumable ? await loadResumable(options.out, config) : null;
  const resumedFrom = saved?.state?.step ?? 0;
  // The saved config.json keeps the new step count when a run is extended.
  const runConfig: CrosscoderConfig = { ...config };
  const trainer = createCrosscoderTrainer(config, engine.engine, saved, {
    threads,
    ...(options.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: options.memoryLimitBytes }),
  });
  const state = saved?.state ?? null;
  saved?.weights.clear(); // the trainer holds its own copy of the weights; let the host one go
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
        weights: await trainer.weights(),
        theta: trainer.theta,
        state: await trainer.exportState(),
        engine: engineRecord,
      });
    if (!resumable) await save();
    for (let step = resumedFrom; step < config.steps; step++) {
      throwIfAborted(options.signal);
      const next = await batches.next();
      if (next.done) throw new Error(`${options.acts}: the activation stream ended`);
      last = await trainer.trainBatch(next.value);
      if (!Number.isFinite(last.loss)) {
        throw new Error(
          `training diverged at step ${last.step} (loss ${last.loss}); the last good save is step ${Math.floor((last.step - 1) / saveEvery) * saveEvery}`,
        );
      }
      appendFileSync(metricsFile, JSON.stringify(last) + '\n');
      options.onStep?.(last, config.steps);
      if (last.step % saveEvery === 0 || last.step === config.steps) await save();
    }
    return { config: runConfig, steps: config.steps, resumedFrom, last, engine };
  } catch (error) {
    if (options.signal?.aborted && !(error instanceof CancelledError)) throw new CancelledError();
    throw error;
  } finally {
    trainer.dispose();
  }
}

/**
 * The save in `out` to resume from, after checking that its settings match; drops metric lines the
 * interrupted run wrote after that save.
 */
async function loadResumable(out: string, config: CrosscoderConfig): Promise<HostRun> {
  const previous = readRunConfig(out);
  for (const key of resumeKeys) {
    if (previous.config[key] !== config[key]) {
      throw new Error(
        `${join(out, 'config.json')}: saved run has ${key} = ${String(previous.config[key])}, this one ${String(config[key])}; ` +
          'use a new --out folder or the same settings to resume',
      );
    }
  }
  const saved = await loadRunHost(out);
  truncateMetrics(join(out, 'metrics.jsonl'), saved.state?.step ?? 0);
  return saved;
}

/**
 * The tfjs backend in use, as `selectEngine` names it, read from tfjs's registry: tfjs-node-gpu registers
 * as `tensorflow` too (told apart by its backend's flag); `native` (cpu with OpenBLAS kernels) reads as cpu.
 */
function tfjsBackendName(): BackendName | undefined {
  const name = tf.getBackend();
  if (name === 'tensorflow') {
    const isGpu = (tf.backend() as { isGPUPackage?: boolean }).isGPUPackage === true;
    return isGpu ? 'tensorflow-gpu' : 'tensorflow';
  }
  return name === 'wasm' || name === 'cpu' ? name : undefined;
}

/**
 * The trainer of the chosen engine, from a save's host weights or fresh ones. The tfjs trainer owns its
 * Crosscoder here (disposed with it); the native one never builds tfjs tensors of the weights.
 */
export function createCrosscoderTrainer(
  config: CrosscoderConfig,
  engine: EngineName,
  saved: { weights: Map<string, HostTensor>; theta: number } | null = null,
  options: { threads?: number; memoryLimitBytes?: number } = {},
): CrosscoderTrainerEngine {
  if (engine === 'native') {
    return saved
      ? NativeCrosscoderTrainer.fromHost(config, saved.weights, saved.theta, options)
      : NativeCrosscoderTrainer.create(config, options);
  }
  const crosscoder = saved
    ? Crosscoder.fromHost(config, saved.weights, saved.theta)
    : Crosscoder.create(config);
  return new CrosscoderTrainer(crosscoder, { shouldDisposeCrosscoder: true });
}

/** Drops metric lines past the resumed step (written by the interrupted run after its last save). */
function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '' && (JSON.parse(line) as { step: number }).step <= step);
  writeFileSync(file, kept.map((l) => `${l}\n`).join(''));
}
