import { z } from 'zod';
import { backendPreferenceSchema, enginePreferenceSchema, pathInputSchema, runStatusSchema } from './domain';

// Crosscoder training as the UI and the compute worker see it (docs/decisions/0006): the start form,
// the trainCrosscoder and estimateTraining jobs, runs with their metric series and evaluation summary.

const count = z.number().int().min(0);
const name = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');
/** A number that may be missing or not finite (NaN and ±∞ travel as null in JSON). */
const maybeNumber = z.number().nullable();

export const crosscoderTypeSchema = z.enum(['l1', 'batchtopk']);
export type CrosscoderType = z.infer<typeof crosscoderTypeSchema>;

/** The per-step metrics the charts draw, in the order they are shown. */
export const trainingMetricNames = ['loss', 'mse', 'l1', 'l0', 'deadFraction'] as const;
export type TrainingMetricName = (typeof trainingMetricNames)[number];
export const trainingMetricNameSchema = z.enum(trainingMetricNames);

/** Hyperparameters a user chooses (the rest take the METHOD.md defaults of the core config). */
export const crosscoderHyperparametersSchema = z.object({
  /** `l1`: ReLU features with the decoder-norm-weighted L1 penalty; `batchtopk`: top k·B per batch. */
  type: crosscoderTypeSchema.default('l1'),
  /** Dictionary size F. */
  nFeatures: z.number().int().min(1).max(4_194_304),
  /** BatchTopK: features kept per token (default 32). */
  k: z.number().int().positive().optional(),
  /** L1: coefficient λ after warm-up (default 2). */
  l1Coeff: z.number().min(0, 'λ must not be negative').optional(),
  /** Adam learning rate (default 5e-5). */
  learningRate: z.number().positive().max(1).optional(),
  steps: z.number().int().min(1).max(100_000_000),
  /** Tokens a batch. */
  batchSize: z.number().int().min(1).max(65_536),
  /** Seed of the initialisation and the data order (default 4352). */
  seed: z
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .optional(),
});
export type CrosscoderHyperparameters = z.infer<typeof crosscoderHyperparametersSchema>;

export const trainingStartSchema = crosscoderHyperparametersSchema.extend({
  name,
  /** Activation store folder (or safetensors file with `acts` [N,M,D]), absolute. */
  activationStore: pathInputSchema,
  /** Save weights and optimizer state every this many steps (and at the end); default 1000. */
  saveEvery: z.number().int().min(1).optional(),
  /** Training engine: native (OpenBLAS) or tfjs; `auto` picks (see `ctt info`). */
  engine: enginePreferenceSchema.optional(),
});
export type TrainingStartInput = z.infer<typeof trainingStartSchema>;

/** What a run row keeps as its config: the request, resolved, plus what the store holds. */
export const trainingRunConfigSchema = z.object({
  activationStore: z.string(),
  store: z.object({
    model: z.string().nullable(),
    revisions: z.array(z.string()),
    layer: z.number().int().nullable(),
    nCheckpoints: count,
    dModel: count,
    rows: count,
  }),
  crosscoder: crosscoderHyperparametersSchema,
  saveEvery: z.number().int().min(1),
  /** Rows of the store the evaluation after training reads. */
  evalRows: z.number().int().min(1),
  /** Engine preference the run was started with (runs from before engines existed: auto). */
  engine: enginePreferenceSchema.optional(),
});
export type TrainingRunConfig = z.infer<typeof trainingRunConfigSchema>;

/** Parameters of the trainCrosscoder job. */
export const trainCrosscoderParamsSchema = z.object({
  runId: z.string().min(1),
  activationStore: z.string().min(1),
  /** Run directory: config.json, weights, saves (resumed when it holds a save of the same run). */
  outDir: z.string().min(1),
  crosscoder: crosscoderHyperparametersSchema,
  saveEvery: z.number().int().min(1),
  evalRows: z.number().int().min(1),
  backendPreference: backendPreferenceSchema.optional(),
  enginePreference: enginePreferenceSchema.optional(),
});
export type TrainCrosscoderParams = z.infer<typeof trainCrosscoderParamsSchema>;

export const stepMetricsSchema = z.object({
  step: count,
  loss: z.number(),
  mse: z.number(),
  l1: z.number(),
  l0: z.number(),
  deadFraction: z.number(),
});
export type StepMetricsSummary = z.infer<typeof stepMetricsSchema>;

/** Evaluation of the trained crosscoder, without per-feature arrays (METHOD-REFERENCE §4.1). */
export const evaluationSummarySchema = z.object({
  tokens: count,
  mse: maybeNumber,
  msePerCheckpoint: z.array(maybeNumber),
  /** Fraction of variance unexplained (ratio of sums). */
  fvu: maybeNumber,
  explainedVariance: maybeNumber,
  explainedVariancePerCheckpoint: z.array(maybeNumber),
  /** The released code's per-token mean EV (batch-size sensitive). */
  explainedVariancePerTokenMean: maybeNumber,
  l1: maybeNumber,
  l0: maybeNumber,
  /** Features that never fired on the evaluation rows. */
  deadFraction: maybeNumber,
  /** Features active on more than 10% of the evaluation rows. */
  denseFraction: maybeNumber,
  /** Bins of the RelDec histograms over [0, 1]. */
  relDecBins: z.number().int().min(1),
  /** [M][bins]: features per RelDec bin of each checkpoint (features with all-zero decoders left out). */
  relDecHistogram: z.array(z.array(count)),
  /** Mean decoder cosine of checkpoint pairs (0,1), (0,2), (1,2) as available. */
  decoderCosineMean: z.array(maybeNumber),
});
export type EvaluationSummary = z.infer<typeof evaluationSummarySchema>;

