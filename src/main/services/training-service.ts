import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { readRunConfig } from '../../core/crosscoder/run-files';
import { selectEngine } from '../../core/engine';
import {
  isJobFinished,
  type BackendInfo,
  type BackendName,
  type EngineInfo,
  type EnginePreference,
  type JobSnapshot,
  type Run,
} from '../../shared/domain';
import { AppError } from '../../shared/result';
import {
  estimateTrainingResultSchema,
  trainCrosscoderParamsSchema,
  trainCrosscoderResultSchema,
  type EstimateTrainingParams,
  type EstimateTrainingResult,
  type MetricSeries,
  type RunDetail,
  type RunSummary,
  type TrainCrosscoderParams,
  type TrainingEstimate,
  type TrainingEstimateInput,
  type TrainingMetricName,
  type TrainingRunConfig,
  type TrainingStartInput,
} from '../../shared/training';
import type { JobExecutor, JobRunner } from '../jobs/job-runner';
import { isAbandonedJob } from '../store/jobs-repository';
import type { Store } from '../store/store';
import { readStoreShape, type StoreShape } from './activations-service';
import type { ModelsService } from './models-service';
import {
  pointsOfProgress,
  readRunMetricsFile,
  runDetail,
  runMetricSeries,
  summarizeRun,
} from './run-records';
import {
  memoryLimitBytes,
  stepsForBudget,
  suggestBatchSize,
  suggestFeatures,
  trainingMemoryBytes,
} from './training-defaults';

export interface TrainingServiceDeps {
  store: Store;
  runner: JobRunner;
  models: ModelsService;
  dataDir: string;
  /** Runs the estimateTraining benchmark outside the job queue; without it estimates are unavailable. */
  execute?: JobExecutor | undefined;
  backend: () => Promise<BackendInfo | null>;
  totalMemoryBytes?: number;
  estimateTimeoutMs?: number;
}

/** Rows of the store the evaluation after training reads. */
export const evaluationRows = 20_000;
/** The run kind of crosscoder training runs in the runs table. */
export const crosscoderRunKind = 'crosscoder';

/**
 * Crosscoder runs: a run row (config, status, job, result) and a run directory per run, trained by
 * `trainCrosscoder` jobs. The main process feeds every job snapshot to `onJobSnapshot`, which keeps the
 * run's status in step and stores the metrics, so charts survive a restart (docs/decisions/0006).
 */
export class TrainingService {
  constructor(private readonly deps: TrainingServiceDeps) {}

  runsDir(): string {
    return join(this.deps.dataDir, 'runs');
  }

  async start(input: TrainingStartInput): Promise<{ runId: string; jobId: string }> {
    const shape = await readStoreShape(input.activationStore, 'input.activationStore');
    checkShape(shape, input);
    const { name, activationStore, saveEvery, engine, ...crosscoder } = input;
    // An explicit engine that is unavailable here is refused now, not when the job starts.
    const backend = await this.deps.backend();
    engineOrRefuse(engine ?? 'auto', backend?.backend, 'input.engine');
    const config: TrainingRunConfig = {
      activationStore,
      store: {
        model: shape.model,
        revisions: shape.revisions,
        layer: shape.layer,
        nCheckpoints: shape.nCheckpoints,
        dModel: shape.dModel,
        rows: shape.rows,
      },
      crosscoder,
      saveEvery: saveEvery ?? Math.min(1000, Math.ceil(input.steps / 10)),
      evalRows: evaluationRows,
      ...(engine === undefined ? {} : { engine }),
    };
    const id = randomUUID();
    const run = this.deps.store.runs.create({
      id,
      projectId: this.deps.models.defaultProjectId(),
      name,
      kind: crosscoderRunKind,
      config,
      dir: join(this.runsDir(), id),
    });
    return { runId: id, jobId: this.startJob(run, config) };
  }

  /** Starts a failed or cancelled run again; the core resumes from the run directory's last save. */
  async resume(runId: string): Promise<{ runId: string; jobId: string }> {
    const run = this.getRun(runId);
    if (run.status !== 'failed' && run.status !== 'cancelled') {
      throw new AppError(
        'conflict',
        `Run "${run.name}" is ${run.status}; only a failed or cancelled run resumes.`,
        'input.runId',
      );
    }
    const config = this.configOf(run);
    await readStoreShape(config.activationStore, 'input.runId');
    // Steps after the last save are trained again: drop their stored points.
    this.deps.store.metrics.deleteAfter(run.id, savedStep(run));
    return { runId: run.id, jobId: this.startJob(run, config) };
  }

  list(): RunSummary[] {
    const runs = this.deps.store.runs.list(this.deps.models.defaultProjectId());
    return runs
      .filter((r) => r.kind === crosscoderRunKind)
      .reverse()
      .flatMap((r) => summarizeRun(this.deps.store, r) ?? []);
  }

  get(runId: string): RunDetail {
    const detail = runDetail(this.deps.store, this.getRun(runId));
    if (detail === null)
      throw new AppError('not_found', `Run ${runId} is not a crosscoder run.`, 'input.runId');
    return detail;
  }

