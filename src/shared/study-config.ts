import { z } from 'zod';
import { backendPreferenceSchema, enginePreferenceSchema } from './domain';

// `study.json` for `ctt pipeline --config` (docs/study-config.md): the whole study, headless. Defaults
// follow ../shared/METHOD.md (crosscoder: F = 16384, λ = 2, lr 5e-5, B = 4096, seed 4352; IE: integrated
// gradients with 10 steps; RelIE thresholds 0.3 / 0.7; top 10 features per checkpoint). Relative paths
// are resolved against the folder of the config file. Unknown fields are refused, so a typo names itself.

const count = z.number().int().positive();
const path = z.string().min(1, 'must be a path');

/** One checkpoint family: a local folder, or a Hugging Face repo read from (or downloaded into) the cache. */
const modelSchema = z
  .object({
    /** A family folder with one subfolder per revision (the demo layout), or a HF cache `models--org--name` folder. */
    folder: path.optional(),
    /** A Hugging Face repo id (`EleutherAI/pythia-1b`), read from the HF cache `cacheDir`. */
    repo: z
      .string()
      .regex(/^[\w.-]+\/[\w.-]+$/, 'must be a Hugging Face repo id such as EleutherAI/pythia-1b')
      .optional(),
    /** HF cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). */
    cacheDir: path.optional(),
    /** With `repo`: download the revisions the cache lacks before the first stage (default: refuse). */
    download: z.boolean().default(false),
    /** Family name shown in the workbench (default: the folder's name or the repo's). */
    name: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((m, ctx) => {
    if ((m.folder === undefined) === (m.repo === undefined)) {
      ctx.addIssue({
        code: 'custom',
        path: ['folder'],
        message: 'give exactly one of model.folder and model.repo',
      });
    }
    if (m.folder !== undefined && (m.cacheDir !== undefined || m.download)) {
      ctx.addIssue({
        code: 'custom',
        path: ['cacheDir'],
        message: 'cacheDir and download go with model.repo',
      });
    }
  });

/**
 * A checkpoint: its revision name (a subfolder of `model.folder`, or a branch, tag or commit of
 * `model.repo`), or an object when it lives in another repo (BLOOM-1b1's final checkpoint is `main` of
 * bigscience/bloom-1b1, its intermediate ones are in bigscience/bloom-1b1-intermediate) or when its
 * tokens seen should be recorded (known by rule only for Pythia revisions and the demo family).
 */
const revisionSchema = z.union([
  z.string().min(1),
  z
    .object({
      revision: z.string().min(1),
      /** The Hugging Face repo of this revision (default: model.repo). */
      repo: z
        .string()
        .regex(/^[\w.-]+\/[\w.-]+$/, 'must be a Hugging Face repo id such as bigscience/bloom-1b1')
        .optional(),
      /** Training tokens this checkpoint had seen. */
      tokensSeen: z.number().min(0).optional(),
    })
    .strict(),
]);
export type StudyRevision = z.infer<typeof revisionSchema>;
export const revisionNameOf = (r: StudyRevision): string => (typeof r === 'string' ? r : r.revision);

/** Task accuracy per checkpoint (minimal pairs), to see where the chosen checkpoints sit on the curve. */
const accuracySchema = z
  .object({
    /** Skip the stage. */
    enabled: z.boolean().default(true),
    /** Checkpoints to score: the crosscoder's `revisions` (default), a list, or "all" the family has locally. */
    revisions: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]).optional(),
    /** Pairs a task (default: every pair of the file). */
    limit: count.optional(),
    /** `multiToken`: sum log-probs over answer tokens; `singleTokenOnly`: skip multi-token pairs. */
    policy: z.enum(['multiToken', 'singleTokenOnly']).default('multiToken'),
  })
  .strict();

/** Residual activations of every checkpoint on the same corpus windows (docs/decisions/0005). */
const activationsSchema = z
  .object({
    /** Corpus: .txt (one document a line) or .jsonl (field `text`). */
    corpus: path,
    /** Token positions to extract (position 0 of each window left out). */
    tokens: count,
    /** Tokens a window (the paper: 1024). */
    context: z.number().int().min(2).max(65_536).default(64),
    dtype: z.enum(['F16', 'F32']).default('F16'),
    /** Windows a forward pass. */
    batchSize: z.number().int().min(1).max(4096).default(16),
    /** Rows a shard file. */
    shardRows: count.default(8192),
  })
  .strict();

