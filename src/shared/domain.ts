import { z } from 'zod';
import { isKnownLanguageCode } from './languages';

// Domain records shared by the store, the services and the UI. Vocabulary: docs/glossary.md.

const isoTime = z.string().describe('ISO-8601 time, UTC');
const name = z.string().trim().min(1, 'must not be empty').max(200, 'at most 200 characters');

export const backendNameSchema = z.enum(['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu']);
export type BackendName = z.infer<typeof backendNameSchema>;
export const backendPreferenceSchema = z.enum(['auto', ...backendNameSchema.options]);
export type BackendPreference = z.infer<typeof backendPreferenceSchema>;

export const backendAttemptSchema = z.object({
  backend: backendNameSchema,
  ok: z.boolean(),
  /** Why it was not used (`@tensorflow/tfjs-node is not installed`), or why it was. */
  reason: z.string(),
});
export const backendInfoSchema = z.object({
  backend: backendNameSchema,
  reason: z.string(),
  preference: backendPreferenceSchema,
  attempts: z.array(backendAttemptSchema),
  tfjsVersion: z.string(),
});
export type BackendInfo = z.infer<typeof backendInfoSchema>;

/** Crosscoder training engine: the native addon (OpenBLAS, fused step) or tfjs on its backend. */
export const engineNameSchema = z.enum(['native', 'tfjs']);
export type EngineName = z.infer<typeof engineNameSchema>;
export const enginePreferenceSchema = z.enum(['auto', ...engineNameSchema.options]);
export type EnginePreference = z.infer<typeof enginePreferenceSchema>;
export const engineInfoSchema = z.object({
  engine: engineNameSchema,
  preference: enginePreferenceSchema,
  /** Why this engine (`native engine did not build: OpenBLAS not found …`). */
  reason: z.string(),
  native: z.object({
    ok: z.boolean(),
    /** The OpenBLAS build it links to, or why it is unavailable. */
    detail: z.string(),
    threads: z.number().int().nullable(),
  }),
});
export type EngineInfo = z.infer<typeof engineInfoSchema>;

export const appInfoSchema = z.object({
  appName: z.string(),
  appVersion: z.string(),
  nodeVersion: z.string(),
  platform: z.string(),
  mode: z.enum(['electron', 'serve', 'cli']),
  dataDir: z.string(),
  schemaVersion: z.number().int(),
  backend: backendInfoSchema.nullable(),
  engine: engineInfoSchema.nullable().optional(),
});
export type AppInfo = z.infer<typeof appInfoSchema>;

const settingsFields = {
  /** Which tfjs backend compute jobs use; `auto` walks tensorflow-gpu → tensorflow → native → wasm → cpu. */
  backendPreference: backendPreferenceSchema,
  /** Annotator whose edits this window records; null until one is chosen. */
  activeAnnotatorId: z.number().int().positive().nullable(),
  /** How many compute jobs run at once; the rest wait in the queue. */
  maxConcurrentJobs: z.number().int().min(1).max(8),
  /** Annotators see others' answers on a feature only after submitting their own. */
  isBlindMode: z.boolean(),
};
export const settingsSchema = z.object({
  backendPreference: settingsFields.backendPreference.default('auto'),
  activeAnnotatorId: settingsFields.activeAnnotatorId.default(null),
  maxConcurrentJobs: settingsFields.maxConcurrentJobs.default(1),
  isBlindMode: settingsFields.isBlindMode.default(false),
});
export type Settings = z.infer<typeof settingsSchema>;
/** A change of some settings: only the keys given, no defaults filled in, unknown keys refused. */
export const settingsPatchSchema = z.object(settingsFields).partial().strict();

export const projectSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  description: z.string(),
  createdAt: isoTime,
});
export type Project = z.infer<typeof projectSchema>;
export const projectCreateSchema = z.object({ name, description: z.string().max(5000).default('') });

export const annotatorSchema = z.object({ id: z.number().int(), name: z.string(), createdAt: isoTime });
export type Annotator = z.infer<typeof annotatorSchema>;
export const annotatorCreateSchema = z.object({ name });

/** Lifecycle category names (src/shared/lifecycle.ts `categoryOf` for 2 and 3 checkpoints). */
export const lifecycleCategorySchema = z.enum([
  'emerged',
  'emerged-mid',
  'emerged-late',
  'maintained',
  'discontinued',
  'transient-gap',
  'other',
  'undefined',
]);
export type LifecycleCategory = z.infer<typeof lifecycleCategorySchema>;

