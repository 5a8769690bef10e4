import { z } from 'zod';
import {
  backendPreferenceSchema,
  enginePreferenceSchema,
  lifecycleCategorySchema,
  pathInputSchema,
} from './domain';

// The faithfulness report (issue 12) as the UI, the contract and the exports see it: the schema of
// `<run>/faithfulness/report.json` (written by src/core/faithfulness/runner.ts; src/core/faithfulness/
// report.ts adds the check that its runs are comparable), the `faithfulness` job's params and result,
// and the per-feature verdicts the Features queue and the exports show. Sections not computed are
// null (or empty lists).

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

/** One checked item (a feature selected on a task) against the other run of a match summary. */
export const matchedItemSchema = z.object({
  task: z.string().min(1),
  feature: z.number().int().min(0),
  /** The other run's feature it is paired with (one-to-one), null when none. */
  partner: z.number().int().min(0).nullable(),
  /** Decoder score S of the pair (null without a partner). */
  similarity: z.number().nullable(),
  /** S ≥ the summary's threshold. */
  isMatched: z.boolean(),
  category: lifecycleCategorySchema,
  /** The partner's category on the same task (null: not matched, or no IE of the other run there). */
  otherCategory: lifecycleCategorySchema.nullable(),
});
export type MatchedItem = z.infer<typeof matchedItemSchema>;

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
  /** Per checked item (reports written before the UI existed have none). */
  items: z.array(matchedItemSchema).optional(),
});
export type MatchSummary = z.infer<typeof matchSummarySchema>;

export const presenceOutcomeSchema = z.enum([
  'agrees',
  'present-in-more',
  'present-in-fewer',
  'other-pattern',
]);
export type PresenceOutcomeName = z.infer<typeof presenceOutcomeSchema>;

/** One checked item against the independent SAEs. */
export const saeItemSchema = z.object({
  task: z.string().min(1),
  feature: z.number().int().min(0),
  category: lifecycleCategorySchema,
  /** Best SAE cosine per checkpoint (the reference run's order). */
  cosine: z.array(z.number()),
  /** null: the category admits no presence pattern (other, undefined). */
  outcome: presenceOutcomeSchema.nullable(),
});
export type SaeItem = z.infer<typeof saeItemSchema>;

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
  /** Per checked item (reports written before the UI existed have none). */
  items: z.array(saeItemSchema).optional(),
});
export type SaeSection = z.infer<typeof saeSectionSchema>;

export const heldOutSchema = z.object({
  task: z.string().min(1),
  heldOutTask: z.string().min(1),
  spearman: z.number().min(-1).max(1).nullable(),
  /** Features used, and values correlated. */
  n: z.number().int().min(0),
  values: z.number().int().min(0),
});

export const scalingTargetSchema = z.enum(['activation', 'error', 'reconstruction']);
export type ScalingTargetName = z.infer<typeof scalingTargetSchema>;

export const artifactSchema = z.object({
  feature: z.number().int().min(0),
  category: lifecycleCategorySchema.nullable(),
  target: scalingTargetSchema,
  /** Home checkpoint whose decoder direction was fitted everywhere. */
  reference: z.number().int().min(0),
  betas: z.array(z.number().nullable()),
  /** Largest β_c / β_home over the checkpoints the feature claims to lack. */
  ratio: z.number().nullable(),
  flag: z.boolean().nullable(),
});
export type ArtifactEntry = z.infer<typeof artifactSchema>;

/** The report's fields; src/core/faithfulness/report.ts adds the refinement that its runs compare. */
export const faithfulnessReportFieldsSchema = z.object({
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
});
export type FaithfulnessReport = z.infer<typeof faithfulnessReportFieldsSchema>;

/** `faithfulness:get`: the report of a run with the file it was read from, or null when there is none. */
export const faithfulnessReportFileSchema = z.object({
  file: z.string(),
  report: faithfulnessReportFieldsSchema,
});
export type FaithfulnessReportFile = z.infer<typeof faithfulnessReportFileSchema>;

/** `faithfulness:start`: what the Faithfulness page asks for (docs/faithfulness.md). */
export const faithfulnessStartSchema = z.object({
  runId: z.string().min(1),
  /** The activation store the run was trained on (absolute); default: the run's own store. */
  activationStore: pathInputSchema.optional(),
  /** Train the reordered run, the extra seeds and the per-checkpoint SAEs that are missing. */
  shouldTrain: z.boolean().default(false),
  /** Extra seeds wanted: seed+1 … seed+N (complete seed runs already there are always used). */
  seeds: z.number().int().min(0).max(5).default(0),
  /** RelIE on `task` against the ablation effect on `heldOutTask` (task ids of records, or files). */
  heldOut: z
    .object({ task: z.string().trim().min(1).max(4096), heldOutTask: z.string().trim().min(1).max(4096) })
    .optional(),
  /** Features selected per checkpoint and task. */
  top: z.number().int().min(1).max(1000).default(10),
  /** Decoder similarity that counts as matched. */
  matchThreshold: z.number().gt(0).max(1).default(0.7),
  /** Activation rows read for latent scaling. */
  scalingRows: z.number().int().min(1).max(10_000_000).default(20_000),
  /** Engine that trains the comparison runs (as on the Training page); `auto` when left out. */
  engine: enginePreferenceSchema.optional(),
});
export type FaithfulnessStartInput = z.input<typeof faithfulnessStartSchema>;

