import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Thresholds } from '../../shared/lifecycle';
import { openActivationStore, type ActivationStore } from '../activations/activation-store';
import { manifestFileName } from '../activations/manifest';
import { loadRunHost, readRunConfig } from '../crosscoder/run-files';
import type { DecoderRun } from './decoder-matching';
import type { FaithfulnessRun } from './report';
import type { TaskSpec } from './run-attribution';
import {
  describeRun,
  readAttributionRecords,
  requireCheckpoints,
  resolveTaskFile,
  taskIdOf,
} from './run-inputs';
import { checkedItems, type CheckedItem } from './sections';

// The base run of the faithfulness checks (issue 12): its weights, the activation store it was trained
// on (checked by shape and scale factors), and its attribution records, which give the tasks every
// other run is attributed on and the checked items (sections.ts) whose categories are compared.

export interface BaseRun {
  dir: string;
  faithDir: string;
  run: FaithfulnessRun;
  decoder: DecoderRun;
  tasks: (TaskSpec & { ie: number[][] })[];
  items: CheckedItem[];
  storePath: string | null;
  store: ActivationStore | null;
}

/** A run's W_dec [F, C, D] with the names of its checkpoints in W_dec's order. */
export async function decoderRun(dir: string, checkpoints: string[]): Promise<DecoderRun> {
  const host = await loadRunHost(dir);
  const wDec = host.weights.get('W_dec');
  if (!wDec || !(wDec.data instanceof Float32Array)) throw new Error(`${dir}: the run has no float W_dec`);
  return { wDec_FCD: wDec.data, checkpoints, dModel: host.config.dModel };
}

/** The base run, its store (checked to be the one it was trained on), its tasks and checked items. */
export async function openBase(
  options: {
    runDir: string;
    acts?: string;
    shouldTrain?: boolean;
    /** Features selected per checkpoint and task (default 10). */
    top?: number;
  },
  thresholds: Thresholds,
  note: (text: string) => void,
): Promise<BaseRun> {
  const dir = resolve(options.runDir);
  const files = readRunConfig(dir);
  const { nCheckpoints: m, nFeatures: f, dModel: d } = files.config;
  if (m < 2)
    throw new Error(`${dir}: a run of ${m} checkpoint is an SAE; faithfulness checks need a crosscoder`);
  const beside = join(dirname(dir), 'activations');
  const storePath =
    options.acts !== undefined
      ? resolve(options.acts)
      : existsSync(join(beside, manifestFileName))
        ? beside
        : null;
  const store = storePath === null ? null : await openActivationStore(storePath);
  if (store !== null) {
    if (store.nCheckpoints !== m || store.dModel !== d)
      throw new Error(
        `${storePath}: activations [N,${store.nCheckpoints},${store.dModel}] are not the run's [N,${m},${d}]`,
      );
    const differs = files.scale.some((s, c) => Math.abs(s - store.scale[c]!) > 1e-3 * Math.abs(s));
    if (differs)
      throw new Error(
        `${storePath}: the run was not trained on these activations (scale factors [${Array.from(store.scale).join(', ')}] vs the run's [${Array.from(files.scale).join(', ')}]); pass its store with --acts`,
      );
  } else {
    note('no activation store (pass --acts): nothing can be trained or attributed, and no latent scaling');
  }
  if (options.shouldTrain && store === null)
    throw new Error("--train needs the run's activation store: pass --acts STORE");
  const described = await describeRun(dir, { baseDir: dir, manifest: store?.manifest ?? null });
  requireCheckpoints(dir, described);
  const baseRun = described.run;
  const tasks: BaseRun['tasks'] = [];
  for (const record of readAttributionRecords(dir)) {
    const { ie, provenance } = record.result;
    const names = provenance.revisions.map((r) => r.revision);
    if (ie.length !== m || ie.some((row) => row.length !== f)) {
      note(`attribution ${record.jobId}: IE is not [${m}][${f}]; left out`);
      continue;
    }
    if (names.join(',') !== baseRun.checkpoints.join(','))
      throw new Error(
        `attribution ${record.jobId} names checkpoints [${names.join(', ')}], the run holds [${baseRun.checkpoints.join(', ')}]`,
      );
    const file = resolveTaskFile(record.taskFile, dir);
    if (file === null) {
      note(
        `attribution ${record.jobId}: task file ${record.taskFile} not found; its features are not checked`,
      );
      continue;
    }
    const pairs = record.result.items?.length
      ? Math.max(...record.result.items.map((i) => i.item)) + 1
      : record.result.n + record.result.skipped;
    const id = taskIdOf(file);
    if (tasks.some((t) => t.id === id)) continue;
    tasks.push({
      id,
      file,
      limit: pairs,
      method: record.method,
      steps: record.steps,
      threshold: provenance.threshold,
      ie,
    });
  }
  if (tasks.length === 0)
    note('the run has no usable attribution records: no lifecycle categories to compare');
  const top = options.top ?? 10;
  return {
    dir,
    faithDir: join(dir, 'faithfulness'),
    run: baseRun,
    decoder: await decoderRun(dir, baseRun.checkpoints),
    tasks,
    items: tasks.flatMap((t) => checkedItems(t.id, t.ie, top, thresholds)),
    storePath,
    store,
  };
}
