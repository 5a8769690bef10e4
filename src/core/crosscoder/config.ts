import { z } from 'zod';

/**
 * A crosscoder run's configuration, saved as the run's config.json. Defaults follow ../shared/METHOD.md
 * (paper scale: F = 16384, B = 4096, λ = 2, lr 5e-5); smaller machines scale steps and sizes down.
 */
export const crosscoderConfigSchema = z
  .object({
    /** `l1`: ReLU features with the decoder-norm-weighted L1 penalty; `batchtopk`: top k·B per batch. */
    type: z.enum(['l1', 'batchtopk']).default('l1'),
    /**
     * Checkpoints M: 2 or 3 for a crosscoder; 1 is a sparse autoencoder of one checkpoint (the
     * per-checkpoint SAEs of the faithfulness checks, src/core/faithfulness/), trained the same way.
     */
    nCheckpoints: z.number().int().min(1).max(3),
    /** Residual width d. */
    dModel: z.number().int().positive(),
    /** Dictionary size F. */
    nFeatures: z.number().int().positive(),
    /** Norm of each initial decoder direction W_dec[i,m,:] (METHOD: 0.08 for L1, 1.0 for BatchTopK). */
    decInitNorm: z.number().positive().optional(),
    /** L1 coefficient λ after warm-up. */
    l1Coeff: z.number().min(0, 'λ must not be negative').default(2),
    /** Fraction of steps over which λ rises linearly from 0. */
    l1WarmupFraction: z.number().min(0).max(1).default(0.05),
    /** BatchTopK: features kept per token on average at the end of annealing. */
    k: z.number().int().positive().default(32),
    /** BatchTopK: k at step 0, annealed linearly to `k` over `kAnnealSteps` (default: `k`, no annealing). */
    kInit: z.number().int().positive().optional(),
    kAnnealSteps: z.number().int().min(0).default(0),
    /** BatchTopK: weight of the AuxK loss on dead features. */
    auxkAlpha: z
      .number()
      .min(0)
      .default(1 / 32),
    /** A feature that has not fired for this many tokens is dead (AuxK trains it). */
    deadTokens: z.number().int().positive().default(10_000_000),
    /** BatchTopK: the inference threshold θ starts updating after this step. */
    thresholdStartStep: z.number().int().min(0).default(1000),
    learningRate: z.number().positive().default(5e-5),
    beta1: z.number().min(0).max(1).default(0.9),
    beta2: z.number().min(0).max(1).default(0.999),
    /** Global gradient-norm clip. */
    clipNorm: z.number().positive().default(1),
    /** The learning rate decays linearly to 0 over this final fraction of steps. */
    lrDecayFraction: z.number().min(0).max(1).default(0.2),
    steps: z.number().int().positive(),
    batchSize: z.number().int().positive().default(4096),
    seed: z.number().int().default(4352),
  })
  .superRefine((c, ctx) => {
    if (c.type === 'batchtopk' && c.k > c.nFeatures) {
      ctx.addIssue({
        code: 'custom',
        path: ['k'],
        message: `k = ${c.k} exceeds the number of features ${c.nFeatures}`,
      });
    }
    if (c.type === 'batchtopk' && c.kInit !== undefined && c.kInit > c.nFeatures) {
      ctx.addIssue({
        code: 'custom',
        path: ['kInit'],
        message: `kInit = ${c.kInit} exceeds the number of features ${c.nFeatures}`,
      });
    }
  })
  .transform((c) => ({
    ...c,
    decInitNorm: c.decInitNorm ?? (c.type === 'l1' ? 0.08 : 1),
    kInit: c.kInit ?? c.k,
  }));

export type CrosscoderConfig = z.output<typeof crosscoderConfigSchema>;
export type CrosscoderConfigInput = z.input<typeof crosscoderConfigSchema>;

/** λ at `step` (0-based): linear warm-up over the first `l1WarmupFraction` of steps. */
export function l1CoeffAt(step: number, c: CrosscoderConfig): number {
  const warmup = c.l1WarmupFraction * c.steps;
  return warmup > 0 && step < warmup ? (c.l1Coeff * step) / warmup : c.l1Coeff;
}

/** Learning rate at `step`: constant, then linear decay to 0 over the last `lrDecayFraction`. */
export function learningRateAt(step: number, c: CrosscoderConfig): number {
  const decayStart = (1 - c.lrDecayFraction) * c.steps;
  if (step < decayStart) return c.learningRate;
  return c.learningRate * Math.max(0, 1 - (step - decayStart) / (c.lrDecayFraction * c.steps));
}

/** BatchTopK k at `step`: linear from kInit to k over kAnnealSteps, at least 1. */
export function kAt(step: number, c: CrosscoderConfig): number {
  if (step >= c.kAnnealSteps) return c.k;
  return Math.max(1, Math.round(c.kInit - ((c.kInit - c.k) * step) / c.kAnnealSteps));
}
