import { selectBackend } from '../core/backend';
import { crosscoderConfigSchema } from '../core/crosscoder/config';
import { createCrosscoderTrainer } from '../core/crosscoder/train-run';
import { selectEngine } from '../core/engine';
import { SeededRandom } from '../core/random';
import { throwIfAborted } from '../core/progress';
import { estimateTrainingParamsSchema, type EstimateTrainingResult } from '../shared/training';
import type { ComputeContext } from './jobs';

/*
 * The estimateTraining job: training steps/s for a crosscoder shape on this machine's backend, from a
 * warm-up step and `steps` timed steps on random rows. N(0,1) entries give ‖x_m‖ ≈ √D, the norm the
 * trainer's normalised activations have. Legend: B M D F.
 */
export async function runEstimateTraining(
  rawParams: unknown,
  context: ComputeContext,
): Promise<EstimateTrainingResult> {
  const params = estimateTrainingParamsSchema.parse(rawParams);
  const backend = await selectBackend(params.backendPreference ?? context.defaultBackend);
  const { nCheckpoints: m, dModel: d, batchSize: b } = params;
  const config = crosscoderConfigSchema.parse({
    type: params.type,
    nCheckpoints: m,
    dModel: d,
    nFeatures: params.nFeatures,
    ...(params.k === undefined ? {} : { k: params.k }),
    // Long enough that the timed steps sit in the constant-LR, full-λ part of the schedules.
    steps: 1000 * (params.steps + 1),
    batchSize: b,
  });
  const engine = selectEngine(params.enginePreference ?? 'auto', backend.backend);
  const trainer = createCrosscoderTrainer(config, engine.engine);
  const random = new SeededRandom(1);
  const x_BMD = Float32Array.from({ length: b * m * d }, () => random.normal());
  try {
    context.onProgress({ step: 0, total: params.steps + 1, message: `warm-up step (${engine.engine})` });
    await trainer.trainBatch(x_BMD);
    const startedMs = performance.now();
    for (let i = 0; i < params.steps; i++) {
      throwIfAborted(context.signal);
      await trainer.trainBatch(x_BMD);
      context.onProgress({ step: i + 2, total: params.steps + 1 });
    }
    const seconds = (performance.now() - startedMs) / 1000;
    return {
      stepsPerSecond: params.steps / Math.max(seconds, 1e-6),
      backend: backend.backend,
      engine: engine.engine,
      engineReason: engine.reason,
    };
  } finally {
    trainer.dispose();
  }
}
