import type { z } from 'zod';
import type { lifecycleCategorySchema } from '../../shared/domain';
import {
  faithfulnessReportFieldsSchema,
  type artifactSchema,
  type FaithfulnessRun,
  type kappaSchema,
  type MatchedItem,
  type matchSummarySchema,
  type SaeItem,
  type saeSectionSchema,
} from '../../shared/faithfulness';
import type { ConfusionTable, KappaResult } from './agreement';
import { checkpointMap } from './decoder-matching';
import type { LatentScalingResult } from './latent-scaling';
import type { MatchResult } from './matching';
import type { SaeAgreement } from './sae-agreement';

// The faithfulness report (issue 12), written as JSON beside a run and read by the Faithfulness page and
// `ctt faithfulness --json`. The schema lives in src/shared/faithfulness.ts (the UI reads it); parsing
// here also refuses a report whose runs are not comparable (checkComparable). Sections not computed are
// null (or empty lists).

export {
  artifactSchema,
  confusionSchema,
  faithfulnessRunSchema,
  heldOutSchema,
  kappaSchema,
  matchSummarySchema,
  saeSectionSchema,
  type FaithfulnessReport,
  type FaithfulnessRun,
} from '../../shared/faithfulness';

export const faithfulnessReportSchema = faithfulnessReportFieldsSchema.superRefine((report, ctx) => {
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
  items?: MatchedItem[],
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
    ...(items === undefined ? {} : { items }),
  };
}

/** The SAE section; `tasks[k]` names the task of `a.features[k]` when the per-item list is wanted. */
export function saeSection(
  source: string,
  a: SaeAgreement,
  tasks?: readonly string[],
): z.infer<typeof saeSectionSchema> {
  const items: SaeItem[] | undefined = tasks?.map((task, k) => {
    const f = a.features[k]!;
    return { task, feature: f.feature, category: f.category, cosine: f.cosine, outcome: f.outcome };
  });
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
    ...(items === undefined ? {} : { items }),
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
