import { openActivationStore } from '../core/activations/activation-store';
import { selectBackend } from '../core/backend';
import { evaluateCrosscoder } from '../core/crosscoder/evaluate';
import { loadRun } from '../core/crosscoder/run-files';
import { trainCrosscoderRun } from '../core/crosscoder/train-run';
import type { ProgressListener } from '../core/progress';
import {
  trainCrosscoderParamsSchema,
  type EvaluationSummary,
  type TrainCrosscoderResult,
} from '../shared/training';
import { normalizedRows, summarizeEvaluation } from '../core/crosscoder/evaluation-summary';
import type { ComputeContext } from './jobs';

/*
 * The trainCrosscoder job (docs/decisions/0006): trains into the run directory (resuming from its last
 * save when it has one), then evaluates the final weights on the first `evalRows` rows of the same store.
 * Progress counts the steps of this job, so the runner's ETA stays right after a resume; the metrics
 * carry the run's own step as `runStep`, which is what the charts plot.
 */
export async function runTrainCrosscoder(
  rawParams: unknown,
  context: ComputeContext,
): Promise<TrainCrosscoderResult> {
  const params = trainCrosscoderParamsSchema.parse(rawParams);
  const backend = await selectBackend(params.backendPreference ?? context.defaultBackend);
  const { steps } = params.crosscoder;
  context.onProgress({ step: 0, total: steps, message: 'opening the activation store' });
  // Messages name the engine once it is chosen (trainCrosscoderRun records it in the run's config.json).
  let firstStep: number | null = null;
  let startedMs = 0;
  let lastMs = 0;
  const trained = await trainCrosscoderRun({
    acts: params.activationStore,
    config: params.crosscoder,
    out: params.outDir,
    saveEvery: params.saveEvery,
    signal: context.signal,
    engine: params.enginePreference ?? 'auto',
    backend: backend.backend,
    onStep: (m, total) => {
      if (firstStep === null) {
        firstStep = m.step - 1;
        startedMs = performance.now();
      }
      lastMs = performance.now();
      context.onProgress({
        step: m.step - firstStep,
        total: total - firstStep,
        message: `step ${m.step}/${total}`,
        metrics: {
          runStep: m.step,
          loss: m.loss,
          mse: m.mse,
          l1: m.l1,
          l0: m.l0,
          deadFraction: m.deadFraction,
        },
      });
    },
  });
  const trainedSteps = trained.steps - trained.resumedFrom;
  // The first step's time is not measured (the clock starts after it), so count the ones after it.
  const stepsPerSecond =
    trainedSteps > 1 && lastMs > startedMs ? ((trainedSteps - 1) * 1000) / (lastMs - startedMs) : null;
  const done = Math.max(1, trainedSteps);
  const evaluation = await evaluateRunOnStore(params.outDir, params.activationStore, params.evalRows, {
    signal: context.signal,
    onProgress: (p) =>
      context.onProgress({
        step: done,
        total: done,
        message: `evaluating: ${p.metrics?.tokens ?? 0} of up to ${params.evalRows} rows`,
      }),
  });
  const last = trained.last;
  return {
    runId: params.runId,
    outDir: params.outDir,
    steps: trained.steps,
    resumedFrom: trained.resumedFrom,
    stepsPerSecond,
    backend: backend.backend,
    engine: trained.engine.engine,
    engineReason: trained.engine.reason,
    final:
      last === null
        ? null
        : {
            step: last.step,
            loss: last.loss,
            mse: last.mse,
            l1: last.l1,
            l0: last.l0,
            deadFraction: last.deadFraction,
          },
    evaluation,
  };
}

/** MSE, EV, L0, dead/dense fractions and RelDec histograms of a saved run on a store's first rows. */
export async function evaluateRunOnStore(
  runDir: string,
  storePath: string,
  maxRows: number,
  options: { signal?: AbortSignal; onProgress?: ProgressListener } = {},
): Promise<EvaluationSummary> {
  const run = await loadRun(runDir);
  try {
    const store = await openActivationStore(storePath);
    if (store.dModel !== run.config.dModel) {
      throw new Error(`${storePath}: activations have d = ${store.dModel}, the run ${run.config.dModel}`);
    }
    const metrics = await evaluateCrosscoder(
      run.crosscoder,
      normalizedRows(store, run.scale, maxRows, options.signal),
      options,
    );
    return summarizeEvaluation(metrics);
  } finally {
    run.crosscoder.dispose();
  }
}