  metrics(runId: string, names?: readonly TrainingMetricName[]): MetricSeries[] {
    this.getRun(runId);
    return runMetricSeries(this.deps.store, runId, names);
  }

  /** Suggested F, B and steps for a store on this machine, with steps/s measured on random rows. */
  async estimate(input: TrainingEstimateInput): Promise<TrainingEstimate> {
    const shape = await readStoreShape(input.activationStore, 'input.activationStore');
    checkCheckpointCount(shape);
    const backend = await this.deps.backend();
    const engine = engineOrRefuse(input.engine, backend?.backend, 'input.engine');
    const limit = memoryLimitBytes(
      engine.engine === 'native' ? 'native' : (backend?.backend ?? null),
      this.deps.totalMemoryBytes ?? totalmem(),
    );
    const { nCheckpoints, dModel, rows } = shape;
    const suggestedBatch = suggestBatchSize(dModel, rows);
    const suggestedFeatures = suggestFeatures({ nCheckpoints, dModel, batchSize: suggestedBatch }, limit);
    const nFeatures = input.nFeatures ?? suggestedFeatures;
    const batchSize = input.batchSize ?? suggestedBatch;
    checkShape(shape, { type: input.type, nFeatures, batchSize, k: input.k });
    const memoryBytes = trainingMemoryBytes({ nCheckpoints, dModel, nFeatures, batchSize });
    if (memoryBytes > limit) {
      const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(1)} GiB`;
      throw new AppError(
        'invalid_input',
        `F = ${nFeatures} with ${batchSize} tokens a batch needs about ${gib(memoryBytes)}; ${engine.engine === 'native' ? 'the native engine may use' : `the ${backend?.backend ?? 'wasm'} backend holds`} ${gib(limit)}. Choose fewer features or a smaller batch.`,
        'input.nFeatures',
      );
    }
    const params: EstimateTrainingParams = {
      type: input.type,
      nCheckpoints,
      dModel,
      nFeatures,
      batchSize,
      steps: 3,
      enginePreference: engine.engine,
      ...(input.k === undefined ? {} : { k: input.k }),
    };
    const measured = await this.measure(params);
    const { stepsPerSecond, backend: measuredOn } = measured;
    return {
      nCheckpoints,
      dModel,
      rows,
      nFeatures,
      batchSize,
      stepsPerSecond,
      backend: measuredOn,
      engine: measured.engine ?? engine.engine,
      engineReason: measured.engineReason ?? engine.reason,
      memoryBytes,
      memoryLimitBytes: limit,
      suggested: {
        nFeatures: suggestedFeatures,
        batchSize: suggestedBatch,
        steps: stepsForBudget(input.timeBudgetMinutes, stepsPerSecond),
      },
    };
  }

  /** Keeps a run in step with its job: status, error, result, and the metrics of every snapshot. */
  onJobSnapshot(job: JobSnapshot): void {
    if (job.kind !== 'trainCrosscoder') return;
    const params = trainCrosscoderParamsSchema.safeParse(job.params);
    if (!params.success) return;
    const run = this.deps.store.runs.find(params.data.runId);
    if (run === null) return;
    if (run.jobId !== job.id) {
      if (isJobFinished(job.state) && run.jobId !== null) return; // an older job's late news
      this.deps.store.runs.setJob(run.id, job.id);
    }
    if (job.state === 'queued') return;
    if (job.state === 'running') {
      if (run.status !== 'running') this.deps.store.runs.setStatus(run.id, 'running');
      this.deps.store.metrics.append(run.id, pointsOfProgress(job.metrics));
      return;
    }
    // Finished: the run directory's metrics.jsonl has every step, the snapshots only some.
    if (run.dir !== null) this.deps.store.metrics.append(run.id, readRunMetricsFile(run.dir));
    if (job.state === 'succeeded') {
      const result = trainCrosscoderResultSchema.safeParse(job.result);
      this.deps.store.runs.setOutcome(run.id, {
        status: result.success ? 'finished' : 'failed',
        error: result.success
          ? null
          : `The training job's result has an unexpected shape: ${result.error.message}`,
        result: result.success ? result.data : null,
      });
    } else {
      this.deps.store.runs.setOutcome(run.id, {
        status: job.state,
        error:
          job.state === 'cancelled'
            ? (job.error ?? 'Cancelled.')
            : isAbandonedJob(job)
              ? stoppedWhileTraining(run)
              : job.error,
        result: null,
      });
    }
  }

  /**
   * At start-up: runs left `created` or `running` by a process that ended take their job's outcome
   * (the job runner has marked such jobs failed), so the run list offers Resume. A run whose job is
   * live is another workbench's, training now. Jobs abandoned later reach `onJobSnapshot`.
   */
  reconcile(): void {
    for (const run of this.deps.store.runs.listActive()) {
      if (run.kind !== crosscoderRunKind) continue;
      const job = run.jobId === null ? null : this.deps.store.jobs.find(run.jobId);
      if (job !== null && !isJobFinished(job.state)) continue;
      if (job !== null) this.onJobSnapshot(job);
      if (this.getRun(run.id).status === run.status) {
        this.deps.store.runs.setOutcome(run.id, {
          status: 'failed',
          error: stoppedWhileTraining(run),
          result: null,
        });
      }
    }
  }

  private startJob(run: Run, config: TrainingRunConfig): string {
    if (run.dir === null) throw new AppError('internal', `Run ${run.id} has no directory.`, 'input.runId');
    this.deps.store.runs.setOutcome(run.id, { status: 'created', error: null, result: null });
    const params: TrainCrosscoderParams = {
      runId: run.id,
      activationStore: config.activationStore,
      outDir: run.dir,
      crosscoder: config.crosscoder,
      saveEvery: config.saveEvery,
      evalRows: config.evalRows,
      ...(config.engine === undefined ? {} : { enginePreference: config.engine }),
    };
    const { type, nFeatures, steps } = config.crosscoder;
    const label = `Train ${run.name} (${type === 'l1' ? 'L1' : 'BatchTopK'}, F=${nFeatures}, ${steps} steps)`;
    const job = this.deps.runner.start('trainCrosscoder', params, label);
    this.deps.store.runs.setJob(run.id, job.id);
    return job.id;
  }

  private async measure(params: EstimateTrainingParams): Promise<EstimateTrainingResult> {
    const execute = this.deps.execute;
    if (execute === undefined) {
      throw new AppError('unavailable', 'No compute worker is available to measure the training speed.');
    }
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.deps.estimateTimeoutMs ?? 120_000);
    try {
      const result = await execute(
        { id: `estimate-${randomUUID()}`, kind: 'estimateTraining', params },
        { signal: controller.signal, onProgress: () => undefined },
      );
      return estimateTrainingResultSchema.parse(result);
    } catch (error) {
      const message = controller.signal.aborted
        ? 'Measuring the training speed took too long.'
        : `Measuring the training speed failed: ${error instanceof Error ? error.message : String(error)}`;
      throw new AppError('unavailable', message);
    } finally {
      clearTimeout(timer);
    }
  }

  private getRun(runId: string): Run {
    const run = this.deps.store.runs.find(runId);
    if (run === null) throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    return run;
  }

  private configOf(run: Run): TrainingRunConfig {
    const detail = runDetail(this.deps.store, run);
    if (detail === null)
      throw new AppError('not_found', `Run ${run.id} is not a crosscoder run.`, 'input.runId');
    return detail.config;
  }
}

