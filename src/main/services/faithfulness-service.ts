import { existsSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, join } from 'node:path';
import { readManifest } from '../../core/activations/manifest';
import { readRunConfig } from '../../core/crosscoder/run-files';
import { faithfulnessReportSchema } from '../../core/faithfulness/report';
import type { ParsedInput } from '../../shared/contract';
import { isJobFinished, type Run } from '../../shared/domain';
import {
  faithfulnessParamsSchema,
  featureVerdicts,
  type FaithfulnessParams,
  type FaithfulnessReportFile,
  type FeatureVerdicts,
} from '../../shared/faithfulness';
import { AppError, describeZodError } from '../../shared/result';
import { trainingRunConfigSchema } from '../../shared/training';
import type { JobRunner } from '../jobs/job-runner';
import type { Store } from '../store/store';

/** Where the runner writes a run's report (src/core/faithfulness/runner.ts). */
export const faithfulnessReportPath = (runDir: string): string => join(runDir, 'faithfulness', 'report.json');

/**
 * A run's faithfulness report: null when the checks never ran; a clear error naming the file when it is
 * not JSON or not a report of the schema (src/shared/faithfulness.ts, runs comparable), or describes a
 * run of another width than `nFeatures`. Nothing is cached: the file is the source.
 */
export function readFaithfulnessReport(runDir: string, nFeatures?: number): FaithfulnessReportFile | null {
  const file = faithfulnessReportPath(runDir);
  if (!existsSync(file)) return null;
  const fix = 'run the checks again (Faithfulness page or `ctt faithfulness`), or delete the file';
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new AppError('invalid_input', `${file} is not readable JSON (${why}); ${fix}.`, 'input.runId');
  }
  const parsed = faithfulnessReportSchema.safeParse(raw);
  if (!parsed.success) {
    const { message } = describeZodError(parsed.error, 'report');
    throw new AppError(
      'invalid_input',
      `${file} is not a faithfulness report (${message.slice(0, 600)}); ${fix}.`,
      'input.runId',
    );
  }
  const width = parsed.data.runs[0]!.nFeatures;
  if (nFeatures !== undefined && width !== nFeatures)
    throw new AppError(
      'invalid_input',
      `${file} describes a run of ${width} features; this run has ${nFeatures}; ${fix}.`,
      'input.runId',
    );
  return { file, report: parsed.data };
}

/**
 * Faithfulness checks of a finished crosscoder run (issue 12): `start` resolves the run's folder and
 * activation store and starts a `faithfulness` job (the compute worker runs runFaithfulness, which
 * writes `<run>/faithfulness/report.json`); `get` and `features` read that file each time. Nothing is
 * stored in SQLite: a report written by `ctt faithfulness` shows up the same way.
 */
export class FaithfulnessService {
  constructor(private readonly deps: { store: Store; runner: JobRunner }) {}

  get(runId: string): FaithfulnessReportFile | null {
    const run = this.requireRun(runId);
    return run.dir === null ? null : readFaithfulnessReport(run.dir, nFeaturesOf(run));
  }

  /** Per-feature verdicts of the run's report; an empty list when there is no report yet. */
  features(runId: string): FeatureVerdicts {
    const found = this.get(runId);
    if (found === null) return { file: null, createdAt: null, features: [] };
    return { file: found.file, createdAt: found.report.createdAt, features: featureVerdicts(found.report) };
  }