export const trainCrosscoderResultSchema = z.object({
  runId: z.string(),
  outDir: z.string(),
  steps: count,
  /** Step the job resumed at (0 for a fresh run). */
  resumedFrom: count,
  /** Training steps a second in this job (null when it trained none). */
  stepsPerSecond: maybeNumber,
  backend: z.string(),
  /** The engine that trained (`native`, `tfjs`) and why. */
  engine: z.string().optional(),
  engineReason: z.string().optional(),
  final: stepMetricsSchema.nullable(),
  evaluation: evaluationSummarySchema,
});
export type TrainCrosscoderResult = z.infer<typeof trainCrosscoderResultSchema>;

/** Parameters of the estimateTraining job: a few steps on random rows of the chosen shape. */
export const estimateTrainingParamsSchema = z.object({
  type: crosscoderTypeSchema,
  nCheckpoints: z.number().int().min(2).max(3),
  dModel: z.number().int().min(1),
  nFeatures: z.number().int().min(1),
  batchSize: z.number().int().min(1),
  k: z.number().int().positive().optional(),
  /** Timed steps after one warm-up step. */
  steps: z.number().int().min(1).max(100).default(3),
  backendPreference: backendPreferenceSchema.optional(),
  enginePreference: enginePreferenceSchema.optional(),
});
export type EstimateTrainingParams = z.infer<typeof estimateTrainingParamsSchema>;

export const estimateTrainingResultSchema = z.object({
  stepsPerSecond: z.number(),
  backend: z.string(),
  /** The engine measured (`native`, `tfjs`); absent from results of older workers. */
  engine: z.string().optional(),
  engineReason: z.string().optional(),
});
export type EstimateTrainingResult = z.infer<typeof estimateTrainingResultSchema>;

export const trainingEstimateInputSchema = z.object({
  activationStore: pathInputSchema,
  type: crosscoderTypeSchema.default('l1'),
  /** Measure this size; default: the suggestion. */
  nFeatures: z.number().int().min(1).max(4_194_304).optional(),
  batchSize: z.number().int().min(1).max(65_536).optional(),
  k: z.number().int().positive().optional(),
  /** Minutes the user wants to spend; the suggested steps fill them. */
  timeBudgetMinutes: z.number().positive().max(100_000).default(5),
  engine: enginePreferenceSchema.default('auto'),
});
export type TrainingEstimateInput = z.output<typeof trainingEstimateInputSchema>;

export const trainingEstimateSchema = z.object({
  nCheckpoints: count,
  dModel: count,
  rows: count,
  /** The shape that was measured. */
  nFeatures: count,
  batchSize: count,
  stepsPerSecond: z.number(),
  backend: z.string(),
  /** The engine measured and why (`native engine (OpenBLAS, 2 threads) is the fastest engine here`). */
  engine: z.string(),
  engineReason: z.string(),
  /** Bytes the measured shape needs while training (weights, Adam, gradients, one batch), estimated. */
  memoryBytes: z.number(),
  /** What the engine can hold: native, half of the machine's memory; tfjs-wasm 3 of its 4 GiB heap. */
  memoryLimitBytes: z.number(),
  /** Defaults scaled to this machine: F = 8·d halved until it fits, B by d, steps from the budget. */
  suggested: z.object({ nFeatures: count, batchSize: count, steps: count }),
});
export type TrainingEstimate = z.infer<typeof trainingEstimateSchema>;

/** A run in the run list: status, progress and headline numbers. */
export const runSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: runStatusSchema,
  createdAt: z.string(),
  type: crosscoderTypeSchema,
  nFeatures: count,
  /** Highest step with stored metrics. */
  stepsDone: count,
  steps: count,
  activationStore: z.string(),
  jobId: z.string().nullable(),
  error: z.string().nullable(),
  /** Latest stored value of each training metric. */
  lastMetrics: z.record(z.string(), z.number()),
  /** Headline evaluation numbers once finished. */
  evaluation: z
    .object({ mse: maybeNumber, explainedVariance: maybeNumber, l0: maybeNumber, deadFraction: maybeNumber })
    .nullable(),
  /** Failed or cancelled (also by an app restart): `training:resume` continues from the last save. */
  canResume: z.boolean(),
});
export type RunSummary = z.infer<typeof runSummarySchema>;

export const runDetailSchema = runSummarySchema.extend({
  dir: z.string().nullable(),
  config: trainingRunConfigSchema,
  result: trainCrosscoderResultSchema.nullable(),
});
export type RunDetail = z.infer<typeof runDetailSchema>;

export const metricSeriesSchema = z.object({
  name: z.string(),
  points: z.array(z.object({ step: count, value: z.number() })),
});
export type MetricSeries = z.infer<typeof metricSeriesSchema>;
