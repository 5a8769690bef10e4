import { z } from 'zod';
import { annotationFieldsSchema, annotationStatusSchema, lifecycleCategorySchema } from './domain';
import { languageSuggestionSchema } from './language-suggestion';

// The annotation workbench as the UI sees it (issue 7): features of a run indexed in the project,
// the paged queue, one feature's detail and dashboard, named queues, assignment, per-annotator
// progress, and who is calling (owner or an annotator behind a serve-mode token).

const id = z.number().int().positive();

/** Who the caller is: the owner (Electron window, the server's start token) or one annotator. */
export const sessionSchema = z.object({
  role: z.enum(['owner', 'annotator']),
  /** The annotator a token is bound to (role `annotator`); null for the owner. */
  annotatorId: id.nullable(),
  annotatorName: z.string().nullable(),
});
export type Session = z.infer<typeof sessionSchema>;

/** An attribution result indexed in the project: the scores of every feature of a run on one task. */
export const attributionIndexSchema = z.object({
  /** The attribution job id (or the file stem of an imported result). */
  id: z.string(),
  runId: z.string(),
  /** Task name (file stem, e.g. `sv_pp_attractor.eng`). */
  task: z.string(),
  method: z.string(),
  n: z.number().int(),
  /** Top-k per checkpoint used for `isSelected`. */
  top: z.number().int(),
  thresholds: z.object({ low: z.number(), high: z.number() }),
  revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
  selected: z.number().int(),
  importedAt: z.string(),
});
export type AttributionIndex = z.infer<typeof attributionIndexSchema>;

export const queueSortSchema = z.enum(['relIe', 'absIe', 'density', 'index']);
export type QueueSort = z.infer<typeof queueSortSchema>;
/** Status of a feature for the annotator viewing the queue; `todo`: no revision yet. */
export const queueStatusSchema = z.enum(['todo', 'draft', 'done', 'skipped']);
export type QueueStatus = z.infer<typeof queueStatusSchema>;

