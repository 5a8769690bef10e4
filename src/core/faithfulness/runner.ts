import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { EnginePreference } from '../../shared/domain';
import { defaultThresholds, type Thresholds } from '../../shared/lifecycle';
import { openActivationStore } from '../activations/activation-store';
import { loadRunHost, readRunConfig } from '../crosscoder/run-files';
import { throwIfAborted, type ProgressReport } from '../progress';
import {
  ensureAuxiliaryRun,
  existingSeedRuns,
  findSaeRuns,
  reorderedRun,
  saeRun,
  seedRun,
  type AuxiliaryRun,
} from './auxiliary-runs';
import { decoderRun, openBase, type BaseRun } from './base-run';
import { heldOutSection } from './held-out-run';
import { defaultRatioThreshold, type ScalingTarget } from './latent-scaling';
import { defaultMatchThreshold } from './matching';
import { artifactEntry, checkComparable, faithfulnessReportSchema, type FaithfulnessReport } from './report';
import { CheckpointModels, runIe } from './run-attribution';
import { describeRun, readRunView, requireCheckpoints, runStatus } from './run-inputs';
import { latentScalingOnStore } from './scaling-pass';
import { compareRuns, decoderOf, saeCheck, strongestItems } from './sections';

// The faithfulness checks of a crosscoder run (issue 12), end to end: gather or train the runs to
// compare (checkpoints reversed, other seeds, one SAE per checkpoint), attribute them on the base run's
// tasks, and write `<run>/faithfulness/report.json` (report.ts's schema) with every section the inputs
// allow. Runs of another model, layer, d or width are refused with checkComparable's message.

export interface FaithfulnessOptions {
  /** The base crosscoder run (config.json, weights, attribution records). */
  runDir: string;
  /** Its activation store (default: `activations/` beside the run, as the pipeline lays it out). */
  acts?: string;
  /** A reordered run to use instead of `<run>/faithfulness/reordered`. */
  reordered?: string;
  /** A folder with one SAE run per checkpoint instead of `<run>/faithfulness/sae-*`. */
  saeDir?: string;
  /** Extra seeds wanted: seed+1 … seed+N (complete seed runs already there are always used). */
  seeds?: number;
  /** Train the runs that are missing (otherwise only runs given or already there are used). */
  shouldTrain?: boolean;
  /** RelIE on `task` against the ablation effect on `heldOutTask` (task ids of records, or files). */
  heldOut?: { task: string; heldOutTask: string };
  /** Features selected per checkpoint and task (default 10). */
  top?: number;
  matchThreshold?: number;
  thresholds?: Thresholds;
  ratioThreshold?: number;
  /** Activation rows read for latent scaling (default 20,000). */
  scalingRows?: number;
  scalingTargets?: readonly ScalingTarget[];
  engine?: EnginePreference;
  signal?: AbortSignal;
  /** Progress of each long part (`train reordered`, `IE seed 4353 × det_noun.eng`, …). */
  onProgress?: (part: string, report: ProgressReport) => void;
  /** What could not be computed and why, as it happens. */
  onNote?: (note: string) => void;
  now?: () => Date;
}

export interface FaithfulnessOutcome {
  report: FaithfulnessReport;
  file: string;
  notes: string[];
}

export const reportFileName = 'report.json';

/** What every step of one invocation shares. */
interface Session {
  options: FaithfulnessOptions;
  base: BaseRun;
  models: CheckpointModels | null;
  threshold: number;
  thresholds: Thresholds;
  note: (text: string) => void;
  progress: (part: string) => (report: ProgressReport) => void;
}

