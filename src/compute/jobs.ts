import { selectBackend } from '../core/backend';
import { measureMatmul } from '../core/matmul-benchmark';
import type { ProgressListener } from '../core/progress';
import {
  selfTestParamsSchema,
  type BackendInfo,
  type BackendPreference,
  type JobKind,
  type SelfTestResult,
} from '../shared/domain';
import { runAttributeJob } from './attribute';
import { runDashboardsJob } from './dashboards';
import { runEstimateTraining } from './estimate-training';
import { runExtractActivations } from './extract-activations';
import { runFaithfulnessJob } from './faithfulness';
import { runTaskAccuracy } from './task-accuracy';
import { runTrainCrosscoder } from './train-crosscoder';

export interface ComputeContext {
  signal: AbortSignal;
  onProgress: ProgressListener;
  /** Backend to use when the job's params name none (from settings or `CTT_BACKEND`). */
  defaultBackend: BackendPreference;
}

type ComputeJob = (params: unknown, context: ComputeContext) => Promise<unknown>;

/** Backend self-test: picks the backend, then measures matmul GFLOP/s at a few sizes. */
async function selfTest(rawParams: unknown, context: ComputeContext): Promise<SelfTestResult> {
  const params = selfTestParamsSchema.parse(rawParams);
  const backend: BackendInfo = await selectBackend(params.backendPreference ?? context.defaultBackend);
  context.onProgress({
    step: 0,
    total: params.sizes.length * (params.repeats + 1),
    message: `backend ${backend.backend}`,
  });
  const rows = await measureMatmul({
    sizes: params.sizes,
    repeats: params.repeats,
    signal: context.signal,
    onProgress: context.onProgress,
  });
  return { backend, rows };
}

/** Every job kind the compute worker runs. Adding a kind to `jobKindSchema` without one fails to compile. */
export const computeJobs: Record<JobKind, ComputeJob> = {
  selfTest,
  taskAccuracy: runTaskAccuracy,
  extractActivations: runExtractActivations,
  trainCrosscoder: runTrainCrosscoder,
  estimateTraining: runEstimateTraining,
  attribute: runAttributeJob,
  dashboards: runDashboardsJob,
  faithfulness: runFaithfulnessJob,
};