/** Params of a `faithfulness` job (runFaithfulness's options, resolved by the service). */
export const faithfulnessParamsSchema = z.object({
  runId: z.string().min(1),
  runDir: z.string().min(1),
  /** The run's activation store; null: none (only what needs no store is computed). */
  acts: z.string().min(1).nullable(),
  shouldTrain: z.boolean(),
  seeds: z.number().int().min(0),
  heldOut: z.object({ task: z.string().min(1), heldOutTask: z.string().min(1) }).nullable(),
  top: z.number().int().min(1),
  matchThreshold: z.number().gt(0).max(1),
  scalingRows: z.number().int().min(1),
  enginePreference: enginePreferenceSchema.optional(),
  backendPreference: backendPreferenceSchema.optional(),
});
export type FaithfulnessParams = z.infer<typeof faithfulnessParamsSchema>;

/** What a succeeded `faithfulness` job returns (the report itself is the file). */
export const faithfulnessJobResultSchema = z.object({
  runId: z.string(),
  file: z.string(),
  /** What could not be computed and why (the runner's notes). */
  notes: z.array(z.string()),
  createdAt: z.string(),
});
export type FaithfulnessJobResult = z.infer<typeof faithfulnessJobResultSchema>;

/** The target whose flag is a feature's exclusivity-artifact verdict: the (activations). */
export const verdictTarget: ScalingTargetName = 'activation';

/** What the report says about one feature of the reference run (badges, the form, exports). */
export const featureVerdictSchema = z.object({
  feature: z.number().int().min(0),
  /** Against the reordered run: the best item's pair (null: no reordered section or item data). */
  reordered: z
    .object({
      similarity: z.number().nullable(),
      isMatched: z.boolean(),
      /** Every matched item keeps its category (null: none matched with a category on both sides). */
      isSameCategory: z.boolean().nullable(),
    })
    .nullable(),
  /** Seed runs in which the feature is matched, of those with item data (null: none). */
  seeds: z.object({ matched: z.number().int().min(0), total: z.number().int().min(1) }).nullable(),
  /** Items of the feature on which the independent SAEs agree, of those with a presence pattern. */
  sae: z.object({ agrees: z.number().int().min(0), n: z.number().int().min(1) }).nullable(),
  /** Latent scaling (null: the feature was not scaled). */
  exclusivity: z
    .object({
      category: lifecycleCategorySchema.nullable(),
      /** The verdict: the flag of `verdictTarget` (null: the feature claims every checkpoint). */
      isArtifact: z.boolean().nullable(),
      /** ν of `verdictTarget`. */
      ratio: z.number().nullable(),
      /** Every target's ν and flag. */
      targets: z.array(
        z.object({ target: scalingTargetSchema, ratio: z.number().nullable(), flag: z.boolean().nullable() }),
      ),
      ratioThreshold: z.number(),
    })
    .nullable(),
});
export type FeatureVerdict = z.infer<typeof featureVerdictSchema>;

export const featureVerdictsSchema = z.object({
  /** The report the verdicts come from (null: none yet; then `features` is empty). */
  file: z.string().nullable(),
  createdAt: z.string().nullable(),
  features: z.array(featureVerdictSchema),
});
export type FeatureVerdicts = z.infer<typeof featureVerdictsSchema>;

/** Every feature the report says something about, by index (ascending). */
export function featureVerdicts(report: FaithfulnessReport): FeatureVerdict[] {
  const byFeature = new Map<number, FeatureVerdict>();
  const entry = (feature: number): FeatureVerdict => {
    let v = byFeature.get(feature);
    if (v === undefined) {
      v = { feature, reordered: null, seeds: null, sae: null, exclusivity: null };
      byFeature.set(feature, v);
    }
    return v;
  };
  for (const [feature, items] of groupBy(report.reordered?.items ?? [])) {
    const best = items.reduce((a, b) => ((b.similarity ?? -Infinity) > (a.similarity ?? -Infinity) ? b : a));
    const compared = items.filter((i) => i.isMatched && i.otherCategory !== null);
    entry(feature).reordered = {
      similarity: best.similarity,
      isMatched: items.some((i) => i.isMatched),
      isSameCategory: compared.length === 0 ? null : compared.every((i) => i.otherCategory === i.category),
    };
  }
  const seedSections = report.seeds.filter((s) => s.items !== undefined);
  for (const section of seedSections) {
    for (const [feature, items] of groupBy(section.items!)) {
      const v = entry(feature);
      const seeds = v.seeds ?? { matched: 0, total: seedSections.length };
      if (items.some((i) => i.isMatched)) seeds.matched += 1;
      v.seeds = seeds;
    }
  }
  for (const [feature, items] of groupBy(report.sae?.items ?? [])) {
    const judged = items.filter((i) => i.outcome !== null);
    if (judged.length > 0)
      entry(feature).sae = { agrees: judged.filter((i) => i.outcome === 'agrees').length, n: judged.length };
  }
  const scaled = new Map<number, ArtifactEntry[]>();
  for (const a of report.artifacts) scaled.set(a.feature, [...(scaled.get(a.feature) ?? []), a]);
  for (const [feature, entries] of scaled) {
    const main = entries.find((a) => a.target === verdictTarget) ?? entries[0]!;
    entry(feature).exclusivity = {
      category: main.category,
      isArtifact: main.flag,
      ratio: main.ratio,
      targets: entries.map((a) => ({ target: a.target, ratio: a.ratio, flag: a.flag })),
      ratioThreshold: report.ratioThreshold,
    };
  }
  return [...byFeature.values()].sort((a, b) => a.feature - b.feature);
}

function groupBy<T extends { feature: number }>(items: readonly T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const item of items) out.set(item.feature, [...(out.get(item.feature) ?? []), item]);
  return out;
}
