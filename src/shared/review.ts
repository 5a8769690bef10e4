import { z } from 'zod';
import {
  annotationFieldsSchema,
  annotationStatusSchema,
  lifecycleCategorySchema,
  pathInputSchema,
} from './domain';

// Review and export as the UI sees it (issue 8): agreement between annotators, disagreements,
// adjudication into gold records, comments, the lifecycle review, table exports, import of the
// original study's annotation CSVs, and offline review bundles.

const id = z.number().int().positive();
const runId = z.string().min(1);

/** A statistic that may be undefined (nothing pairable, no variance): then `value` is null with a reason. */
export const reviewStatisticSchema = z.object({
  value: z.number().nullable(),
  /** Why `value` is null; null when defined. */
  reason: z.string().nullable(),
  /** Features the statistic used (pairable units for α, complete rows for ICC). */
  units: z.number().int(),
});
export type ReviewStatistic = z.infer<typeof reviewStatisticSchema>;

/** Which annotations count: their status (done by default), optionally only a named queue. */
export const reviewScopeSchema = z.object({
  runId,
  /** The run's newest indexed attribution when left out. */
  attributionId: z.string().min(1).optional(),
  statuses: z.array(annotationStatusSchema).min(1).max(3).default(['done']),
  queueId: id.optional(),
});
export type ReviewScope = z.input<typeof reviewScopeSchema>;

/** The fields agreement is computed on. `lifecycle`: the override, else the feature's RelIE category. */
export const agreementFieldSchema = z.enum([
  'lifecycle',
  'uninterpretable',
  'interpretability',
  'complexity',
]);
export type AgreementField = z.infer<typeof agreementFieldSchema>;

export const annotatorRatingSummarySchema = z.object({
  annotatorId: id,
  name: z.string(),
  field: z.enum(['interpretability', 'complexity']),
  /** Features this annotator rated (in scope). */
  rated: z.number().int(),
  /** Mean of (own rating − mean of the others' on the same feature); positive: rates higher. */
  bias: reviewStatisticSchema,
  /** Sample SD of this annotator's ratings (how much of the scale they use). */
  spread: reviewStatisticSchema,
});
export type AnnotatorRatingSummary = z.infer<typeof annotatorRatingSummarySchema>;

export const agreementReportSchema = z.object({
  runId: z.string(),
  attributionId: z.string(),
  task: z.string(),
  /** Features with current answers (in scope) from 2 or more annotators. */
  features: z.number().int(),
  annotators: z.array(z.object({ annotatorId: id, name: z.string(), features: z.number().int() })),
  /** Krippendorff's α: nominal for lifecycle and uninterpretable, interval for the two ratings. */
  alpha: z.object({
    lifecycle: reviewStatisticSchema,
    uninterpretable: reviewStatisticSchema,
    interpretability: reviewStatisticSchema,
    complexity: reviewStatisticSchema,
  }),
  /** ICC(2,1) on the features every annotator of the scope rated. */
  icc: z.object({ interpretability: reviewStatisticSchema, complexity: reviewStatisticSchema }),
  annotatorSummaries: z.array(annotatorRatingSummarySchema),
});
export type AgreementReport = z.infer<typeof agreementReportSchema>;

export const disagreementQuerySchema = reviewScopeSchema.extend({
  /** Sort by this field's per-feature disagreement, or `overall` (the mean of the defined ones). */
  sortBy: z.union([agreementFieldSchema, z.literal('overall')]).default('overall'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(50),
});
export type DisagreementQuery = z.input<typeof disagreementQuerySchema>;

export const disagreementItemSchema = z.object({
  featureId: id,
  index: z.number().int().min(0),
  /** RelIE category on the attribution in scope. */
  category: lifecycleCategorySchema,
  relIe: z.number().nullable(),
  annotators: z.number().int(),
  /**
   * Per field: nominal 1 − modal share (0 = unanimous), interval the sample SD; null when fewer than 2
   * annotators gave a value. `overall`: the mean of the defined fields.
   */
  scores: z.object({
    overall: z.number().nullable(),
    lifecycle: z.number().nullable(),
    uninterpretable: z.number().nullable(),
    interpretability: z.number().nullable(),
    complexity: z.number().nullable(),
  }),
  hasGold: z.boolean(),
  comments: z.number().int(),
});
export type DisagreementItem = z.infer<typeof disagreementItemSchema>;

export const disagreementPageSchema = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(disagreementItemSchema),
});
export type DisagreementPage = z.infer<typeof disagreementPageSchema>;

export const thresholdsSchema = z
  .object({ low: z.number().min(0).max(1), high: z.number().min(0).max(1) })
  .refine((t) => t.low < t.high, { message: 'low must be below high' });

