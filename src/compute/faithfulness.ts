import { selectBackend } from '../core/backend';
import { runFaithfulness } from '../core/faithfulness/runner';
import { faithfulnessParamsSchema, type FaithfulnessJobResult } from '../shared/faithfulness';
import type { ComputeContext } from './jobs';

/*
 * The faithfulness job (issue 12): `ctt faithfulness` from the app. runFaithfulness trains or reuses the
 * reordered, seed and SAE runs under `<run>/faithfulness/`, attributes them, and writes
 * `<run>/faithfulness/report.json` itself (atomically, after the schema accepts it). Progress is the
 * current part's (`train reordered: 120/600`, `IE seed 4353 × det_noun.eng`, `latent scaling`); a
 * cancel throws out between units of work, keeps what was trained, and writes no report; the same
 * start resumes.
 */
export async function runFaithfulnessJob(
  rawParams: unknown,
  context: ComputeContext,
): Promise<FaithfulnessJobResult> {
  const params = faithfulnessParamsSchema.parse(rawParams);
  await selectBackend(params.backendPreference ?? context.defaultBackend);
  context.onProgress({ step: 0, total: 1, message: 'opening the run' });
  const notes: string[] = [];
  const { file, report } = await runFaithfulness({
    runDir: params.runDir,
    ...(params.acts === null ? {} : { acts: params.acts }),
    seeds: params.seeds,
    shouldTrain: params.shouldTrain,
    ...(params.heldOut === null ? {} : { heldOut: params.heldOut }),
    top: params.top,
    matchThreshold: params.matchThreshold,
    scalingRows: params.scalingRows,
    engine: params.enginePreference ?? 'auto',
    signal: context.signal,
    onProgress: (part, p) =>
      context.onProgress({
        step: p.step,
        total: p.total,
        message: `${part}: ${p.message ?? `${p.step}/${p.total}`}`,
        ...(p.metrics === undefined ? {} : { metrics: p.metrics }),
      }),
    onNote: (note) => notes.push(note),
  });
  return { runId: params.runId, file, notes, createdAt: report.createdAt };
}