export const featureQueueQuerySchema = z.object({
  runId: z.string().min(1),
  /** Scores of this attribution (task); the run's newest indexed attribution when left out. */
  attributionId: z.string().min(1).optional(),
  /** Only the features of this named queue (made by brushing the scatter). */
  queueId: id.optional(),
  /** The annotator viewing the queue: `status`, `isFlagged` and the description are theirs. */
  annotatorId: id,
  categories: z.array(lifecycleCategorySchema).max(8).optional(),
  statuses: z.array(queueStatusSchema).max(4).optional(),
  /** Only features assigned to this annotator. */
  assignedTo: id.optional(),
  isFlagged: z.boolean().optional(),
  /** Only the top-k features of the attribution (the default queue). */
  isSelectedOnly: z.boolean().default(true),
  /** A feature index (`#12` or `12`) or words of the viewer's description. */
  search: z.string().max(200).optional(),
  sort: queueSortSchema.default('absIe'),
  direction: z.enum(['asc', 'desc']).default('desc'),
  offset: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type FeatureQueueQuery = z.input<typeof featureQueueQuerySchema>;

export const featureQueueItemSchema = z.object({
  featureId: id,
  index: z.number().int().min(0),
  category: lifecycleCategorySchema,
  /** RelIE share of the last checkpoint (null when IE is all zero). */
  relIe: z.number().nullable(),
  /** max_m |IE_m|. */
  absIe: z.number(),
  /** Activation density from the dashboard (null before dashboards exist). */
  density: z.number().nullable(),
  isSelected: z.boolean(),
  status: queueStatusSchema,
  isFlagged: z.boolean(),
  /** The viewer's description, first 160 characters. */
  description: z.string(),
  /** Annotators who submitted (status done). */
  doneCount: z.number().int(),
});
export type FeatureQueueItem = z.infer<typeof featureQueueItemSchema>;

export const featureQueuePageSchema = z.object({
  total: z.number().int(),
  offset: z.number().int(),
  items: z.array(featureQueueItemSchema),
});
export type FeatureQueuePage = z.infer<typeof featureQueuePageSchema>;

/** One task item (minimal pair) where a feature carries part of the effect. */
export const featureItemEffectSchema = z.object({
  item: z.number().int().min(0),
  good: z.string(),
  bad: z.string(),
  /**
   * The feature's IE on this pair per checkpoint (signed; metric logit(wrong) − logit(right)); null where
   * it is not in that checkpoint's kept top list (the result keeps only those values).
   */
  ie: z.array(z.number().nullable()),
  /** Its rank among features on this pair, per checkpoint (1 = largest |IE|; null: not in the kept top). */
  rank: z.array(z.number().int().nullable()),
});
export type FeatureItemEffect = z.infer<typeof featureItemEffectSchema>;

/** The scores of one feature on one indexed attribution. */
export const featureScoresSchema = z.object({
  attributionId: z.string(),
  task: z.string(),
  ie: z.array(z.number()),
  /** RelIE shares per checkpoint (null when IE is all zero). */
  relIe: z.array(z.number()).nullable(),
  bucket: z.string().nullable(),
  category: lifecycleCategorySchema,
  isSelected: z.boolean(),
  items: z.array(featureItemEffectSchema),
});
export type FeatureScores = z.infer<typeof featureScoresSchema>;

export const featureDetailSchema = z.object({
  featureId: id,
  runId: z.string(),
  index: z.number().int().min(0),
  revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
  /** ‖W_dec[i,m]‖ and its share per checkpoint. */
  decoderNorms: z.array(z.number()).nullable(),
  relDec: z.array(z.number().nullable()).nullable(),
  scores: z.array(featureScoresSchema),
  hasDashboard: z.boolean(),
  /** A suggested languages value from the feature's |IE| per task language (language-suggestion.ts). */
  suggestedLanguages: languageSuggestionSchema.optional(),
});
export type FeatureDetail = z.infer<typeof featureDetailSchema>;

const contextSampleSchema = z.object({
  activation: z.number(),
  window: z.number().int(),
  position: z.number().int(),
  tokens: z.array(
    z.object({
      id: z.number().int(),
      text: z.string(),
      activation: z.number().nullable(),
      isCenter: z.boolean(),
    }),
  ),
});
const logitSchema = z.object({ id: z.number().int(), text: z.string(), value: z.number() });

/** Dashboard data of one feature (src/core/attribution/dashboards.ts `FeatureDashboard`). */
export const featureDashboardSchema = z.object({
  feature: z.number().int(),
  rows: z.number().int(),
  density: z.number(),
  maxActivation: z.number(),
  histogram: z.object({ edges: z.array(z.number()), counts: z.array(z.number()) }),
  topContexts: z.array(contextSampleSchema),
  quantiles: z.array(z.object({ low: z.number(), high: z.number(), samples: z.array(contextSampleSchema) })),
  checkpoints: z.array(
    z.object({
      revision: z.string(),
      decoderNorm: z.number(),
      relDec: z.number().nullable(),
      cosineWithPrevious: z.number().nullable(),
      topLogits: z.array(logitSchema),
      bottomLogits: z.array(logitSchema),
    }),
  ),
});
export type FeatureDashboardData = z.infer<typeof featureDashboardSchema>;

/** A named list of features of one attribution (from brushing the RelIE × RelDec scatter). */
export const featureQueueSchema = z.object({
  id,
  runId: z.string(),
  attributionId: z.string(),
  name: z.string(),
  featureIndices: z.array(z.number().int().min(0)),
  createdAt: z.string(),
});
export type NamedQueue = z.infer<typeof featureQueueSchema>;

export const annotatorProgressSchema = z.object({
  annotatorId: id,
  name: z.string(),
  /** Features submitted (status done) among those counted in `total`. */
  done: z.number().int(),
  /** Features assigned to the annotator, or the selected features when nothing is assigned. */
  total: z.number().int(),
  /** Median time spent per submitted feature, in seconds (null before the first). */
  medianSeconds: z.number().nullable(),
});
export type AnnotatorProgress = z.infer<typeof annotatorProgressSchema>;

/** Another annotator's current answer on a feature (refused in blind mode until one's own is done). */
export const otherAnnotationSchema = z.object({
  annotatorId: id,
  name: z.string(),
  revision: z.number().int(),
  status: annotationStatusSchema,
  fields: annotationFieldsSchema,
  createdAt: z.string(),
});
export type OtherAnnotation = z.infer<typeof otherAnnotationSchema>;

export const importStudyResultSchema = z.object({
  runId: z.string(),
  attributions: z.number().int(),
  features: z.number().int(),
  dashboards: z.number().int(),
});