export const categoryCountSchema = z.object({
  category: lifecycleCategorySchema,
  /** Every feature of the run on this task. */
  all: z.number().int(),
  /** The top-k selected features only. */
  selected: z.number().int(),
});
export type CategoryCount = z.infer<typeof categoryCountSchema>;

export const lifecycleTaskSchema = z.object({
  attributionId: z.string(),
  task: z.string(),
  revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
  thresholds: z.object({ low: z.number(), high: z.number() }),
  counts: z.array(categoryCountSchema),
  /**
   * The same counts (selected features) with the thresholds moved by ±0.05 (src/shared/lifecycle.ts):
   * one row per shifted pair, with how many selected features change category against `thresholds`.
   */
  sensitivity: z.array(
    z.object({
      label: z.string(),
      thresholds: z.object({ low: z.number(), high: z.number() }),
      counts: z.array(categoryCountSchema),
      changed: z.number().int(),
    }),
  ),
});
export type LifecycleTask = z.infer<typeof lifecycleTaskSchema>;

/** A feature whose human lifecycle label (gold, else an annotator's override) differs from its RelIE category. */
export const lifecycleMismatchSchema = z.object({
  featureId: id,
  index: z.number().int().min(0),
  attributionId: z.string(),
  task: z.string(),
  category: lifecycleCategorySchema,
  humanLabel: lifecycleCategorySchema,
  source: z.enum(['gold', 'annotator']),
  /** The annotator (source `annotator`) or the adjudicator (source `gold`). */
  annotatorId: id.nullable(),
  name: z.string().nullable(),
  reason: z.string(),
});
export type LifecycleMismatch = z.infer<typeof lifecycleMismatchSchema>;

export const lifecycleReviewSchema = z.object({
  runId: z.string(),
  tasks: z.array(lifecycleTaskSchema),
  mismatches: z.array(lifecycleMismatchSchema),
});
export type LifecycleReview = z.infer<typeof lifecycleReviewSchema>;

/** Which annotation revision a gold record took fields from. */
export const goldSourceSchema = z.object({
  annotatorId: id,
  name: z.string(),
  /** annotation_revisions.id picked or merged from. */
  revisionId: id,
});
export type GoldSource = z.infer<typeof goldSourceSchema>;

/** One revision of a feature's gold record (append-only; the annotators' originals never change). */
export const goldRecordSchema = z.object({
  id,
  featureId: id,
  /** 1, 2, … per feature. */
  revision: z.number().int().min(1),
  fields: annotationFieldsSchema,
  rationale: z.string(),
  sources: z.array(goldSourceSchema),
  adjudicatorId: id,
  adjudicatorName: z.string(),
  createdAt: z.string(),
});
export type GoldRecord = z.infer<typeof goldRecordSchema>;

/** An annotator's current answer as adjudication shows it (with the revision's row id to cite). */
export const adjudicationAnswerSchema = z.object({
  annotatorId: id,
  name: z.string(),
  revisionId: id,
  revision: z.number().int(),
  status: annotationStatusSchema,
  fields: annotationFieldsSchema,
  createdAt: z.string(),
});
export type AdjudicationAnswer = z.infer<typeof adjudicationAnswerSchema>;

export const adjudicationViewSchema = z.object({
  featureId: id,
  runId: z.string(),
  index: z.number().int().min(0),
  /** RelIE category per indexed attribution of the run. */
  categories: z.array(
    z.object({ attributionId: z.string(), task: z.string(), category: lifecycleCategorySchema }),
  ),
  answers: z.array(adjudicationAnswerSchema),
  /** The current gold record (latest revision), null before the first. */
  gold: goldRecordSchema.nullable(),
  /** Every gold revision, oldest first. */
  goldHistory: z.array(goldRecordSchema),
});
export type AdjudicationView = z.infer<typeof adjudicationViewSchema>;

export const adjudicationSaveSchema = z.object({
  featureId: id,
  /** Who adjudicates (an annotator of the project acting as reviewer). */
  adjudicatorId: id,
  fields: annotationFieldsSchema,
  rationale: z.string().trim().min(1, 'a rationale is required').max(10_000),
  /** The annotators' revisions picked (one) or merged (several); may be empty for a fresh record. */
  sources: z
    .array(z.object({ annotatorId: id, revisionId: id }))
    .max(100)
    .default([]),
  /** Gold revision the edit started from (0: none); when given and not the latest: `conflict`. */
  baseRevision: z.number().int().min(0).optional(),
});
export type AdjudicationSave = z.input<typeof adjudicationSaveSchema>;