export async function runFaithfulness(options: FaithfulnessOptions): Promise<FaithfulnessOutcome> {
  const notes: string[] = [];
  const note = (text: string): void => {
    notes.push(text);
    options.onNote?.(text);
  };
  const thresholds = options.thresholds ?? defaultThresholds;
  const base = await openBase(options, thresholds, note);
  const progress = (part: string) => (report: ProgressReport) => options.onProgress?.(part, report);
  const manifest = base.store?.manifest ?? null;
  const models = manifest
    ? new CheckpointModels(manifest.revisions, manifest.layer, progress('load checkpoints'))
    : null;
  const threshold = options.matchThreshold ?? defaultMatchThreshold;
  const session: Session = { options, base, models, threshold, thresholds, note, progress };
  try {
    const { reorderedDir, seedDirs } = await gatherRuns(session);
    const reordered = reorderedDir === null ? null : await compareRun(session, reorderedDir, 'reordered');
    if (reordered !== null && reordered.summary.checkpointMap.every((j, c) => j === c))
      note(`the reordered run ${reordered.run.runId} holds the checkpoints in the base run's order`);
    const seeds = [];
    for (const [seed, dir] of seedDirs)
      seeds.push({ seed, ...(await compareRun(session, dir, `seed ${seed}`)) });
    const sae = await saeSectionOf(session);
    const heldOut =
      options.heldOut === undefined
        ? null
        : await heldOutSection(options.heldOut, base, models, {
            ...(options.top === undefined ? {} : { top: options.top }),
            ...(options.signal === undefined ? {} : { signal: options.signal }),
            progress,
          });
    const artifacts = await artifactsOf(session);
    const report = faithfulnessReportSchema.parse({
      format: 'crosscoder-workbench faithfulness v1',
      createdAt: (options.now?.() ?? new Date()).toISOString(),
      runs: [base.run, ...(reordered ? [reordered.run] : []), ...seeds.map((s) => s.run)],
      reordered: reordered?.summary ?? null,
      sae,
      heldOut,
      seeds: seeds.map((s) => ({ ...s.summary, seed: s.seed })),
      ratioThreshold: options.ratioThreshold ?? defaultRatioThreshold,
      artifacts,
    } satisfies FaithfulnessReport);
    const file = join(base.faithDir, reportFileName);
    mkdirSync(base.faithDir, { recursive: true });
    const temp = `${file}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(report, null, 2) + '\n');
    renameSync(temp, file);
    return { report, file, notes };
  } finally {
    models?.dispose();
  }
}

/**
 * The runs to compare: given, found under the faithfulness folder, or trained there with --train. All
 * training comes first, so a cancel keeps the most; every run found complete is reused.
 */
async function gatherRuns(
  session: Session,
): Promise<{ reorderedDir: string | null; seedDirs: [number, string][] }> {
  const { options, base, note } = session;
  const { faithDir } = base;
  const m = base.run.checkpoints.length;
  const seed = base.run.seed ?? 0;
  const train = async (aux: AuxiliaryRun) => {
    if (base.storePath === null) return runStatus(aux.dir).isComplete ? 'complete' : 'missing';
    return ensureAuxiliaryRun(aux, {
      storePath: base.storePath,
      manifest: base.store!.manifest,
      baseConfig: readRunConfig(base.dir).config,
      shouldTrain: options.shouldTrain === true,
      ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: session.progress(`train ${aux.label}`),
    });
  };
  let reorderedDir: string | null = options.reordered === undefined ? null : resolve(options.reordered);
  if (reorderedDir === null) {
    const aux = reorderedRun(faithDir, m, seed);
    const state = await train(aux);
    if (state === 'complete') reorderedDir = aux.dir;
    else note(`no reordered run (${state}): pass --reordered RUNDIR, or --train to train one`);
  }
  const wanted = Array.from({ length: options.seeds ?? 0 }, (_, i) => seed + 1 + i);
  const seeds = [...new Set([...wanted, ...existingSeedRuns(faithDir)])].sort((a, b) => a - b);
  const seedDirs: [number, string][] = [];
  for (const s of seeds) {
    const aux = seedRun(faithDir, m, s);
    const state = await train(aux);
    if (state === 'complete') seedDirs.push([s, aux.dir]);
    else note(`no run of seed ${s} (${state}): --train trains it`);
  }
  if (options.saeDir === undefined) {
    for (const [c, revision] of base.run.checkpoints.entries())
      await train(saeRun(faithDir, c, revision, seed));
  }
  throwIfAborted(options.signal);
  return { reorderedDir, seedDirs };
}

/** A reordered or seed run against the base run: refused unless comparable; its IE on every task. */
async function compareRun(session: Session, dir: string, label: string) {
  const { base, models, options } = session;
  const described = await describeRun(dir, { baseDir: base.dir, fallback: base.run });
  const run = described.run;
  // Model, layer, d and width first: a run of another shape is refused by name before anything else.
  checkComparable(base.run, { ...run, checkpoints: undefined });
  requireCheckpoints(dir, described);
  checkComparable(base.run, run);
  const otherIe = new Map<string, number[][]>();
  if (models === null)
    session.note(`${label}: no activation store, so no checkpoints to attribute it with (κ left out)`);
  for (const task of models === null ? [] : base.tasks) {
    const ie = await runIe({
      runDir: dir,
      checkpoints: run.checkpoints,
      task,
      models: models!,
      cacheFile: join(base.faithDir, 'ie', `${ieKey(dir, base.faithDir)}.${task.id}.json`),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      onProgress: session.progress(`IE ${label} × ${task.id}`),
    });
    otherIe.set(task.id, ie.ie);
  }
  const decoder = await decoderRun(dir, run.checkpoints);
  const summary = compareRuns(run.runId, base.decoder, decoder, base.items, otherIe, session);
  return { run, summary };
}

/** File-name key of a run for its IE files: its folder under the faithfulness folder, else its path. */
const ieKey = (dir: string, faithDir: string): string => {
  const rel = relative(faithDir, dir);
  const name = rel.startsWith('..') || isAbsolute(rel) ? resolve(dir) : rel;
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^_+/, '');
};

/** Independent SAEs (given with --sae-dir, or trained under the faithfulness folder). */
async function saeSectionOf(session: Session): Promise<FaithfulnessReport['sae']> {
  const { options, base, note, threshold } = session;
  const dir = options.saeDir === undefined ? base.faithDir : resolve(options.saeDir);
  const found = findSaeRuns(dir, base.run.checkpoints);
  const missing = base.run.checkpoints.filter(
    (_, c) => found[c] === null || !runStatus(found[c]!).isComplete,
  );
  if (missing.length > 0) {
    const text = `${dir}: no complete SAE of ${missing.join(', ')}`;
    if (options.saeDir !== undefined) throw new Error(text);
    note(`${text} (--train trains them)`);
    return null;
  }
  if (base.run.checkpoints.length !== 2 && base.run.checkpoints.length !== 3) return null;
  const saes = [];
  for (const saeDir of found as string[]) {
    const host = await loadRunHost(saeDir);
    const view = readRunView(saeDir);
    const viewManifest = view === null ? null : await openActivationStore(view.file).then((s) => s.manifest);
    checkComparable(base.run, {
      runId: saeDir,
      model: viewManifest?.model ?? base.run.model,
      layer: viewManifest?.layer ?? base.run.layer,
      dModel: host.config.dModel,
      nFeatures: host.config.nFeatures,
    });
    saes.push({ dec_SD: host.weights.get('W_dec')!.data as Float32Array });
  }
  if (base.items.length === 0) note('SAEs: no checked features (no attribution records)');
  return saeCheck(dir, base.items, base.decoder.wDec_FCD, saes, base.decoder.dModel, threshold);
}

/** Latent scaling of each checked feature, once per target, on the first rows of the base store. */
async function artifactsOf(session: Session): Promise<FaithfulnessReport['artifacts']> {
  const { options, base, note, progress } = session;
  if (base.store === null || base.items.length === 0) {
    if (base.store !== null) note('latent scaling: no checked features (no attribution records)');
    return [];
  }
  const { dModel: d } = base.decoder;
  const c = base.run.checkpoints.length;
  const claims = strongestItems(base.items);
  const targets = options.scalingTargets ?? (['activation', 'error', 'reconstruction'] as const);
  const { results } = await latentScalingOnStore({
    runDir: base.dir,
    store: base.store,
    features: claims.map((item) => ({
      feature: item.feature,
      dec_CD: decoderOf(base.decoder.wDec_FCD, item.feature, c, d),
      category: item.category,
      bucket: item.bucket,
    })),
    maxRows: options.scalingRows ?? 20_000,
    targets,
    ...(options.ratioThreshold === undefined ? {} : { ratioThreshold: options.ratioThreshold }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    onProgress: progress('latent scaling'),
  });
  return results.flatMap((perTarget) => perTarget.map((r, k) => artifactEntry(r, claims[k]!.category)));
}
