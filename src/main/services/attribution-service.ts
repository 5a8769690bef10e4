import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { readManifest } from '../../core/activations/manifest';
import { importTaskFile, TaskFileError } from '../../core/tasks/importers';
import {
  attributeParamsSchema,
  attributeResultSchema,
  defaultIgSteps,
  type AttributeParams,
  type AttributionStartInput,
  type AttributionSummary,
} from '../../shared/attribution';
import { AppError } from '../../shared/result';
import { trainingRunConfigSchema } from '../../shared/training';
import type { JobRunner } from '../jobs/job-runner';
import type { Store } from '../store/store';
import { requireFile } from './checkpoint-sources';

/**
 * Attribution of a finished crosscoder run on a minimal-pair task: `start` resolves the run's
 * checkpoints and layer from its activation store's manifest and starts an `attribute` job; `list`
 * returns the results of the run's succeeded attribution jobs (from the persisted job snapshots).
 */
export class AttributionService {
  constructor(private readonly deps: { store: Store; runner: JobRunner }) {}

  async start(input: AttributionStartInput): Promise<{ jobId: string }> {
    const run = this.deps.store.runs.find(input.runId);
    if (run === null) throw new AppError('not_found', `No run with id ${input.runId}.`, 'input.runId');
    const config = trainingRunConfigSchema.safeParse(run.config);
    if (!config.success) {
      throw new AppError('invalid_input', `Run ${run.id} is not a crosscoder run.`, 'input.runId');
    }
    if (run.status !== 'finished' || run.dir === null) {
      throw new AppError(
        'conflict',
        `Run "${run.name}" is ${run.status}; attribution needs a finished run.`,
        'input.runId',
      );
    }
    const storePath = config.data.activationStore;
    const manifest = await readManifest(storePath).catch(() => null);
    if (manifest === null) {
      throw new AppError(
        'invalid_input',
        `${storePath} has no manifest.json: attribution needs a store that names its checkpoints and layer.`,
        'input.runId',
      );
    }
    const missing = manifest.revisions.find((r) => !existsSync(r.path));
    if (missing !== undefined) {
      throw new AppError(
        'invalid_input',
        `The checkpoint ${missing.revision} of the run's store is not at ${missing.path} any more.`,
        'input.runId',
      );
    }
    await requireFile(input.taskFile, 'input.taskFile');
    try {
      const imported = await importTaskFile(
        input.taskFile,
        input.limit === undefined ? {} : { limit: input.limit },
      );
      if (imported.pairs.length === 0) {
        throw new AppError(
          'invalid_input',
          `${input.taskFile} holds no usable minimal pair (${imported.skipped.length} lines skipped).`,
          'input.taskFile',
        );
      }
    } catch (error) {
      if (error instanceof TaskFileError)
        throw new AppError('invalid_input', error.message, 'input.taskFile');
      throw error;
    }
    const steps = input.method === 'atp' ? 1 : (input.steps ?? defaultIgSteps);
    const params: AttributeParams = {
      runId: run.id,
      runDir: run.dir,
      checkpoints: manifest.revisions.map((r) => ({
        revision: r.revision,
        path: r.path,
        tokensSeen: r.tokensSeen,
      })),
      layer: manifest.layer,
      taskFile: input.taskFile,
      method: input.method,
      steps,
      threshold: input.threshold ?? null,
      ...(input.limit === undefined ? {} : { limit: input.limit }),
    };
    const how = input.method === 'atp' ? 'AtP' : `IG, ${steps} steps`;
    const label = `Attribute ${run.name} × ${basename(input.taskFile)} (${how})`;
    return { jobId: this.deps.runner.start('attribute', params, label).id };
  }

  /** Results of the run's succeeded attribution jobs, newest first. */
  list(runId: string): AttributionSummary[] {
    if (this.deps.store.runs.find(runId) === null) {
      throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    }
    return this.deps.runner
      .list()
      .filter((job) => job.kind === 'attribute' && job.state === 'succeeded')
      .flatMap((job) => {
        const params = attributeParamsSchema.safeParse(job.params);
        const result = attributeResultSchema.safeParse(job.result);
        if (!params.success || !result.success || params.data.runId !== runId) return [];
        return [
          {
            jobId: job.id,
            runId,
            taskFile: params.data.taskFile,
            method: params.data.method,
            steps: params.data.steps,
            finishedAt: job.finishedAt,
            result: result.data,
          },
        ];
      })
      .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
  }
}