const unitRating = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1').nullable();

/** Longest description an annotator may save. */
export const maxDescriptionLength = 2000;

/**
 * ISO 639-3 code, optionally tentative (exported with a trailing `*`). A code that is not in ISO 639-3
 * is accepted only when marked `isCustom` (checked against the code table in `languages.ts`).
 */
export const languageTagSchema = z.object({
  code: z.string().regex(/^[a-z]{3}$/, 'must be an ISO 639-3 code of three lowercase letters'),
  isTentative: z.boolean().default(false),
  isCustom: z.boolean().default(false),
});
export type LanguageTag = z.infer<typeof languageTagSchema>;

/** Where an annotator is with a feature: `done` is submitted (save-and-next), `skipped` set aside. */
export const annotationStatusSchema = z.enum(['draft', 'done', 'skipped']);
export type AnnotationStatus = z.infer<typeof annotationStatusSchema>;

/** Everything an annotator records about one feature. Each save stores the whole record as a revision. */
export const annotationFieldsSchema = z.object({
  description: z
    .string()
    .max(maxDescriptionLength, `must be at most ${maxDescriptionLength} characters`)
    .default(''),
  isUninterpretable: z.boolean().default(false),
  interpretability: unitRating.default(null),
  complexity: unitRating.default(null),
  languages: z
    .array(languageTagSchema)
    .max(50)
    .default([])
    .superRefine((tags, context) => {
      tags.forEach((tag, i) => {
        if (!tag.isCustom && !isKnownLanguageCode(tag.code))
          context.addIssue({
            code: 'custom',
            path: [i, 'code'],
            message: `"${tag.code}" is not an ISO 639-3 code; mark it custom to keep it`,
          });
      });
      const codes = tags.map((t) => t.code);
      const duplicate = codes.find((c, i) => codes.indexOf(c) !== i);
      if (duplicate !== undefined)
        context.addIssue({ code: 'custom', message: `"${duplicate}" is listed twice` });
    }),
  isAllLanguages: z.boolean().default(false),
  lifecycleOverride: lifecycleCategorySchema.nullable().default(null),
  lifecycleOverrideReason: z.string().max(2000).default(''),
  isFlagged: z.boolean().default(false),
  notes: z.string().max(10_000).default(''),
  /** Milliseconds spent on the feature, summed over this annotator's visits. */
  timeSpentMs: z.number().int().min(0).default(0),
  status: annotationStatusSchema.default('draft'),
});
export type AnnotationFields = z.infer<typeof annotationFieldsSchema>;

export const annotationRevisionSchema = z.object({
  id: z.number().int(),
  featureId: z.number().int(),
  annotatorId: z.number().int(),
  revision: z.number().int().min(1),
  fields: annotationFieldsSchema,
  /** Names of the fields that differ from the previous revision. */
  changed: z.array(z.string()),
  createdAt: isoTime,
});
export type AnnotationRevision = z.infer<typeof annotationRevisionSchema>;

export const jobKindSchema = z.enum([
  'selfTest',
  'taskAccuracy',
  'extractActivations',
  'trainCrosscoder',
  'estimateTraining',
  'attribute',
  'dashboards',
  'faithfulness',
]);
export type JobKind = z.infer<typeof jobKindSchema>;
export const jobStateSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'cancelled']);
export type JobState = z.infer<typeof jobStateSchema>;
export const isJobFinished = (state: JobState): boolean =>
  state === 'succeeded' || state === 'failed' || state === 'cancelled';

export const jobSnapshotSchema = z.object({
  id: z.string(),
  kind: jobKindSchema,
  label: z.string(),
  state: jobStateSchema,
  step: z.number().int().min(0),
  total: z.number().int().min(0),
  /** Estimated milliseconds left; null until two progress reports exist. */
  etaMs: z.number().nullable(),
  /** Latest scalar metrics (`gflopsPerSecond`, `loss`, …). */
  metrics: z.record(z.string(), z.number()),
  message: z.string(),
  error: z.string().nullable(),
  /** Job-specific result, validated by the job kind's own schema. */
  result: z.unknown().nullable(),
  params: z.unknown(),
  createdAt: isoTime,
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
});
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;