/** The crosscoder (src/core/crosscoder/config.ts; the same defaults). */
const crosscoderSchema = z
  .object({
    /** `l1`: ReLU with the decoder-norm-weighted L1 penalty (the paper); `batchtopk`: top k·B a batch. */
    type: z.enum(['l1', 'batchtopk']).default('l1'),
    /** Dictionary size F. */
    nFeatures: count.default(16_384),
    /** λ after its linear warm-up over the first 5% of steps. */
    l1Coeff: z.number().min(0).default(2),
    /** BatchTopK: features kept per token at the end of annealing (the paper's tables: 200). */
    k: count.optional(),
    /** BatchTopK: k at step 0, annealed linearly to `k` over `kAnnealSteps`. */
    kInit: count.optional(),
    kAnnealSteps: z.number().int().min(0).optional(),
    learningRate: z.number().positive().default(5e-5),
    /** Tokens a batch. */
    batchSize: count.default(4096),
    /** Training steps (default: one pass over the activations, tokens / batchSize). */
    steps: count.optional(),
    seed: z.number().int().default(4352),
    /** Save weights and optimizer state every this many steps (what a resume restarts from). */
    saveEvery: count.default(1000),
  })
  .strict();

/** Reconstruction metrics on the activations and ΔCE with the reconstruction spliced in. */
const evaluationSchema = z
  .object({
    /** Activation rows evaluated (the first ones). */
    maxRows: count.default(1_000_000),
    /** Corpus windows for ΔCE / CE-recovered (0: skip). */
    ceWindows: z.number().int().min(0).default(16),
  })
  .strict();

/** A minimal-pair task file (BLiMP, CLAMS, MultiBLiMP); a bare string is its path. */
const taskSchema = z.union([
  path,
  z
    .object({
      file: path,
      /** Name of its results (default: the file name without extension). */
      id: z
        .string()
        .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'letters, digits, ".", "_" and "-" only')
        .optional(),
      /** Pairs attributed from this task (default: attribution.limit). */
      limit: count.optional(),
    })
    .strict(),
]);

/** IE of every feature per checkpoint (METHOD.md "Attribution"). */
const attributionSchema = z
  .object({
    /** `ig`: integrated gradients; `atp`: attribution patching (one step, fast). */
    method: z.enum(['ig', 'atp']).default('ig'),
    /** Integrated-gradient steps (α = 0, 1/n, …). */
    steps: z.number().int().min(1).max(100).default(10),
    /** Pairs a task (default: every pair). */
    limit: count.optional(),
    /** Zero per-position effects with |e| ≤ threshold before summing (the released code: 0.1); null: none. */
    threshold: z.number().min(0).nullable().default(null),
  })
  .strict();

/** RelIE buckets and the features selected for annotation. */
const lifecycleSchema = z
  .object({
    low: z.number().min(0).max(1).default(0.3),
    high: z.number().min(0).max(1).default(0.7),
    /** Top-k features by |IE| per checkpoint; their union is annotated and gets dashboards. */
    top: z.number().int().min(1).max(10_000).default(10),
  })
  .strict()
  .refine((t) => t.low < t.high, { path: ['high'], message: 'must be greater than lifecycle.low' });

const dashboardsSchema = z
  .object({
    /** Activation rows scanned for top contexts, quantiles and density. */
    maxRows: count.default(200_000),
  })
  .strict();

