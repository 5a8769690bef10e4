import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { attributionSummarySchema, type AttributionSummary } from '../../shared/attribution';
import { checkpointViewSchema, type CheckpointView } from '../activations/activation-store';
import { readManifest, type ActivationManifest } from '../activations/manifest';
import { readRunConfig, type RunFiles } from '../crosscoder/run-files';
import type { FaithfulnessRun } from './report';

// What the faithfulness runner reads about a run (issue 12): its attribution records, the activations it
// was trained on, and its identity as the report names it (model, layer, d, width, checkpoint order).
// A run trained by the runner carries `activations.view.json` (a checkpoint view of the base run's
// store: src/core/activations/activation-store.ts), which says exactly which checkpoints sit on its M
// axis; a run given from elsewhere is described by its attribution records instead.

/** The view file the runner writes into every auxiliary run it trains (and trains it from). */
export const viewFileName = 'activations.view.json';

/** Task id of a task file: its name without `.jsonl` / `.tsv` (`sv_pp_attractor.eng`). */
export const taskIdOf = (file: string): string => basename(file).replace(/\.(jsonl|tsv|txt|json)$/, '');

/** A run's records: `<run>/attribution/*.json`, and the pipeline's `<run>/../attribution/` naming it. */
export function readAttributionRecords(runDir: string): AttributionSummary[] {
  const run = resolve(runDir);
  const own = readRecordDir(join(run, 'attribution'));
  const beside = readRecordDir(join(dirname(run), 'attribution')).filter(
    (s) => resolve(s.result.provenance.runDir) === run,
  );
  const byId = new Map<string, AttributionSummary>();
  for (const s of [...beside, ...own]) byId.set(s.jobId, s);
  return [...byId.values()].sort((a, b) => a.jobId.localeCompare(b.jobId));
}

function readRecordDir(dir: string): AttributionSummary[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .flatMap((name) => {
      try {
        const parsed = attributionSummarySchema.safeParse(JSON.parse(readFileSync(join(dir, name), 'utf8')));
        return parsed.success ? [parsed.data] : [];
      } catch {
        return [];
      }
    });
}

/**
 * A task file named by a record or the user: as given when it exists, else relative to the working
 * folder, else to the run folder or one of its ancestors (the demo study names tasks relative to the
 * repository it sits in). Null when none exists.
 */
export function resolveTaskFile(file: string, runDir: string): string | null {
  if (isAbsolute(file)) return existsSync(file) ? file : null;
  if (existsSync(resolve(file))) return resolve(file);
  for (let dir = resolve(runDir); ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return join(dir, file);
    if (dirname(dir) === dir) return null;
  }
}

/** The view file of a run trained by the runner, or null. */
export function readRunView(runDir: string): (CheckpointView & { file: string }) | null {
  const file = join(runDir, viewFileName);
  if (!existsSync(file)) return null;
  return { ...checkpointViewSchema.parse(JSON.parse(readFileSync(file, 'utf8'))), file };
}

export function writeRunView(runDir: string, view: CheckpointView): string {
  const file = join(runDir, viewFileName);
  writeFileSync(file, JSON.stringify(view, null, 2) + '\n');
  return file;
}

/** A run's id in the report: its path relative to the base run's parent, or absolute outside it. */
export function runIdOf(dir: string, baseDir: string): string {
  const rel = relative(dirname(resolve(baseDir)), resolve(dir));
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? resolve(dir) : rel;
}

/** A run's config and whether its training has reached its last step. */
export function runStatus(dir: string): { files: RunFiles | null; isComplete: boolean } {
  if (!existsSync(join(dir, 'config.json'))) return { files: null, isComplete: false };
  const files = readRunConfig(dir);
  return { files, isComplete: files.step >= files.config.steps };
}

/**
 * The report's description of a run. Model and layer come from the activations it was trained on (its
 * view's source manifest, or `manifest` for the base run); the checkpoint order from the view or the
 * manifest, else from its attribution records; model and layer no source names come from `fallback`.
 * `run.checkpoints` is empty when nothing names them (`checkpointSource` null).
 */
export async function describeRun(
  dir: string,
  options: {
    baseDir: string;
    manifest?: ActivationManifest | null;
    fallback?: Pick<FaithfulnessRun, 'model' | 'layer'>;
  },
): Promise<{ run: FaithfulnessRun; checkpointSource: 'view' | 'manifest' | 'records' | null }> {
  const { config } = readRunConfig(dir);
  const view = readRunView(dir);
  let manifest = options.manifest ?? null;
  let checkpoints: string[] = [];
  let source: 'view' | 'manifest' | 'records' | null = null;
  if (view !== null) {
    const viewSource = await readManifest(resolve(dirname(view.file), view.source));
    manifest = viewSource;
    checkpoints = view.revisions ?? view.order.map((c) => viewSource?.revisions[c]?.revision ?? `#${c}`);
    source = 'view';
  } else if (manifest !== null) {
    checkpoints = manifest.revisions.map((r) => r.revision);
    source = 'manifest';
  }
  const records = readAttributionRecords(dir);
  if (source === null && records.length > 0) {
    checkpoints = records[0]!.result.provenance.revisions.map((r) => r.revision);
    source = 'records';
  }
  const model = manifest?.model ?? options.fallback?.model;
  const layer = manifest?.layer ?? records[0]?.result.provenance.layer ?? options.fallback?.layer;
  if (model === undefined || layer === undefined)
    throw new Error(`${dir}: cannot tell the run's model and layer`);
  const run: FaithfulnessRun = {
    runId: runIdOf(dir, options.baseDir),
    model,
    layer,
    dModel: config.dModel,
    nFeatures: config.nFeatures,
    checkpoints,
    seed: config.seed,
    type: config.type,
  };
  return { run, checkpointSource: source };
}

/** Refuses a run whose checkpoints nothing names (after the cheaper checks of checkComparable). */
export function requireCheckpoints(dir: string, described: { checkpointSource: unknown }): void {
  if (described.checkpointSource === null)
    throw new Error(
      `${dir}: cannot tell which checkpoints the run holds (no ${viewFileName}, no activation store, no attribution records)`,
    );
}
