import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, type ProgressReport } from '../../core/progress';
import type { BackendPreference, EnginePreference } from '../../shared/domain';
import type { PlannedCheckpoint, StudyPlan } from './study-plan';

// What every pipeline stage is: its inputs (hashed to decide reuse), its work, and what it left behind.

export const stageNames = [
  'accuracy',
  'extract',
  'train',
  'evaluate',
  'attribute',
  'lifecycle',
  'dashboards',
  'study',
] as const;
export type StageName = (typeof stageNames)[number];

export type StageOutputs = Record<string, unknown>;

/** How the study folder is written (scripts/make-demo-study.ts writes the shipped one). */
export interface StudyWriteOptions {
  /** Folder of the study (default: `<out>/study`). */
  dir?: string;
  /** Paths inside the study relative to this folder (default: absolute). */
  relativeTo?: string;
  /** What the dashboards index names as activations (default: the pipeline's activations folder). */
  actsLabel?: string;
  /** Copy the training metrics (default true: the workbench draws the curves from them). */
  shouldKeepMetrics?: boolean;
  /** Write `pipeline.json` (config, accuracy, evaluation, lifecycle, stage times) into the study (default true). */
  shouldWriteSummary?: boolean;
}

export interface StageContext {
  plan: StudyPlan;
  /** The pipeline's output folder. */
  outDir: string;
  signal: AbortSignal;
  backend: BackendPreference;
  /** Crosscoder training engine preference (not an input of any stage: engines agree to float precision). */
  engine: EnginePreference;
  now: () => Date;
  study: StudyWriteOptions;
  /** Outputs and inputs hashes of the stages before this one (run now or reused). */
  outputs: Partial<Record<StageName, StageOutputs>>;
  hashes: Partial<Record<StageName, string>>;
  /** Progress of this stage: `fraction` of the whole stage done, with the core routine's report. */
  report: (fraction: number, report: ProgressReport) => void;
  /**
   * Runs one unit of a stage that works task by task, unless a finished unit with the same inputs is
   * recorded and `file` (relative to the output folder) exists. Returns whether it was reused.
   */
  part: (id: string, inputs: unknown, file: string, work: () => Promise<void>) => Promise<boolean>;
}

export interface Stage {
  name: StageName;
  /** What it does, for progress lines. */
  title: string;
  isEnabled: (plan: StudyPlan) => boolean;
  /** The settings and upstream hashes the stage depends on (JSON). */
  inputs: (ctx: StageContext) => Promise<unknown> | unknown;
  /** Paths (relative to the output folder) removed before a run with changed inputs. */
  clears: string[];
  run: (ctx: StageContext) => Promise<StageOutputs>;
  /** Whether a finished record's outputs are still on disk. */
  isIntact: (ctx: StageContext, outputs: StageOutputs) => boolean;
  /** Lines printed when the stage ends (done or reused). */
  describe: (outputs: StageOutputs) => string[];
}

/**
 * A checkpoint as hashed: its revision and the size and modification time of each file of its folder
 * (hashing gigabytes of weights on every run would cost minutes; a changed file changes its mtime).
 */
export function checkpointFingerprint(c: PlannedCheckpoint): unknown {
  const files = readdirSync(c.path, { withFileTypes: true })
    .filter((e) => !e.isDirectory())
    .map((e) => {
      const s = statSync(join(c.path, e.name));
      return [e.name, s.size, Math.round(s.mtimeMs)];
    })
    .sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  return { revision: c.revision, path: c.path, files };
}

/** Fraction reporter for a stage that works through `parts` units: unit i at `p.step / p.total`. */
export function partReporter(
  ctx: StageContext,
  index: number,
  parts: number,
  label: string,
): (p: ProgressReport) => void {
  return (p) =>
    ctx.report((index + (p.total > 0 ? Math.min(1, p.step / p.total) : 0)) / parts, {
      ...p,
      message: `${label}: ${p.message ?? `${p.step}/${p.total}`}`,
    });
}

export const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** What a pipeline run tells its caller (the CLI prints it). */
export type PipelineEvent =
  | { type: 'start'; outDir: string; stages: StageName[]; backend: string }
  | {
      type: 'stage-start';
      stage: StageName | 'download';
      index: number;
      count: number;
      title: string;
      why: string;
    }
  | {
      type: 'progress';
      stage: StageName | 'download';
      index: number;
      count: number;
      fraction: number;
      report: ProgressReport;
    }
  | {
      type: 'stage-end';
      stage: StageName | 'download';
      index: number;
      count: number;
      status: 'done' | 'reused' | 'skipped';
      seconds: number | null;
      lines: string[];
    }
  | { type: 'note'; message: string };

/** Thrown when the AbortSignal stops a stage; the next run resumes it. */
export class PipelineCancelledError extends CancelledError {
  constructor(
    readonly stage: StageName | 'download',
    readonly outDir: string,
  ) {
    super(
      `Cancelled during the ${stage} stage; finished stages are kept in ${outDir} and the same command resumes.`,
    );
    this.name = 'PipelineCancelledError';
  }
}