export const reviewCommentSchema = z.object({
  id,
  featureId: id,
  annotatorId: id,
  name: z.string(),
  text: z.string(),
  createdAt: z.string(),
});
export type ReviewComment = z.infer<typeof reviewCommentSchema>;

export const exportFormatSchema = z.enum(['csv', 'jsonl', 'latex', 'md']);
export type ExportFormat = z.infer<typeof exportFormatSchema>;

export const exportWriteSchema = z.object({
  runId,
  attributionId: z.string().min(1).optional(),
  format: exportFormatSchema,
  /** Absolute path of the file to write (replaced atomically). */
  path: pathInputSchema,
  /** `selected`: the top-k features (default); `all`: every indexed feature. */
  features: z.enum(['selected', 'all']).default('selected'),
});
export type ExportWrite = z.input<typeof exportWriteSchema>;

export const exportResultSchema = z.object({
  path: z.string(),
  format: exportFormatSchema,
  rows: z.number().int(),
  attributionId: z.string(),
});
export type ExportResult = z.infer<typeof exportResultSchema>;

export const annotationsCsvImportSchema = z.object({
  runId,
  /** Attribution whose features the CSV's `feat_id` refers to (the run's newest when left out). */
  attributionId: z.string().min(1).optional(),
  annotatorId: id,
  path: pathInputSchema,
  /** Only check and preview (default); false: append the revisions, all or nothing. */
  isDryRun: z.boolean().default(true),
});
export type AnnotationsCsvImport = z.input<typeof annotationsCsvImportSchema>;

export const annotationsCsvPreviewRowSchema = z.object({
  /** 1-based data row of the CSV (the header is row 1, so the first data row is 2). */
  row: z.number().int(),
  featureIndex: z.number().int().min(0),
  featureId: id,
  description: z.string(),
  languages: z.string(),
  /** `new`: becomes a new revision; `unchanged`: the annotator's current answer already says this. */
  action: z.enum(['new', 'unchanged']),
});

export const annotationsCsvImportResultSchema = z.object({
  path: z.string(),
  rows: z.number().int(),
  /** Revisions appended (0 on a dry run). */
  imported: z.number().int(),
  unchanged: z.number().int(),
  isApplied: z.boolean(),
  /** Columns of the CSV that were not used. */
  ignoredColumns: z.array(z.string()),
  preview: z.array(annotationsCsvPreviewRowSchema),
});
export type AnnotationsCsvImportResult = z.infer<typeof annotationsCsvImportResultSchema>;

/** What identifies a bundle and where it came from. */
export const bundleIdentitySchema = z.object({
  projectUuid: z.string(),
  schemaVersion: z.number().int(),
  exportedAt: z.string(),
  appVersion: z.string(),
  runIds: z.array(z.string()),
});
export type BundleIdentity = z.infer<typeof bundleIdentitySchema>;

export const bundleExportSchema = z.object({
  path: pathInputSchema,
  /** Runs to include (every run with indexed features when left out). */
  runIds: z.array(runId).min(1).max(100).optional(),
});

export const bundleExportResultSchema = z.object({
  path: z.string(),
  identity: bundleIdentitySchema,
  features: z.number().int(),
  dashboards: z.number().int(),
  revisions: z.number().int(),
  bytes: z.number().int(),
});
export type BundleExportResult = z.infer<typeof bundleExportResultSchema>;

/** The same annotator edited the same feature at home and in the bundle after the export: both are kept. */
export const bundleConflictSchema = z.object({
  runId: z.string(),
  featureIndex: z.number().int().min(0),
  featureId: id,
  annotatorName: z.string(),
  /** The home revision made after the export (annotation_revisions.id). */
  homeRevisionId: id,
  /** The bundle's revision id in the bundle file (preview) or its new id at home (after merge). */
  bundleRevisionId: id,
});
export type BundleConflict = z.infer<typeof bundleConflictSchema>;

export const bundleMergePlanSchema = z.object({
  path: z.string(),
  identity: bundleIdentitySchema,
  /** Annotation revisions made in the bundle after its export that would be (were) appended. */
  revisions: z.number().int(),
  /** Annotator names missing at home that would be (were) created. */
  newAnnotators: z.array(z.string()),
  comments: z.number().int(),
  goldRecords: z.number().int(),
  conflicts: z.array(bundleConflictSchema),
  /** Features of the bundle with no match at home (run id, index): their new revisions are skipped. */
  unmatchedFeatures: z.number().int(),
  isApplied: z.boolean(),
});
export type BundleMergePlan = z.infer<typeof bundleMergePlanSchema>;
