import { z } from 'zod';
import { pathInputSchema } from './domain';

// Activation stores as the UI sees them (docs/decisions/0005, 0006): what `activations:list` returns and
// what `activations:startExtraction` takes.

const count = z.number().int().min(0);
const id = z.number().int().positive();

/** One store folder, read from its manifest.json. */
export const activationStoreSummarySchema = z.object({
  /** Absolute folder of the store. */
  dir: z.string(),
  /** The folder's name. */
  name: z.string(),
  /** The model family (its folder or Hugging Face repo id). */
  model: z.string(),
  /** Checkpoints in the order of the M axis. */
  revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
  layer: count,
  context: count,
  dtype: z.enum(['F16', 'F32']),
  dModel: count,
  nCheckpoints: count,
  /** Rows written so far (N). */
  rows: count,
  /** Rows asked for. */
  tokens: count,
  /** s_m per checkpoint. */
  scale: z.array(z.number()),
  corpusFile: z.string(),
  /** Every row asked for is written (or the corpus ran out). */
  isComplete: z.boolean(),
  corpusExhausted: z.boolean(),
  /** An extraction job is queued or running into this folder. */
  isExtracting: z.boolean(),
  updatedAt: z.string(),
});
export type ActivationStoreSummary = z.infer<typeof activationStoreSummarySchema>;

/** What the Activations page fills in before the user types anything. */
export const activationDefaultsSchema = z.object({
  /** The demo corpus shipped with the app (absolute), when it is there. */
  corpusFile: z.string().nullable(),
  /** Folder under the data folder where stores go by default. */
  storesDir: z.string(),
});
export type ActivationDefaults = z.infer<typeof activationDefaultsSchema>;

const checkpointCount = 'choose 2 or 3 checkpoints';

export const extractionStartSchema = z.object({
  /** The model family whose checkpoints are read. */
  modelId: id,
  /** 2 or 3 checkpoints of the family; the store orders them as the family does (by tokens seen). */
  checkpointIds: z.array(id).min(2, checkpointCount).max(3, checkpointCount),
  /** Block whose output residual is read (0-based). */
  layer: z.number().int().min(0),
  /** Corpus (.txt or .jsonl, absolute path); default: the demo corpus. */
  corpusFile: pathInputSchema.optional(),
  /** Rows (token positions) to extract. */
  tokens: z.number().int().min(1).max(1_000_000_000),
  /** Tokens a window. */
  context: z.number().int().min(2).max(65536).default(64),
  dtype: z.enum(['F16', 'F32']).default('F16'),
  /** Store folder (absolute); default <dataDir>/activations/<family>-<revisions>-L<layer>. */
  outDir: pathInputSchema.optional(),
});
export type ExtractionStartInput = z.infer<typeof extractionStartSchema>;
