import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readManifest } from '../../core/activations/manifest';
import {
  attributeParamsSchema,
  attributeResultSchema,
  attributionSummarySchema,
  defaultIgSteps,
  type AttributeParams,
  type AttributionStartInput,
  type AttributionSummary,
} from '../../shared/attribution';
import type { JobSnapshot } from '../../shared/domain';
import { AppError } from '../../shared/result';
import { trainingRunConfigSchema } from '../../shared/training';
import type { JobRunner } from '../jobs/job-runner';
import type { Store } from '../store/store';
import { requireUsableTaskFile } from './task-files';

/**
 * Attribution of a finished crosscoder run on a minimal-pair task: `start` resolves the run's
 * checkpoints and layer from its activation store's manifest and starts an `attribute` job. When such a
 * job succeeds, `onJobSnapshot` writes its result to `<runDir>/attribution/<jobId>.json` (temp file, then
 * rename); `list` returns those files merged with the succeeded jobs' snapshots, so results survive a
 * cleared job history. Cancelled and failed jobs write nothing.
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
    await requireUsableTaskFile(input.taskFile, input.limit);
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

  /** Writes a succeeded `attribute` job's result into its run folder; other snapshots are ignored. */
  onJobSnapshot(job: JobSnapshot): void {
    if (job.kind !== 'attribute' || job.state !== 'succeeded') return;
    const summary = summaryOf(job);
    if (summary === null) return;
    const params = attributeParamsSchema.parse(job.params);
    const dir = join(params.runDir, 'attribution');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `${job.id}.json`);
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(summary));
    renameSync(temp, file);
  }

  /** Results of the run's succeeded attribution jobs (run folder files and job snapshots), newest first. */
  list(runId: string): AttributionSummary[] {
    const run = this.deps.store.runs.find(runId);
    if (run === null) {
      throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    }
    const byJob = new Map<string, AttributionSummary>();
    if (run.dir !== null)
      for (const s of readResultFiles(join(run.dir, 'attribution'))) byJob.set(s.jobId, s);
    for (const job of this.deps.runner.list()) {
      if (job.kind !== 'attribute' || job.state !== 'succeeded' || byJob.has(job.id)) continue;
      const summary = summaryOf(job);
      if (summary !== null) byJob.set(job.id, summary);
    }
    return [...byJob.values()]
      .filter((s) => s.runId === runId)
      .sort((a, b) => (b.finishedAt ?? '').localeCompare(a.finishedAt ?? ''));
  }
}

function summaryOf(job: JobSnapshot): AttributionSummary | null {
  const params = attributeParamsSchema.safeParse(job.params);
  const result = attributeResultSchema.safeParse(job.result);
  if (!params.success || !result.success) return null;
  return {
    jobId: job.id,
    runId: params.data.runId,
    taskFile: params.data.taskFile,
    method: params.data.method,
    steps: params.data.steps,
    finishedAt: job.finishedAt,
    result: result.data,
  };
}

/** The readable `<jobId>.json` results of a folder; unreadable or foreign files are skipped. */
function readResultFiles(dir: string): AttributionSummary[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        const parsed = attributionSummarySchema.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
        return parsed.success && `${parsed.data.jobId}.json` === name ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}
