import { z } from 'zod';
import { backendPreferenceSchema, pathInputSchema } from './domain';

// Attribution as the UI and the compute worker see it (issue 6): the start form, the `attribute` job's
// parameters and result (IE per checkpoint and feature, RelDec per feature), and the list of results.

export const attributionMethodSchema = z.enum(['ig', 'atp']);
export type AttributionMethod = z.infer<typeof attributionMethodSchema>;

/** Integrated-gradient steps when a start names none. */
export const defaultIgSteps = 10;

export const attributionStartSchema = z.object({
  runId: z.string().min(1),
  /** Minimal-pair task file (BLiMP / CLAMS / MultiBLiMP jsonl), absolute. */
  taskFile: pathInputSchema,
  /** `ig`: integrated gradients with `steps` points; `atp`: attribution patching (one step). */
  method: attributionMethodSchema.default('ig'),
  steps: z.number().int().min(1).max(100).optional(),
  /** Use at most this many pairs of the task. */
  limit: z.number().int().min(1).optional(),
  /** Per-position activation threshold below which a feature counts as off (none by default). */
  threshold: z.number().min(0).optional(),
});
export type AttributionStartInput = z.output<typeof attributionStartSchema>;

/** Parameters of the `attribute` job: everything resolved from the run and its store's manifest. */
export const attributeParamsSchema = z.object({
  runId: z.string().min(1),
  runDir: z.string().min(1),
  /** The run's checkpoints in the order of its M axis (from the activation store's manifest). */
  checkpoints: z
    .array(z.object({ revision: z.string(), path: z.string().min(1), tokensSeen: z.number().nullable() }))
    .min(2)
    .max(3),
  layer: z.number().int().min(0),
  taskFile: z.string().min(1),
  method: attributionMethodSchema,
  steps: z.number().int().min(1),
  limit: z.number().int().min(1).optional(),
  threshold: z.number().min(0).nullable(),
  backendPreference: backendPreferenceSchema.optional(),
});
export type AttributeParams = z.infer<typeof attributeParamsSchema>;

export const attributeResultSchema = z.object({
  runId: z.string(),
  /** Signed IE [M][F] on logit(wrong) − logit(right); mean over pairs of the per-pair sum over tokens. */
  ie: z.array(z.array(z.number())),
  /** IE of the reconstruction error per checkpoint. */
  errorIe: z.array(z.number()),
  metricClean: z.array(z.number()),
  metricAblated: z.array(z.number()),
  /** Pairs attributed, and pairs of the file left out (unreadable, or answers not one token apart). */
  n: z.number().int(),
  skipped: z.number().int(),
  /** [F][M]: ‖W_dec[i,m]‖ / Σ_m' ‖W_dec[i,m']‖ (null for a feature whose decoder is all zero). */
  relDec: z.array(z.array(z.number().nullable())),
  /** [F][M]: ‖W_dec[i,m]‖ (results written before decoder norms were kept have none). */
  decoderNorms: z.array(z.array(z.number())).optional(),
  /**
   * Per pair (minimal pair of the task, in file order among those attributed): the metric per checkpoint
   * and the features with the largest |IE| on that pair, per checkpoint (older results have none).
   */
  items: z
    .array(
      z.object({
        item: z.number().int().min(0),
        good: z.string(),
        bad: z.string(),
        metricClean: z.array(z.number()),
        top: z.array(z.array(z.object({ feature: z.number().int().min(0), ie: z.number() }))),
      }),
    )
    .optional(),
  provenance: z.object({
    runDir: z.string(),
    revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
    layer: z.number().int(),
    task: z.string(),
    method: attributionMethodSchema,
    steps: z.number().int(),
    threshold: z.number().nullable(),
    metric: z.string(),
    backend: z.string(),
    createdAt: z.string(),
  }),
});
export type AttributeResult = z.infer<typeof attributeResultSchema>;

/** A finished attribution of a run. */
export const attributionSummarySchema = z.object({
  jobId: z.string(),
  runId: z.string(),
  taskFile: z.string(),
  method: attributionMethodSchema,
  steps: z.number().int(),
  finishedAt: z.string().nullable(),
  result: attributeResultSchema,
});
export type AttributionSummary = z.infer<typeof attributionSummarySchema>;

/** Parameters of the `dashboards` job: the run, its activation store folder and the features to show. */
export const dashboardsParamsSchema = z.object({
  runId: z.string().min(1),
  runDir: z.string().min(1),
  /** Activation store folder (with manifest.json and contexts) the run was trained on. */
  storeDir: z.string().min(1),
  features: z.array(z.number().int().min(0)).min(1),
  /** Rows of the store read (the first ones); all up to 200,000 by default. */
  maxRows: z.number().int().min(1).optional(),
  backendPreference: backendPreferenceSchema.optional(),
});
export type DashboardsParams = z.infer<typeof dashboardsParamsSchema>;

/** Result of a `dashboards` job: files written under `<runDir>/dashboards/` (index.json lists them). */
export const dashboardsResultSchema = z.object({
  runId: z.string(),
  dir: z.string(),
  features: z.array(z.object({ feature: z.number().int(), density: z.number(), maxActivation: z.number() })),
  rows: z.number().int(),
});
export type DashboardsResult = z.infer<typeof dashboardsResultSchema>;
