import { dirname, join, resolve } from 'node:path';
import { relativeShares, selectTopFeatures } from '../../shared/lifecycle';
import type { ProgressReport } from '../progress';
import type { BaseRun } from './base-run';
import { heldOutCheck } from './held-out';
import type { FaithfulnessReport } from './report';
import { runAblation, runIe, type CheckpointModels, type TaskSpec } from './run-attribution';
import { resolveTaskFile, taskIdOf } from './run-inputs';

// The held-out task check of the faithfulness runner (issue 12; the maths is held-out.ts): a task is
// named by the id of one of the base run's records (`sv_pp_attractor.eng`), by a task file beside one
// of theirs (`irregular_plural.eng` → …/tasks/irregular_plural.eng.jsonl), or by a path.

/** A task named by id (a record's, or a file beside one) or by path. */
function resolveTask(spec: string, base: BaseRun): TaskSpec & { ie: number[][] | null } {
  const known = base.tasks.find((t) => t.id === spec || resolve(t.file) === resolve(spec));
  if (known !== undefined) return known;
  const candidates = [spec, ...base.tasks.map((t) => join(dirname(t.file), `${spec}.jsonl`))];
  const file = candidates.map((c) => resolveTaskFile(c, base.dir)).find((f) => f !== null);
  if (file === undefined || file === null)
    throw new Error(`held-out: no task ${spec} (neither a record's task nor a file)`);
  const like = base.tasks[0];
  return {
    id: taskIdOf(file),
    file,
    limit: like?.limit,
    method: like?.method ?? 'ig',
    steps: like?.steps ?? 10,
    threshold: like?.threshold ?? null,
    ie: null,
  };
}

/**
 * RelIE of the base run's selected features on `pair.task` (its record, else computed) against their
 * per-checkpoint ablation effect on `pair.heldOutTask`, read with the same number of pairs.
 */
export async function heldOutSection(
  pair: { task: string; heldOutTask: string },
  base: BaseRun,
  models: CheckpointModels | null,
  options: {
    top?: number;
    signal?: AbortSignal;
    progress: (part: string) => (report: ProgressReport) => void;
  },
): Promise<FaithfulnessReport['heldOut']> {
  const { progress } = options;
  if (models === null)
    throw new Error("held-out: needs the run's activation store (--acts) to load its checkpoints");
  const m = base.run.checkpoints.length;
  if (m !== 2 && m !== 3) return null;
  const task = resolveTask(pair.task, base);
  const heldOut = resolveTask(pair.heldOutTask, base);
  const signal = options.signal === undefined ? {} : { signal: options.signal };
  const ie =
    task.ie ??
    (
      await runIe({
        runDir: base.dir,
        checkpoints: base.run.checkpoints,
        task,
        models,
        cacheFile: join(base.faithDir, 'ie', `base.${task.id}.json`),
        ...signal,
        onProgress: progress(`IE base × ${task.id}`),
      })
    ).ie;
  const features = selectTopFeatures(ie, options.top ?? 10);
  progress(`ablation × ${heldOut.id}`)({ step: 0, total: 1, message: `${features.length} features` });
  const { effects } = await runAblation({
    runDir: base.dir,
    checkpoints: base.run.checkpoints,
    task: { ...heldOut, limit: heldOut.limit ?? task.limit },
    features,
    models,
    ...signal,
  });
  progress(`ablation × ${heldOut.id}`)({ step: 1, total: 1, message: 'done' });
  const check = heldOutCheck(
    effects.map((e) => ({
      feature: e.feature,
      relIE: relativeShares(ie.map((row) => row[e.feature]!)),
      ablationShare: e.share,
    })),
    m,
  );
  return { task: task.id, heldOutTask: heldOut.id, ...check };
}