  async start(input: ParsedInput<'faithfulness:start'>): Promise<{ jobId: string }> {
    const run = this.requireRun(input.runId);
    const config = trainingRunConfigSchema.safeParse(run.config);
    if (!config.success)
      throw new AppError('invalid_input', `Run ${run.id} is not a crosscoder run.`, 'input.runId');
    if (run.status !== 'finished' || run.dir === null)
      throw new AppError(
        'conflict',
        `Run "${run.name}" is ${run.status}; faithfulness checks need a finished run.`,
        'input.runId',
      );
    if (input.activationStore !== undefined && !isAbsolute(input.activationStore))
      throw new AppError(
        'invalid_input',
        `"${input.activationStore}" is not an absolute path; give the full path of the store.`,
        'input.activationStore',
      );
    const own = config.data.activationStore;
    const acts = input.activationStore ?? (own === '' ? null : own);
    if (acts !== null) await this.checkStore(run.dir, acts, input.activationStore !== undefined);
    else if (input.shouldTrain)
      throw new AppError(
        'invalid_input',
        `Run "${run.name}" names no activation store; training the comparison runs needs the store it was trained on: choose it.`,
        'input.activationStore',
      );
    const busy = this.deps.runner
      .list()
      .find(
        (j) =>
          j.kind === 'faithfulness' &&
          !isJobFinished(j.state) &&
          faithfulnessParamsSchema.safeParse(j.params).data?.runId === run.id,
      );
    if (busy !== undefined)
      throw new AppError(
        'conflict',
        `Faithfulness checks of "${run.name}" are already ${busy.state} (job ${busy.id}); cancel them or wait.`,
        'input.runId',
      );
    const params: FaithfulnessParams = {
      runId: run.id,
      runDir: run.dir,
      acts,
      shouldTrain: input.shouldTrain,
      seeds: input.seeds,
      heldOut: input.heldOut ?? null,
      top: input.top,
      matchThreshold: input.matchThreshold,
      scalingRows: input.scalingRows,
      ...(input.engine === undefined ? {} : { enginePreference: input.engine }),
    };
    const what = [
      input.shouldTrain ? 'training missing runs' : null,
      input.seeds > 0 ? `${input.seeds} extra seed${input.seeds > 1 ? 's' : ''}` : null,
      input.heldOut
        ? `held-out ${basename(input.heldOut.task)} → ${basename(input.heldOut.heldOutTask)}`
        : null,
    ].filter((x) => x !== null);
    const label = `Faithfulness checks of ${run.name}${what.length > 0 ? ` (${what.join(', ')})` : ''}`;
    return { jobId: this.deps.runner.start('faithfulness', params, label).id };
  }

  /** The store must be the run's: same checkpoints and d, scale factors equal to 1e-3 (as the runner checks). */
  private async checkStore(runDir: string, storeDir: string, isGiven: boolean): Promise<void> {
    const field = isGiven ? 'input.activationStore' : 'input.runId';
    const manifest = await readManifest(storeDir).catch(() => null);
    if (manifest === null)
      throw new AppError(
        'invalid_input',
        `${storeDir} is not an activation store folder (no readable manifest.json).`,
        field,
      );
    let files: ReturnType<typeof readRunConfig>;
    try {
      files = readRunConfig(runDir);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message, 'input.runId');
    }
    const { nCheckpoints, dModel } = files.config;
    if (manifest.nCheckpoints !== nCheckpoints || manifest.dModel !== dModel)
      throw new AppError(
        'invalid_input',
        `${storeDir} holds ${manifest.nCheckpoints} checkpoints of d ${manifest.dModel}; the run is over ${nCheckpoints} of d ${dModel}.`,
        field,
      );
    const differs = files.scale.some((s, c) => Math.abs(s - (manifest.scale[c] ?? NaN)) > 1e-3 * Math.abs(s));
    if (differs || !manifest.complete)
      throw new AppError(
        'invalid_input',
        differs
          ? `The run was not trained on ${storeDir}: its scale factors [${fmt(manifest.scale)}] differ from the run's [${fmt(files.scale)}].`
          : `${storeDir} is not complete yet (an extraction is still writing it).`,
        field,
      );
  }

  private requireRun(runId: string): Run {
    const run = this.deps.store.runs.find(runId);
    if (run === null) throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    return run;
  }
}

const fmt = (values: ArrayLike<number>): string => Array.from(values, (v) => v.toPrecision(6)).join(', ');

/** The run's width F from its stored config (undefined when the config does not say). */
function nFeaturesOf(run: Run): number | undefined {
  const parsed = trainingRunConfigSchema.safeParse(run.config);
  return parsed.success ? parsed.data.crosscoder.nFeatures : undefined;
}