export const selfTestParamsSchema = z.object({
  /** Square matmul sizes n (n×n · n×n) to time. */
  sizes: z.array(z.number().int().min(8).max(4096)).min(1).max(12).default([128, 256, 512]),
  /** Timed repetitions per size after one warm-up. */
  repeats: z.number().int().min(1).max(1000).default(5),
  backendPreference: backendPreferenceSchema.optional(),
});
export type SelfTestParams = z.infer<typeof selfTestParamsSchema>;
export const selfTestResultSchema = z.object({
  backend: backendInfoSchema,
  rows: z.array(z.object({ size: z.number().int(), medianMs: z.number(), gflopsPerSecond: z.number() })),
});
export type SelfTestResult = z.infer<typeof selfTestResultSchema>;

export const modelSourceKindSchema = z.enum(['folder', 'hfCache']);
export type ModelSourceKind = z.infer<typeof modelSourceKindSchema>;

export const modelSchema = z.object({
  id: z.number().int(),
  projectId: z.number().int(),
  name: z.string(),
  /** Architecture family (`gpt_neox`, `olmo`, `bloom`, `demo`). */
  family: z.string(),
  /** Hugging Face repo id (`hfCache`) or local folder (`folder`). */
  source: z.string(),
  sourceKind: modelSourceKindSchema,
  /** The Hugging Face hub cache the revisions were found in (`hfCache` only). */
  cacheDir: z.string().nullable(),
  /** Training tokens per optimizer step, for `stepN` revisions; null: Pythia's rule or unknown. */
  tokensPerStep: z.number().nullable(),
  createdAt: isoTime,
});
export type Model = z.infer<typeof modelSchema>;

export const checkpointSchema = z.object({
  id: z.number().int(),
  modelId: z.number().int(),
  revision: z.string(),
  step: z.number().int().nullable(),
  tokensSeen: z.number().nullable(),
  path: z.string().nullable(),
});
export type Checkpoint = z.infer<typeof checkpointSchema>;

/** A file system path as typed in the UI; the services check that it is absolute and exists. */
const pathInput = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(4096, 'at most 4096 characters')
  .refine((p) => !p.includes('\u0000'), 'must not contain a NUL character');
export const pathInputSchema = pathInput;
/** Architectures the LM runtime can load (GPT-NeoX/Pythia, OLMo `-hf`, BLOOM). */
export const modelFamilySchema = z.enum(['gpt_neox', 'olmo', 'bloom']);
export type ModelFamily = z.infer<typeof modelFamilySchema>;

/** A Hugging Face repo id, `org/name`. */
export const hfRepoSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/, 'must look like org/name')
  .refine((r) => !r.includes('..'), 'must not contain ".."');

/** Where a model family's checkpoints come from. */
export const modelSourceSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('folder'),
    /** A model folder (one checkpoint), or a folder whose subfolders are model folders (one each). */
    path: pathInput,
  }),
  z.object({
    kind: z.literal('hfCache'),
    /** Hugging Face repo id, e.g. `EleutherAI/pythia-160m`; one checkpoint per cached revision. */
    repo: hfRepoSchema,
    /** Hub cache folder; default HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub. */
    cacheDir: pathInput.optional(),
    /**
     * Only these revisions (a study preset's), each from `repo` unless it names another (BLOOM's `main`
     * lives in `bigscience/bloom-1b1`, its steps in `…-intermediate`). A revision not in the cache yet is
     * added without a folder; `ctt models download` fetches it.
     */
    revisions: z
      .array(
        z.object({
          revision: z.string().trim().min(1, 'must not be empty').max(200),
          repo: hfRepoSchema.optional(),
        }),
      )
      .min(1, 'at least one revision')
      .max(64)
      .optional(),
  }),
]);
export type ModelSource = z.infer<typeof modelSourceSchema>;

export const modelAddSchema = z.object({
  name,
  family: modelFamilySchema.default('gpt_neox'),
  source: modelSourceSchema,
  /** Training tokens per step, so that `stepN` revisions get tokens seen (Pythia needs none). */
  tokensPerStep: z.number().positive().max(1e12).optional(),
});
export type ModelAddInput = z.infer<typeof modelAddSchema>;