export const studyConfigSchema = z
  .object({
    /** Short name: the output folder's name and the prefix of the attribution ids. */
    name: z
      .string()
      .regex(
        /^[A-Za-z0-9][A-Za-z0-9._-]*$/,
        'letters, digits, ".", "_" and "-" only, first a letter or digit',
      ),
    /** Title of the study in the workbench (default: "<name>: <model> <revisions>, layer <layer>"). */
    title: z.string().min(1).optional(),
    /** Free text for the reader of the file (not used). */
    description: z.string().optional(),
    model: modelSchema,
    /** The crosscoder's 2 or 3 checkpoints, earliest first: a revision name, or one with its own repo. */
    revisions: z
      .array(revisionSchema)
      .min(2, 'a crosscoder needs 2 or 3 checkpoints')
      .max(3, 'a crosscoder needs 2 or 3 checkpoints')
      .refine((r) => new Set(r.map(revisionNameOf)).size === r.length, 'revisions repeat'),
    /** Block whose output residual is read, 0-based (Pythia-1B and OLMo-1B: 8; BLOOM-1b1: 12). */
    layer: z.number().int().min(0),
    accuracy: accuracySchema.prefault({}),
    activations: activationsSchema,
    crosscoder: crosscoderSchema.prefault({}),
    evaluation: evaluationSchema.prefault({}),
    /** Tasks for accuracy and attribution. */
    tasks: z.array(taskSchema).min(1, 'name at least one task'),
    attribution: attributionSchema.prefault({}),
    lifecycle: lifecycleSchema.prefault({}),
    dashboards: dashboardsSchema.prefault({}),
    /** Output folder (default: `<data folder>/pipelines/<name>`). */
    output: path.optional(),
    /** tfjs backend (default: `--backend`, CTT_BACKEND, then auto). */
    backend: backendPreferenceSchema.optional(),
    /** Crosscoder training engine: native (OpenBLAS), tfjs, or auto (default: `--engine`, CTT_ENGINE, then auto). */
    engine: enginePreferenceSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const ids = c.tasks.map(taskIdOf);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['tasks', i],
          message: `task id "${id}" repeats; give it an id`,
        });
    });
    if (c.model.folder !== undefined)
      c.revisions.forEach((r, i) => {
        if (typeof r !== 'string' && r.repo !== undefined)
          ctx.addIssue({
            code: 'custom',
            path: ['revisions', i, 'repo'],
            message: 'a revision repo goes with model.repo',
          });
      });
    const { crosscoder: x } = c;
    if (x.type === 'l1' && (x.k ?? x.kInit ?? x.kAnnealSteps) !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['crosscoder', 'k'],
        message: 'k, kInit and kAnnealSteps are BatchTopK settings',
      });
    }
    if (x.type === 'batchtopk' && (x.k ?? 32) > x.nFeatures) {
      ctx.addIssue({
        code: 'custom',
        path: ['crosscoder', 'k'],
        message: `exceeds nFeatures ${x.nFeatures}`,
      });
    }
    if (x.batchSize > c.activations.tokens) {
      ctx.addIssue({
        code: 'custom',
        path: ['crosscoder', 'batchSize'],
        message: `${x.batchSize} exceeds the ${c.activations.tokens} activation rows (activations.tokens)`,
      });
    }
  });

export type StudyConfig = z.output<typeof studyConfigSchema>;
export type StudyConfigInput = z.input<typeof studyConfigSchema>;
export type StudyTask = StudyConfig['tasks'][number];

/** A task's results name: its `id`, else its file name without folders and extension. */
export function taskIdOf(task: StudyTask): string {
  if (typeof task !== 'string' && task.id !== undefined) return task.id;
  const file = typeof task === 'string' ? task : task.file;
  const base = file.split(/[\\/]/).pop() ?? file;
  return base.replace(/\.(jsonl|tsv|json|csv|txt)$/i, '');
}

/** Crosscoder steps when the config names none: one pass over the activations. */
export const defaultStepsOf = (c: StudyConfig): number =>
  c.crosscoder.steps ?? Math.max(1, Math.floor(c.activations.tokens / c.crosscoder.batchSize));

/**
 * A parse failure as lines that name each field (`field crosscoder.nFeatures: expected number, received
 * string`); unknown fields are named one by one.
 */
export function describeConfigIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const at = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => `field ${at === '' ? key : `${at}.${key}`}: not a study.json field`);
    }
    if (issue.code === 'invalid_union' && /^tasks\.\d+$/.test(at)) {
      return [`field ${at}: give a path or {"file", "id"?, "limit"?}`];
    }
    if (issue.code === 'invalid_union' && /^revisions\.\d+$/.test(at)) {
      return [`field ${at}: give a revision name or {"revision", "repo"?, "tokensSeen"?}`];
    }
    const message = /received undefined$/.test(issue.message) ? 'missing (required)' : issue.message;
    return [`field ${at === '' ? '(root)' : at}: ${message}`];
  });
}
