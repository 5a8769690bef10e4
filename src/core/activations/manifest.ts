import { open, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

/*
 * manifest.json of an activation store (docs/decisions/0005): what was extracted, from what, and which
 * shards are complete. Rewritten atomically after every shard, so it never lists a shard that is not
 * fully on disk. N=rows M=checkpoints D=dModel.
 */

export const activationsFormat = 'ctt-activations';
export const manifestFileName = 'manifest.json';

export const activationDtypeSchema = z.enum(['F16', 'F32']);
export type ActivationDtype = z.infer<typeof activationDtypeSchema>;

const count = z.number().int().min(0);

export const activationShardSchema = z.object({
  /** File name inside the store folder (`shard-00000.safetensors`). */
  file: z.string(),
  /** Rows of `acts` [rows, M, D]. */
  rows: count,
  /** Index of the shard's first window in the corpus window stream. */
  firstWindow: count,
  /** Windows the shard's rows come from. */
  windows: count,
});
export type ActivationShard = z.infer<typeof activationShardSchema>;

export const activationRevisionSchema = z.object({
  revision: z.string(),
  /** Model folder the activations were read from. */
  path: z.string(),
  /** Training tokens this checkpoint had seen, when known. */
  tokensSeen: z.number().nullable(),
});

export const activationManifestSchema = z.object({
  /** Always `ctt-activations`. */
  format: z.literal(activationsFormat),
  version: z.literal(1),
  /** The model family: its folder, or its Hugging Face repo id. */
  model: z.string(),
  /** The checkpoints, in the order of the M axis. */
  revisions: z.array(activationRevisionSchema).min(1),
  /** Block whose output residual is stored (0-based; Hugging Face hidden_states[layer + 1]). */
  layer: count,
  /** Tokens a window. */
  context: z.number().int().min(2),
  /** Whether position 0 of every window is left out of the rows. */
  excludeFirstPosition: z.boolean(),
  /** Dtype of `acts` in the shards. */
  dtype: activationDtypeSchema,
  dModel: z.number().int().min(1),
  nCheckpoints: z.number().int().min(1),
  /** [N, M, D] over all complete shards. */
  shape: z.tuple([count, count, count]),
  /** Rows asked for; `totalRows` is smaller only when the corpus ran out. */
  tokens: z.number().int().min(1),
  /** Windows a shard holds (the last may hold fewer). */
  windowsPerShard: z.number().int().min(1),
  /** Token id placed between documents. */
  separatorId: count,
  corpus: z.object({
    /** Path as given when the extraction started. */
    file: z.string(),
    sha256: z.string().regex(/^[0-9a-f]{64}$/),
    format: z.enum(['txt', 'jsonl']),
  }),
  /** Complete shards, in row order. */
  shards: z.array(activationShardSchema),
  totalRows: count,
  /** Σ‖x_m‖₂ over the rows at position ≥ 1 of the complete shards, per checkpoint (float64 sums). */
  normSums: z.array(z.number()),
  /** Rows counted in `normSums`. */
  normRows: count,
  /** s_m = sqrt(D) / (normSums[m] / normRows); the trainer multiplies raw rows by it. */
  scale: z.array(z.number()),
  createdAt: z.string(),
  updatedAt: z.string(),
  /** True once every row asked for is written (or the corpus ran out). */
  complete: z.boolean(),
  /** The corpus ended before `tokens` rows. */
  corpusExhausted: z.boolean(),
});
export type ActivationManifest = z.infer<typeof activationManifestSchema>;

/** Per-checkpoint scale factors from running norm sums (1 where nothing was counted yet). */
export function scaleFromNormSums(normSums: readonly number[], normRows: number, dModel: number): number[] {
  return normSums.map((sum) => (normRows > 0 && sum > 0 ? Math.sqrt(dModel) / (sum / normRows) : 1));
}

/** The manifest of a store folder, or null when the folder has none. */
export async function readManifest(dir: string): Promise<ActivationManifest | null> {
  const path = join(dir, manifestFileName);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const parsed = activationManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: not an activation manifest (${issue?.path.join('.')}: ${issue?.message})`);
  }
  return parsed.data;
}

/** Writes `${path}.tmp-<pid>`, syncs it and renames it over `path`. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const tmpPath = `${path}.tmp-${process.pid}`;
  const fh = await open(tmpPath, 'w');
  try {
    await fh.writeFile(`${JSON.stringify(value, null, 2)}\n`, 'utf8');
    await fh.sync();
    await fh.close();
    await rename(tmpPath, path);
  } catch (error) {
    await fh.close().catch(() => undefined);
    await unlink(tmpPath).catch(() => undefined);
    throw error;
  }
}

export const writeManifest = (dir: string, manifest: ActivationManifest): Promise<void> =>
  writeJsonAtomic(join(dir, manifestFileName), manifest);

/** The fields that define what a store holds; a resumed extraction must ask for the same values. */
export function extractionParameters(m: ActivationManifest): Record<string, unknown> {
  return {
    model: m.model,
    revisions: m.revisions.map((r) => r.revision).join(','),
    layer: m.layer,
    context: m.context,
    excludeFirstPosition: m.excludeFirstPosition,
    dtype: m.dtype,
    dModel: m.dModel,
    tokens: m.tokens,
    windowsPerShard: m.windowsPerShard,
    separatorId: m.separatorId,
    'corpus.sha256': m.corpus.sha256,
  };
}

/** The first parameter that differs, as "field: stored vs requested", or null when all agree. */
export function differingParameter(stored: ActivationManifest, requested: ActivationManifest): string | null {
  const a = extractionParameters(stored);
  const b = extractionParameters(requested);
  for (const [field, value] of Object.entries(a)) {
    if (value !== b[field]) {
      return `${field} is ${JSON.stringify(value)} there but ${JSON.stringify(b[field])} here`;
    }
  }
  return null;
}
