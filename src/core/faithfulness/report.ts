import { z } from 'zod';
import { lifecycleCategorySchema } from '../../shared/domain';
import type { ConfusionTable, KappaResult } from './agreement';
import { checkpointMap } from './decoder-matching';
import type { LatentScalingResult } from './latent-scaling';
import type { MatchResult } from './matching';
import type { SaeAgreement } from './sae-agreement';

// The faithfulness report (issue 12), written as JSON beside a run and read by the Faithfulness page and
// `ctt faithfulness --json`. Kept here until the UI needs it in src/shared. Sections not computed are
// null (or empty lists). Parsing refuses a report whose runs are not comparable (checkComparable).

/** A run as the report names it; model, layer and checkpoints come from the run's activation store. */
export const faithfulnessRunSchema = z.object({
  runId: z.string().min(1),
  /** Model family or repository id (e.g. EleutherAI/pythia-1b). */
  model: z.string().min(1),
  layer: z.number().int().min(0),
  dModel: z.number().int().positive(),
  /** Dictionary width F. */
  nFeatures: z.number().int().positive(),
  /** Checkpoint (revision) names in the order of the run's M axis. */
  checkpoints: z.array(z.string().min(1)).min(2).max(3),
  seed: z.number().int().optional(),
  type: z.enum(['l1', 'batchtopk']).optional(),
});
export type FaithfulnessRun = z.infer<typeof faithfulnessRunSchema>;

export const kappaSchema = z.object({
  /** Cohen's κ; null when undefined (no pairs, or p_e = 1) with the reason. */
  value: z.number().nullable(),
  reason: z.string().nullable(),
  /** p_o and p_e (null when κ is undefined). */
  observed: z.number().nullable(),
  expected: z.number().nullable(),
  n: z.number().int().min(0),
});

export const confusionSchema = z.object({
  rowLabels: z.array(z.string()),
  colLabels: z.array(z.string()),
  counts: z.array(z.array(z.number().int().min(0))),
});

const share = z.number().min(0).max(1);

export const matchSummarySchema = z.object({
  /** The other run (one of `runs`). */
  runId: z.string().min(1),
  /** Position in the other run of each of the reference run's checkpoints (identity for seeds). */
  checkpointMap: z.array(z.number().int().min(0)),
  /** Decoder score S ≥ threshold counts as matched (decoder-matching.ts). */
  threshold: z.number(),
  matched: z.number().int().min(0),
  shareMatched: share.nullable(),
  method: z.enum(['dense', 'sparse']),
  /** The matching is proven optimal (false: sparse rows without the dual certificate). */
  isExact: z.boolean(),
  /** Lifecycle categories of matched features, reference run (rows) × other run (columns). */
  kappa: kappaSchema,
  confusion: confusionSchema,
});

export const saeSectionSchema = z.object({
  /** Folder of the per-checkpoint SAEs. */
  source: z.string(),
  threshold: z.number(),
  isOneToOne: z.boolean(),
  table: z.array(
    z.object({
      category: lifecycleCategorySchema,
      n: z.number().int().min(0),
      agrees: z.number().int().min(0),
      presentInMore: z.number().int().min(0),
      presentInFewer: z.number().int().min(0),
      otherPattern: z.number().int().min(0),
      agreementShare: share,
    }),
  ),
  /** Features whose category admits no presence pattern (other, undefined), by category. */
  skipped: z.record(z.string(), z.number().int().min(0)),
  overallShare: share.nullable(),
});

export const heldOutSchema = z.object({
  task: z.string().min(1),
  heldOutTask: z.string().min(1),
  spearman: z.number().min(-1).max(1).nullable(),
  /** Features used, and values correlated. */
  n: z.number().int().min(0),
  values: z.number().int().min(0),
});

export const artifactSchema = z.object({
  feature: z.number().int().min(0),
  category: lifecycleCategorySchema.nullable(),
  target: z.enum(['activation', 'error', 'reconstruction']),
  /** Home checkpoint whose decoder direction was fitted everywhere. */
  reference: z.number().int().min(0),
  betas: z.array(z.number().nullable()),
  /** Largest β_c / β_home over the checkpoints the feature claims to lack. */
  ratio: z.number().nullable(),
  flag: z.boolean().nullable(),
});