export const checkpointAddSchema = z.object({
  modelId: z.number().int().positive(),
  /** Revision name within the family (`step1000`); `stepN` gives the step. */
  revision: z.string().trim().min(1, 'must not be empty').max(200),
  /** Absolute path of a model folder. */
  path: pathInput,
});

/** A model family with its checkpoints, ordered by tokens seen (unknown last). */
export const modelWithCheckpointsSchema = modelSchema.extend({ checkpoints: z.array(checkpointSchema) });
export type ModelWithCheckpoints = z.infer<typeof modelWithCheckpointsSchema>;

/** Whether a checkpoint's folder is complete enough for long jobs; problems are sentences naming files. */
export const checkpointValidationSchema = z.object({
  checkpointId: z.number().int(),
  isComplete: z.boolean(),
  problems: z.array(z.string()),
  /** What config.json and the safetensors headers say; null when they could not be read. */
  architecture: z.string().nullable(),
  layers: z.number().int().nullable(),
  dModel: z.number().int().nullable(),
  vocabSize: z.number().int().nullable(),
  dtype: z.string().nullable(),
  parameterCount: z.number().int().nullable(),
  hasTokenizer: z.boolean(),
});
export type CheckpointValidation = z.infer<typeof checkpointValidationSchema>;

// ---------- Task accuracy per checkpoint (minimal pairs) ----------

export const answerTokenPolicySchema = z.enum(['multiToken', 'singleTokenOnly']);

export const taskAccuracyParamsSchema = z.object({
  /** Checkpoints to score, in the order the result lists them. */
  checkpoints: z
    .array(
      z.object({
        checkpointId: z.number().int(),
        path: z.string().min(1),
        revision: z.string(),
        tokensSeen: z.number().nullable(),
      }),
    )
    .min(1, 'at least one checkpoint'),
  /** Absolute path of a task file (BLiMP / CLAMS JSONL, MultiBLiMP TSV or JSONL). */
  taskFile: z.string().min(1),
  /** Use the first `limit` pairs. */
  limit: z.number().int().positive().optional(),
  /** `multiToken`: sum log-probs over answer tokens; `singleTokenOnly`: skip multi-token pairs. */
  policy: answerTokenPolicySchema.default('multiToken'),
  /** The family the checkpoints belong to (for display and filtering). */
  modelId: z.number().int().optional(),
  backendPreference: backendPreferenceSchema.optional(),
});
export type TaskAccuracyParams = z.infer<typeof taskAccuracyParamsSchema>;

/** Accuracy of one checkpoint on the pairs of one language (ISO 639-3). */
export const languageAccuracySchema = z.object({
  language: z.string(),
  /** Share of this language's scored pairs that are right; null when none was scored. */
  accuracy: z.number().nullable(),
  /** Pairs of this language scored at this checkpoint. */
  scored: z.number().int(),
  /** Pairs of this language this checkpoint's tokenizer could not score under the policy. */
  skipped: z.number().int(),
});
export type LanguageAccuracy = z.infer<typeof languageAccuracySchema>;

export const taskAccuracyResultSchema = z.object({
  task: z.object({
    file: z.string(),
    format: z.string().nullable(),
    /** Task names in the file (BLiMP UIDs, CLAMS file names). */
    names: z.array(z.string()),
    /** Lines the importer skipped (two-prefix paradigms, marked skips). */
    skippedLines: z.number().int(),
    /** ISO 639-3 codes of the pairs, sorted (results written before issue 9 have none). */
    languages: z.array(z.string()).optional(),
  }),
  pairs: z.array(
    z.object({
      id: z.string(),
      sentenceGood: z.string(),
      sentenceBad: z.string(),
      phenomenon: z.string().nullable(),
      language: z.string(),
    }),
  ),
  checkpoints: z.array(
    z.object({
      checkpointId: z.number().int(),
      revision: z.string(),
      tokensSeen: z.number().nullable(),
      /** Share of scored pairs whose good answer has the higher summed log-prob; null if none scored. */
      accuracy: z.number().nullable(),
      /** Per pair (as in `pairs`): goodLogProb − badLogProb in nats; null where the pair was skipped. */
      margins: z.array(z.number().nullable()),
      /** Pairs this checkpoint's tokenizer could not score under the policy. */
      skipped: z.number().int(),
      /** Accuracy per language of the pairs, by code (results written before issue 9 have none). */
      byLanguage: z.array(languageAccuracySchema).optional(),
    }),
  ),
});
export type TaskAccuracyResult = z.infer<typeof taskAccuracyResultSchema>;