/** The step of the run directory's last save (0 when it has none yet). */
function savedStep(run: Run): number {
  if (run.dir === null || !existsSync(join(run.dir, 'config.json'))) return 0;
  try {
    return readRunConfig(run.dir).step;
  } catch (error) {
    throw new AppError(
      'invalid_input',
      error instanceof Error ? error.message : String(error),
      'input.runId',
    );
  }
}

/** Why a run whose workbench stopped while it trained failed, and where a resume goes on from. */
function stoppedWhileTraining(run: Run): string {
  let step: number | null;
  try {
    step = savedStep(run);
  } catch {
    step = null; // an unreadable run folder: resume says why
  }
  const from =
    step === null
      ? 'resume it to continue from its last save'
      : step === 0
        ? 'it had not saved yet, so a resume starts from step 0'
        : `resume it to continue from its last save (step ${step})`;
  return `The workbench stopped while training this run; ${from}.`;
}

function checkCheckpointCount(shape: StoreShape): void {
  if (shape.nCheckpoints < 2 || shape.nCheckpoints > 3) {
    throw new AppError(
      'invalid_input',
      `${shape.path} holds ${shape.nCheckpoints} checkpoint(s); a crosscoder compares 2 or 3.`,
      'input.activationStore',
    );
  }
}

/** What the core would refuse after the job started, refused here naming the field. */
function checkShape(
  shape: StoreShape,
  c: { type: 'l1' | 'batchtopk'; nFeatures: number; batchSize: number; k?: number | undefined },
): void {
  checkCheckpointCount(shape);
  if (c.batchSize > shape.rows) {
    throw new AppError(
      'invalid_input',
      `A batch of ${c.batchSize} tokens exceeds the ${shape.rows} rows of the store.`,
      'input.batchSize',
    );
  }
  const k = c.k ?? 32;
  if (c.type === 'batchtopk' && k > c.nFeatures) {
    throw new AppError('invalid_input', `k = ${k} exceeds the number of features ${c.nFeatures}.`, 'input.k');
  }
}

/** The engine for a preference, or an `invalid_input` naming `field` when it is unavailable here. */
function engineOrRefuse(
  preference: EnginePreference,
  backend: BackendName | undefined,
  field: string,
): EngineInfo {
  try {
    return selectEngine(preference, backend);
  } catch (error) {
    throw new AppError('invalid_input', error instanceof Error ? error.message : String(error), field);
  }
}