export const faithfulnessReportSchema = z
  .object({
    format: z.literal('crosscoder-workbench faithfulness v1'),
    createdAt: z.string(),
    /** runs[0] is the reference run; the others are its reordered and seed variants. */
    runs: z.array(faithfulnessRunSchema).min(1),
    reordered: matchSummarySchema.nullable(),
    sae: saeSectionSchema.nullable(),
    heldOut: heldOutSchema.nullable(),
    seeds: z.array(matchSummarySchema.extend({ seed: z.number().int() })),
    /** Latent-scaling ratio threshold used for the flags. */
    ratioThreshold: z.number().positive(),
    artifacts: z.array(artifactSchema),
  })
  .superRefine((report, ctx) => {
    const ids = new Set(report.runs.map((r) => r.runId));
    const referenced = [report.reordered?.runId, ...report.seeds.map((s) => s.runId)];
    for (const id of referenced) {
      if (id !== undefined && !ids.has(id))
        ctx.addIssue({ code: 'custom', message: `run ${id} is not among runs` });
    }
    for (const other of report.runs.slice(1)) {
      try {
        checkComparable(report.runs[0]!, other);
      } catch (error) {
        ctx.addIssue({ code: 'custom', path: ['runs'], message: (error as Error).message });
      }
    }
  });
export type FaithfulnessReport = z.infer<typeof faithfulnessReportSchema>;

type Comparable = Pick<FaithfulnessRun, 'runId' | 'model' | 'layer' | 'dModel' | 'nFeatures'> & {
  checkpoints?: readonly string[];
};

/**
 * Refuses two runs (or a run and a set of SAEs) that cannot be compared, naming the first mismatch:
 * "runs differ in layer: 8 vs 12". Checkpoints must be the same set (order may differ) when both name
 * them; returns the map from the first's checkpoint order to the second's (null when not both named).
 */
export function checkComparable(a: Comparable, b: Comparable): { checkpointMap: number[] | null } {
  const fields: [string, string | number, string | number][] = [
    ['model', a.model, b.model],
    ['layer', a.layer, b.layer],
    ['d', a.dModel, b.dModel],
    ['width', a.nFeatures, b.nFeatures],
  ];
  for (const [name, x, y] of fields) {
    if (x !== y) throw new Error(`runs differ in ${name}: ${x} vs ${y} (${a.runId} vs ${b.runId})`);
  }
  if (!a.checkpoints || !b.checkpoints) return { checkpointMap: null };
  return { checkpointMap: checkpointMap(a.checkpoints, b.checkpoints) };
}

/** The report's κ from agreement.ts. */
export function kappaEntry(k: KappaResult): z.infer<typeof kappaSchema> {
  return k.value === null
    ? { value: null, reason: k.reason, observed: null, expected: null, n: k.n }
    : { value: k.value, reason: null, observed: k.observed, expected: k.expected, n: k.n };
}

/** A reordered or seed section from a decoder matching and the κ of its matched categories. */
export function matchSummary(
  runId: string,
  match: MatchResult & { map: number[] },
  kappa: KappaResult & { table: ConfusionTable },
): z.infer<typeof matchSummarySchema> {
  const { rowLabels, colLabels, counts } = kappa.table;
  return {
    runId,
    checkpointMap: match.map,
    threshold: match.threshold,
    matched: match.matched,
    shareMatched: match.shareMatched,
    method: match.method,
    isExact: match.isExact,
    kappa: kappaEntry(kappa),
    confusion: { rowLabels, colLabels, counts },
  };
}

export function saeSection(source: string, a: SaeAgreement): z.infer<typeof saeSectionSchema> {
  return {
    source,
    threshold: a.threshold,
    isOneToOne: a.isOneToOne,
    table: a.table.map((r) => ({
      category: r.category,
      n: r.n,
      agrees: r.counts.agrees,
      presentInMore: r.counts['present-in-more'],
      presentInFewer: r.counts['present-in-fewer'],
      otherPattern: r.counts['other-pattern'],
      agreementShare: r.agreementShare,
    })),
    skipped: { ...a.skipped } as Record<string, number>,
    overallShare: a.overallShare,
  };
}

export function artifactEntry(
  r: LatentScalingResult,
  category: z.infer<typeof lifecycleCategorySchema> | null,
): z.infer<typeof artifactSchema> {
  return {
    feature: r.feature,
    category,
    target: r.target,
    reference: r.reference,
    betas: r.betas,
    ratio: r.ratio,
    flag: r.exclusivityArtifact,
  };
}