export const taskAccuracyStartSchema = z.object({
  modelId: z.number().int().positive(),
  taskFile: pathInput,
  limit: z.number().int().positive().optional(),
  policy: answerTokenPolicySchema.default('multiToken'),
});

// ---------- Activation extraction (docs/decisions/0005) ----------

export const extractActivationsParamsSchema = z.object({
  /** Family label stored with the activations: the family folder or the Hugging Face repo id. */
  model: z.string().min(1),
  /** The M checkpoints, in the order of the M axis. */
  checkpoints: z
    .array(
      z.object({
        revision: z.string().min(1),
        /** Model folder of this revision. */
        path: z.string().min(1),
        tokensSeen: z.number().nullable(),
      }),
    )
    .min(1, 'at least one checkpoint')
    .max(16),
  /** Block whose output residual is read (0-based; Hugging Face hidden_states[layer + 1]). */
  layer: z.number().int().min(0),
  /** Corpus file: .txt (one document a line) or .jsonl (field `text`). */
  corpusFile: z.string().min(1),
  /** Tokens a window. */
  context: z.number().int().min(2).max(65536).default(64),
  /** Rows (token positions) to extract. */
  tokens: z.number().int().min(1),
  /** Storage dtype of the activations. */
  dtype: z.enum(['F16', 'F32']).default('F16'),
  /** Store folder (created; a folder with a matching manifest is resumed). */
  outDir: z.string().min(1),
  /** Windows a forward pass. */
  batchSize: z.number().int().min(1).max(4096).default(16),
  /** Rows a shard (rounded down to whole windows). */
  shardRows: z.number().int().min(1).default(8192),
  /** Leave position 0 of every window out (attention sink). */
  excludeFirstPosition: z.boolean().default(true),
  /** `all`: keep every model loaded; `one`: load each model per shard (RAM of one model). */
  modelResidency: z.enum(['all', 'one']).default('all'),
  backendPreference: backendPreferenceSchema.optional(),
});
export type ExtractActivationsParams = z.infer<typeof extractActivationsParamsSchema>;

export const extractActivationsResultSchema = z.object({
  outDir: z.string(),
  totalRows: z.number().int(),
  /** [N, M, d] of the store. */
  shape: z.tuple([z.number().int(), z.number().int(), z.number().int()]),
  shards: z.number().int(),
  /** Rows already on disk when the job started (a resumed extraction). */
  resumedRows: z.number().int(),
  extractedRows: z.number().int(),
  /** Rows a second in this job, each through all M checkpoints. */
  tokensPerSecond: z.number(),
  /** s_m per checkpoint. */
  scale: z.array(z.number()),
  complete: z.boolean(),
  corpusExhausted: z.boolean(),
  backend: z.string(),
});
export type ExtractActivationsResult = z.infer<typeof extractActivationsResultSchema>;

export const runStatusSchema = z.enum(['created', 'running', 'finished', 'failed', 'cancelled']);
export const runSchema = z.object({
  id: z.string(),
  projectId: z.number().int(),
  name: z.string(),
  kind: z.string(),
  status: runStatusSchema,
  config: z.unknown(),
  dir: z.string().nullable(),
  createdAt: isoTime,
  /** The job that trains (or last trained) the run; null before the first start. */
  jobId: z.string().nullable(),
  /** Why the run stopped, when it failed. */
  error: z.string().nullable(),
  /** The job's result (final metrics, evaluation summary) once finished; kind-specific. */
  result: z.unknown().nullable(),
});
export type Run = z.infer<typeof runSchema>;

export const featureSchema = z.object({
  id: z.number().int(),
  runId: z.string(),
  index: z.number().int().min(0),
  category: lifecycleCategorySchema.nullable(),
  relIe: z.number().nullable(),
  relDec: z.number().nullable(),
  /** Signed IE per checkpoint, in checkpoint order. */
  ie: z.array(z.number()).nullable(),
});
export type Feature = z.infer<typeof featureSchema>;

export const metricPointSchema = z.object({ step: z.number().int(), name: z.string(), value: z.number() });
export type MetricPoint = z.infer<typeof metricPointSchema>;
