import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { EnginePreference } from '../../shared/domain';
import type { ActivationManifest } from '../activations/manifest';
import type { CrosscoderConfig, CrosscoderConfigInput } from '../crosscoder/config';
import { readRunConfig } from '../crosscoder/run-files';
import { trainCrosscoderRun } from '../crosscoder/train-run';
import type { ProgressListener } from '../progress';
import { readRunView, runStatus, writeRunView } from './run-inputs';

// The runs the faithfulness checks compare the base run with (issue 12), kept under
// `<baseRun>/faithfulness/`: `reordered/` (the same crosscoder with the checkpoints reversed), `seed-<s>/`
// (another seed), `sae-<revision>/` (an SAE of one checkpoint: a crosscoder over a one-checkpoint view).
// Each is trained from a checkpoint view of the base run's store (`activations.view.json` in the run),
// with the base run's config (same width, λ or k, steps, batch; same seed unless a seed run), so the
// rows and their order are the base run's. A run found complete is reused; an interrupted one resumes.

export interface AuxiliaryRun {
  /** What the progress and notes call it: `reordered`, `seed 4353`, `SAE step100`. */
  label: string;
  dir: string;
  /** order[k]: the base store's checkpoint at the run's position k. */
  order: number[];
  seed: number;
}

export const reorderedRun = (faithDir: string, m: number, seed: number): AuxiliaryRun => ({
  label: 'reordered',
  dir: join(faithDir, 'reordered'),
  order: Array.from({ length: m }, (_, k) => m - 1 - k),
  seed,
});

export const seedRun = (faithDir: string, m: number, seed: number): AuxiliaryRun => ({
  label: `seed ${seed}`,
  dir: join(faithDir, `seed-${seed}`),
  order: Array.from({ length: m }, (_, k) => k),
  seed,
});

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]/g, '_');

export const saeRun = (faithDir: string, c: number, revision: string, seed: number): AuxiliaryRun => ({
  label: `SAE ${revision}`,
  dir: join(faithDir, `sae-${safeName(revision)}`),
  order: [c],
  seed,
});

/** Seeds of the complete `seed-<s>/` runs already under the faithfulness folder, ascending. */
export function existingSeedRuns(faithDir: string): number[] {
  if (!existsSync(faithDir)) return [];
  return readdirSync(faithDir)
    .map((name) => /^seed-(-?\d+)$/.exec(name))
    .filter((m): m is RegExpExecArray => m !== null && runStatus(join(faithDir, m[0])).isComplete)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

export type AuxiliaryState = 'complete' | 'missing' | 'incomplete';

/**
 * Makes sure `run` exists and is complete: reused when it is, trained (or resumed) when `shouldTrain`,
 * otherwise reported missing or incomplete. A folder holding another view of the data is refused.
 */
export async function ensureAuxiliaryRun(
  run: AuxiliaryRun,
  context: {
    /** The base run's activation store folder (or file) and its manifest. */
    storePath: string;
    manifest: ActivationManifest | null;
    baseConfig: CrosscoderConfig;
    shouldTrain: boolean;
    engine?: EnginePreference;
    signal?: AbortSignal;
    onProgress?: ProgressListener;
  },
): Promise<AuxiliaryState> {
  const revisions = context.manifest ? run.order.map((c) => context.manifest!.revisions[c]!.revision) : null;
  const view = readRunView(run.dir);
  if (view !== null && view.order.join(',') !== run.order.join(',')) {
    throw new Error(
      `${run.dir}: holds a run over checkpoints [${view.order.join(', ')}] of its store, not [${run.order.join(', ')}]; move it away to train the ${run.label} run`,
    );
  }
  const status = runStatus(run.dir);
  const writeView = (): string =>
    writeRunView(run.dir, {
      format: 'ctt-activations-view',
      version: 1,
      source: resolve(context.storePath),
      order: run.order,
      revisions,
    });
  if (status.isComplete) {
    if (view === null) writeView();
    return 'complete';
  }
  if (!context.shouldTrain) return status.files === null ? 'missing' : 'incomplete';
  mkdirSync(run.dir, { recursive: true });
  const viewFile = writeView();
  const config = { ...settingsOf(context.baseConfig), seed: run.seed };
  await trainCrosscoderRun({
    acts: viewFile,
    config,
    out: run.dir,
    saveEvery: Math.max(1, Math.ceil(config.steps / 10)),
    ...(context.engine === undefined ? {} : { engine: context.engine }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
    onStep: (m, total) =>
      context.onProgress?.({
        step: m.step,
        total,
        message: `step ${m.step}/${total} mse ${m.mse.toFixed(4)} L0 ${m.l0.toFixed(1)}`,
      }),
  });
  return readRunConfig(run.dir).step >= config.steps ? 'complete' : 'incomplete';
}

/** The base run's settings without its shapes (those come from the view the run is trained on). */
function settingsOf(c: CrosscoderConfig): Omit<CrosscoderConfigInput, 'nCheckpoints' | 'dModel'> {
  const settings: Partial<CrosscoderConfig> = { ...c };
  delete settings.nCheckpoints;
  delete settings.dModel;
  return settings as Omit<CrosscoderConfigInput, 'nCheckpoints' | 'dModel'>;
}

/**
 * The SAE of each base checkpoint in a folder: subfolders that are one-checkpoint runs, matched to a
 * checkpoint by their view file's revision, else by the folder name (`<revision>` or `sae-<revision>`).
 * Returns the run folder per checkpoint (null where none).
 */
export function findSaeRuns(dir: string, checkpoints: readonly string[]): (string | null)[] {
  const found: (string | null)[] = checkpoints.map(() => null);
  if (!existsSync(dir)) return found;
  for (const name of readdirSync(dir).sort()) {
    const sub = join(dir, name);
    if (!existsSync(join(sub, 'config.json'))) continue;
    const { config } = readRunConfig(sub);
    if (config.nCheckpoints !== 1) continue;
    const view = readRunView(sub);
    const revision =
      view?.revisions?.[0] ?? checkpoints.find((c) => name === safeName(c) || name === `sae-${safeName(c)}`);
    const c = revision === undefined ? -1 : checkpoints.indexOf(revision);
    if (c >= 0 && found[c] === null) found[c] = sub;
  }
  return found;
}
