import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { selectBackend } from '../../core/backend';
import {
  changedKeys,
  hashInputs,
  newPipelineState,
  readPipelineState,
  writePipelineState,
  type PipelineState,
  type StageRecord,
} from '../../core/pipeline/pipeline-state';
import { CancelledError, throwIfAborted } from '../../core/progress';
import type { BackendPreference, EnginePreference } from '../../shared/domain';
import { accuracyStage, evaluateStage, extractStage, trainStage } from './data-stages';
import { downloadMissing } from './download-revisions';
import {
  PipelineCancelledError,
  seconds,
  stageNames,
  type PipelineEvent,
  type Stage,
  type StageContext,
  type StageName,
  type StageOutputs,
  type StudyWriteOptions,
} from './stage';
import type { StudyPlan } from './study-plan';
import { attributeStage, dashboardsStage, lifecycleStage, studyDirOf, studyStage } from './study-stages';

// `ctt pipeline`: the study stage by stage (accuracy → extract → train → evaluate → attribute →
// lifecycle → dashboards → study), each reused when its inputs hash matches a finished record in
// pipeline-state.json, resumed when it has its own resume (extraction, training, task-by-task stages),
// and run afresh otherwise. A stage reads its upstream stages' inputs hashes, so a changed setting
// reruns exactly the stages that depend on it. Cancel through the AbortSignal: the running stage is
// recorded as cancelled and the next run resumes it.

export { PipelineCancelledError, type PipelineEvent } from './stage';

export const pipelineStages: readonly Stage[] = [
  accuracyStage,
  extractStage,
  trainStage,
  evaluateStage,
  attributeStage,
  lifecycleStage,
  dashboardsStage,
  studyStage,
];

export interface PipelineOptions {
  signal?: AbortSignal;
  onEvent?: (event: PipelineEvent) => void;
  /** Run these stages again even when their inputs did not change (and every stage after them). */
  rerun?: readonly StageName[];
  now?: () => Date;
  backend?: BackendPreference;
  /** Crosscoder training engine (overrides the config's `engine`). */
  engine?: EnginePreference;
  study?: StudyWriteOptions;
  /** Access token for gated Hugging Face repos (model.download). */
  accessToken?: string;
}

export interface PipelineResult {
  outDir: string;
  studyDir: string;
  /** The study's createdAt (a re-import of the same study finds the run made the first time). */
  studyCreatedAt: string;
  stages: { name: StageName; status: 'done' | 'reused' | 'skipped'; seconds: number | null }[];
  totalSeconds: number;
  state: PipelineState;
}

/** One run of the pipeline: its plan, state file, event sink and what the stages so far produced. */
interface PipelineRun {
  base: Omit<StageContext, 'report' | 'part'>;
  state: PipelineState;
  save: () => void;
  emit: (event: PipelineEvent) => void;
  /** Index in stageNames from which every stage runs again (Infinity: none). */
  firstForced: number;
  enabled: readonly Stage[];
}

export async function runPipeline(
  initialPlan: StudyPlan,
  options: PipelineOptions = {},
): Promise<PipelineResult> {
  const started = performance.now();
  const now = options.now ?? (() => new Date());
  const signal = options.signal ?? new AbortController().signal;
  const emit = options.onEvent ?? (() => undefined);
  const plan = await downloadMissing(initialPlan, { signal, emit, accessToken: options.accessToken });
  const backend = await selectBackend(options.backend ?? plan.config.backend ?? 'auto');
  const state =
    readPipelineState(plan.outDir, (why) => emit({ type: 'note', message: why })) ??
    newPipelineState(plan.config.name, plan.configFile, now());
  const enabled = pipelineStages.filter((s) => s.isEnabled(plan));
  const run: PipelineRun = {
    base: {
      plan,
      outDir: plan.outDir,
      signal,
      backend: backend.preference,
      engine: options.engine ?? plan.config.engine ?? 'auto',
      now,
      study: options.study ?? {},
      outputs: {},
      hashes: {},
    },
    state,
    save: () => writePipelineState(plan.outDir, state, now()),
    emit,
    firstForced: Math.min(...(options.rerun ?? []).map((name) => stageNames.indexOf(name))),
    enabled,
  };
  emit({ type: 'start', outDir: plan.outDir, stages: enabled.map((s) => s.name), backend: backend.backend });
  const stages: PipelineResult['stages'] = [];
  for (const stage of pipelineStages) {
    if (stage.isEnabled(plan)) stages.push(await reuseOrRun(stage, run));
    else {
      state.stages[stage.name] = skippedRecord(now());
      stages.push({ name: stage.name, status: 'skipped', seconds: null });
    }
  }
  run.save();
  return {
    outDir: plan.outDir,
    studyDir: studyDirOf(run.base),
    studyCreatedAt: String(run.base.outputs.study?.createdAt ?? ''),
    stages,
    totalSeconds: seconds(performance.now() - started),
    state,
  };
}

