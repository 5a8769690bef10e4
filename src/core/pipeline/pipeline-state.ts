import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

// `pipeline-state.json` in a pipeline's output folder: per stage its inputs (and their hash), its
// outputs, its times and how it ended. A stage whose inputs hash matches a finished record is reused;
// `parts` lists the finished units of a stage that works task by task, so a rerun of the same inputs
// skips them. Written atomically after every change, so a kill leaves the last consistent state.

export const pipelineStateFile = 'pipeline-state.json';

export const stageStatusSchema = z.enum(['running', 'done', 'failed', 'cancelled', 'skipped']);
export type StageStatus = z.infer<typeof stageStatusSchema>;

export const stageRecordSchema = z.object({
  status: stageStatusSchema,
  /** sha256 (16 hex) of `inputs`: the stage's settings and the hashes of the stages it reads. */
  inputsHash: z.string(),
  inputs: z.unknown(),
  /** Paths (relative to the output folder) and summary numbers of what the stage wrote. */
  outputs: z.record(z.string(), z.unknown()),
  /** Finished units of the stage (task id → inputs hash), kept across a cancel. */
  parts: z.record(z.string(), z.string()),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Wall-clock seconds of the last run (not of the reuse). */
  seconds: z.number().nullable(),
  error: z.string().nullable(),
  /** Times the stage has started with these inputs (2 or more: it was resumed). */
  attempts: z.number().int().min(1),
});
export type StageRecord = z.infer<typeof stageRecordSchema>;

export const pipelineStateSchema = z.object({
  format: z.literal('ctt-pipeline-state'),
  version: z.literal(1),
  name: z.string(),
  configFile: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  stages: z.record(z.string(), stageRecordSchema),
  /** Projects the study was imported into. */
  imports: z.array(
    z.object({ database: z.string(), runId: z.string(), studyCreatedAt: z.string(), at: z.string() }),
  ),
});
export type PipelineState = z.infer<typeof pipelineStateSchema>;

/** JSON with object keys sorted, so equal values hash equally whatever the key order. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)),
        )
      : v,
  );
}

export const hashInputs = (value: unknown): string =>
  createHash('sha256').update(stableJson(value)).digest('hex').slice(0, 16);

/** Dotted paths where two input objects differ (to say why a stage runs again). */
export function changedKeys(before: unknown, after: unknown, prefix = ''): string[] {
  const isObject = (v: unknown): v is Record<string, unknown> =>
    v !== null && typeof v === 'object' && !Array.isArray(v);
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((k) => changedKeys(before[k], after[k], prefix === '' ? k : `${prefix}.${k}`));
  }
  return stableJson(before) === stableJson(after) ? [] : [prefix === '' ? '(all)' : prefix];
}

export function newPipelineState(name: string, configFile: string | null, now: Date): PipelineState {
  const time = now.toISOString();
  return {
    format: 'ctt-pipeline-state',
    version: 1,
    name,
    configFile,
    createdAt: time,
    updatedAt: time,
    stages: {},
    imports: [],
  };
}

/**
 * The state in `dir`, or null when there is none. A file that does not parse is reported through
 * `onUnreadable` and treated as absent (every stage runs; extraction and training still resume).
 */
export function readPipelineState(dir: string, onUnreadable?: (why: string) => void): PipelineState | null {
  const path = join(dir, pipelineStateFile);
  if (!existsSync(path)) return null;
  try {
    return pipelineStateSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
  } catch (error) {
    onUnreadable?.(`${path} is unreadable (${(error as Error).message.split('\n')[0]}); starting afresh`);
    return null;
  }
}

export function writePipelineState(dir: string, state: PipelineState, now: Date): void {
  mkdirSync(dir, { recursive: true });
  state.updatedAt = now.toISOString();
  const path = join(dir, pipelineStateFile);
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(state, null, 2) + '\n');
  renameSync(temp, path);
}