/** Reuses a stage whose finished record has the same inputs hash and intact outputs; runs it otherwise. */
async function reuseOrRun(stage: Stage, run: PipelineRun): Promise<PipelineResult['stages'][number]> {
  throwIfAborted(run.base.signal);
  const position = { stage: stage.name, index: run.enabled.indexOf(stage) + 1, count: run.enabled.length };
  const ctx: StageContext = {
    ...run.base,
    report: (fraction, report) => run.emit({ type: 'progress', ...position, fraction, report }),
    part: () => Promise.resolve(false),
  };
  // Through JSON, so the inputs compare as the state file stores them.
  const inputs = JSON.parse(JSON.stringify(await stage.inputs(ctx))) as unknown;
  const inputsHash = hashInputs(inputs);
  const previous = run.state.stages[stage.name];
  const isForced = stageNames.indexOf(stage.name) >= run.firstForced;
  let outputs: StageOutputs;
  let status: 'done' | 'reused' = 'reused';
  let took: number | null = null;
  if (
    !isForced &&
    previous?.status === 'done' &&
    previous.inputsHash === inputsHash &&
    stage.isIntact(ctx, previous.outputs)
  ) {
    outputs = previous.outputs;
  } else {
    const record = await runStage(stage, ctx, run, { inputs, inputsHash, previous, isForced, position });
    outputs = record.outputs;
    status = 'done';
    took = record.seconds;
  }
  run.base.outputs[stage.name] = outputs;
  run.base.hashes[stage.name] = inputsHash;
  run.emit({ type: 'stage-end', ...position, status, seconds: took, lines: stage.describe(outputs) });
  return { name: stage.name, status, seconds: took };
}

/**
 * Runs a stage: with changed inputs its `clears` go first; with the same inputs (a cancelled or failed
 * run) it resumes. The record is saved when it starts, after each finished part, and when it ends.
 */
async function runStage(
  stage: Stage,
  ctx: StageContext,
  run: PipelineRun,
  how: {
    inputs: unknown;
    inputsHash: string;
    previous: StageRecord | undefined;
    isForced: boolean;
    position: { stage: StageName; index: number; count: number };
  },
): Promise<StageRecord> {
  const { inputs, inputsHash, previous, isForced } = how;
  const isSameInputs = !isForced && previous !== undefined && previous.inputsHash === inputsHash;
  if (!isSameInputs)
    for (const path of stage.clears) rmSync(join(ctx.outDir, path), { recursive: true, force: true });
  const record: StageRecord = {
    status: 'running',
    inputsHash,
    inputs,
    outputs: {},
    // Finished units carry over: each is checked against its own inputs hash.
    parts: isForced ? {} : (previous?.parts ?? {}),
    startedAt: ctx.now().toISOString(),
    finishedAt: null,
    seconds: null,
    error: null,
    attempts: isSameInputs && previous.status !== 'done' ? previous.attempts + 1 : 1,
  };
  run.state.stages[stage.name] = record;
  run.save();
  const why = whyRun(previous, inputs, inputsHash, isForced);
  run.emit({ type: 'stage-start', ...how.position, title: stage.title, why });
  ctx.part = async (id, partInputs, file, work) => {
    const partHash = hashInputs(partInputs);
    if (record.parts[id] === partHash && existsSync(join(ctx.outDir, file))) return true;
    await work();
    record.parts[id] = partHash;
    run.save();
    return false;
  };
  const started = performance.now();
  const finish = (status: StageRecord['status'], error: string | null): void => {
    record.status = status;
    record.error = error;
    record.finishedAt = ctx.now().toISOString();
    record.seconds = seconds(performance.now() - started);
    run.save();
  };
  try {
    record.outputs = await stage.run(ctx);
    throwIfAborted(ctx.signal);
  } catch (error) {
    const isCancel = ctx.signal.aborted || error instanceof CancelledError;
    finish(isCancel ? 'cancelled' : 'failed', isCancel ? 'cancelled' : errorText(error));
    throw isCancel ? new PipelineCancelledError(stage.name, ctx.outDir) : error;
  }
  finish('done', null);
  return record;
}

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function skippedRecord(now: Date): StageRecord {
  const time = now.toISOString();
  return {
    status: 'skipped',
    inputsHash: '',
    inputs: null,
    outputs: {},
    parts: {},
    startedAt: time,
    finishedAt: time,
    seconds: null,
    error: null,
    attempts: 1,
  };
}

/** Why a stage runs: first run, resume, a forced rerun, changed inputs (named), or missing outputs. */
function whyRun(previous: StageRecord | undefined, inputs: unknown, hash: string, isForced: boolean): string {
  if (isForced) return 'rerun asked for';
  if (previous === undefined || previous.status === 'skipped') return 'first run';
  if (previous.inputsHash !== hash) {
    const keys = changedKeys(previous.inputs, inputs);
    const shown = keys.slice(0, 4).join(', ') + (keys.length > 4 ? ', …' : '');
    return `inputs changed (${shown || 'format'})`;
  }
  if (previous.status === 'done') return 'its outputs are missing';
  return `resuming after it was ${previous.status}${previous.error && previous.status === 'failed' ? `: ${previous.error}` : ''}`;
}
