import { z } from 'zod';
import {
  annotationFieldsSchema,
  annotationRevisionSchema,
  annotatorCreateSchema,
  annotatorSchema,
  appInfoSchema,
  checkpointAddSchema,
  checkpointSchema,
  checkpointValidationSchema,
  jobSnapshotSchema,
  modelAddSchema,
  modelWithCheckpointsSchema,
  pathInputSchema,
  projectCreateSchema,
  projectSchema,
  selfTestParamsSchema,
  settingsPatchSchema,
  settingsSchema,
  taskAccuracyStartSchema,
} from './domain';
import {
  activationDefaultsSchema,
  activationStoreSummarySchema,
  extractionStartSchema,
} from './activation-stores';
import {
  annotatorProgressSchema,
  attributionIndexSchema,
  featureDashboardSchema,
  featureDetailSchema,
  featureQueuePageSchema,
  featureQueueQuerySchema,
  featureQueueSchema,
  importStudyResultSchema,
  otherAnnotationSchema,
  sessionSchema,
} from './annotation';
import { attributionStartSchema, attributionSummarySchema } from './attribution';
import { faithfulnessReportFileSchema, faithfulnessStartSchema, featureVerdictsSchema } from './faithfulness';
import {
  adjudicationSaveSchema,
  adjudicationViewSchema,
  agreementReportSchema,
  annotationsCsvImportResultSchema,
  annotationsCsvImportSchema,
  bundleExportResultSchema,
  bundleExportSchema,
  bundleIdentitySchema,
  bundleMergePlanSchema,
  disagreementPageSchema,
  disagreementQuerySchema,
  exportResultSchema,
  exportWriteSchema,
  goldRecordSchema,
  lifecycleReviewSchema,
  reviewCommentSchema,
  reviewScopeSchema,
  thresholdsSchema,
} from './review';
import {
  metricSeriesSchema,
  runDetailSchema,
  runSummarySchema,
  trainingEstimateInputSchema,
  trainingEstimateSchema,
  trainingMetricNameSchema,
  trainingStartSchema,
} from './training';

/**
 * The one contract between the UI and the main process. Every request channel has an input and an
 * output schema; every event has a payload schema. IPC (preload) and HTTP (serve mode) both carry
 * exactly these channels, and main must register a handler for each (see `Handlers`).
 */
const id = z.number().int().positive();

export const requests = {
  'app:info': { input: z.object({}), output: appInfoSchema },
  'settings:get': { input: z.object({}), output: settingsSchema },
  'settings:update': { input: settingsPatchSchema, output: settingsSchema },

  'projects:list': { input: z.object({}), output: z.array(projectSchema) },
  'projects:create': { input: projectCreateSchema, output: projectSchema },

  'annotators:list': { input: z.object({}), output: z.array(annotatorSchema) },
  'annotators:create': { input: annotatorCreateSchema, output: annotatorSchema },

  'annotations:save': {
    input: z.object({
      featureId: id,
      annotatorId: id,
      fields: annotationFieldsSchema,
      /** Revision the edit started from (0: none yet). When given and not the latest: `conflict`. */
      baseRevision: z.number().int().min(0).optional(),
    }),
    output: annotationRevisionSchema,
  },
  'annotations:latest': {
    input: z.object({ featureId: id, annotatorId: id }),
    output: annotationRevisionSchema.nullable(),
  },
  'annotations:history': {
    input: z.object({ featureId: id, annotatorId: id.optional() }),
    output: z.array(annotationRevisionSchema),
  },
  /** Other annotators' current answers on a feature; in blind mode only once `annotatorId`'s is done. */
  'annotations:others': {
    input: z.object({ featureId: id, annotatorId: id }),
    output: z.array(otherAnnotationSchema),
  },
  /** Assigns `perFeature` annotators to each feature of a queue, balancing the load (replaces earlier). */
  'annotations:assign': {
    input: z.object({
      runId: z.string().min(1),
      attributionId: z.string().min(1).optional(),
      queueId: id.optional(),
      annotatorIds: z.array(id).min(1).max(100),
      perFeature: z.number().int().min(1).max(100),
    }),
    output: z.object({ features: z.number().int(), assignments: z.number().int() }),
  },
  /** Done / total and median seconds per feature, per annotator, on a run's attribution. */
  'annotators:progress': {
    input: z.object({ runId: z.string().min(1), attributionId: z.string().min(1).optional() }),
    output: z.array(annotatorProgressSchema),
  },
  /** A serve-mode token bound to one annotator (owner only); earlier tokens of that annotator stop working. */
  'annotators:createToken': {
    input: z.object({ annotatorId: id }),
    output: z.object({ annotatorId: id, token: z.string(), openPath: z.string() }),
  },
  /** Who is calling: the owner, or the annotator a serve-mode token belongs to. */
  'session:get': { input: z.object({}), output: sessionSchema },

  /** Attribution results of a run indexed for annotation, newest first. */
  'features:attributions': {
    input: z.object({ runId: z.string().min(1) }),
    output: z.array(attributionIndexSchema),
  },
  /** Indexes a finished attribution result: every feature's IE, RelIE, category; the top-k selected. */
  'features:indexAttribution': {
    input: z.object({
      runId: z.string().min(1),
      attributionId: z.string().min(1),
      top: z.number().int().min(1).max(10_000).default(10),
      low: z.number().min(0).max(1).default(0.3),
      high: z.number().min(0).max(1).default(0.7),
    }),
    output: attributionIndexSchema,
  },
  /** Imports a study folder (run, attribution results, dashboards); the shipped demo study when no `dir`. */
  'features:importStudy': {
    input: z.object({ dir: pathInputSchema.optional() }),
    output: importStudyResultSchema,
  },
  /** One page of the feature queue, filtered and sorted in SQL. */
  'features:queue': { input: featureQueueQuerySchema, output: featureQueuePageSchema },
  /** A feature's scores on every indexed attribution, decoder norms and the task items it matters for. */
  'features:get': { input: z.object({ featureId: id }), output: featureDetailSchema },
  /** A feature's dashboard data (loaded lazily; null when none was computed). */
  'features:dashboard': { input: z.object({ featureId: id }), output: featureDashboardSchema.nullable() },
  /** Starts a `dashboards` job from the run's activation store (the selected features by default). */
  'features:startDashboards': {
    input: z.object({
      runId: z.string().min(1),
      attributionId: z.string().min(1).optional(),
      features: z.array(z.number().int().min(0)).min(1).max(10_000).optional(),
    }),
    output: z.object({ jobId: z.string() }),
  },
  /** Named queues of a run (brushed selections), newest first. */
  'queues:list': { input: z.object({ runId: z.string().min(1) }), output: z.array(featureQueueSchema) },
  'queues:create': {
    input: z.object({
      runId: z.string().min(1),
      attributionId: z.string().min(1),
      name: z.string().trim().min(1).max(200),
      featureIndices: z.array(z.number().int().min(0)).min(1).max(100_000),
    }),
    output: featureQueueSchema,
  },

  /** Agreement on a run's attribution: Krippendorff's α, ICC(2,1), per-annotator bias and spread. */
  'review:agreement': { input: reviewScopeSchema, output: agreementReportSchema },
  /** Features answered by 2+ annotators, largest disagreement first (paged). */
  'review:disagreements': { input: disagreementQuerySchema, output: disagreementPageSchema },
  /** Category counts per task, ±0.05 threshold sensitivity, and human labels that differ from RelIE. */
  'review:lifecycle': {
    input: z.object({ runId: z.string().min(1), thresholds: thresholdsSchema.optional() }),
    output: lifecycleReviewSchema,
  },
  /** Annotators' current answers on a feature side by side, with its gold record and history. */
  'adjudication:get': { input: z.object({ featureId: id }), output: adjudicationViewSchema },
  /** Appends a gold revision (picked or merged, with a rationale); annotators' revisions never change. */
  'adjudication:save': { input: adjudicationSaveSchema, output: goldRecordSchema },
  /** Reviewer comments on a feature, oldest first. */
  'comments:list': { input: z.object({ featureId: id }), output: z.array(reviewCommentSchema) },
  'comments:add': {
    input: z.object({ featureId: id, annotatorId: id, text: z.string().trim().min(1).max(10_000) }),
    output: reviewCommentSchema,
  },
  /** Writes a run's table (csv, jsonl, LaTeX booktabs, Markdown) with provenance to a file. */
  'export:write': { input: exportWriteSchema, output: exportResultSchema },
  /** Imports an annotation CSV in the original study's columns for one annotator (dry run by default). */
  'import:annotationsCsv': { input: annotationsCsvImportSchema, output: annotationsCsvImportResultSchema },
  /** Writes an offline review bundle (one SQLite file: runs' features, dashboards, annotations). */
  'bundle:export': { input: bundleExportSchema, output: bundleExportResultSchema },
  /** What merging a bundle would add, and the conflicts; changes nothing. */
  'bundle:preview': { input: z.object({ path: pathInputSchema }), output: bundleMergePlanSchema },
  /** Merges a bundle back (one transaction; appends only, conflicts keep both sides). */
  'bundle:merge': { input: z.object({ path: pathInputSchema }), output: bundleMergePlanSchema },
  /** The bundle identity when the open project is a bundle (`ctt serve --project FILE`), else null. */
  'bundle:identity': { input: z.object({}), output: bundleIdentitySchema.nullable() },

  /** Model families of the default project, each with its checkpoints ordered by tokens seen. */
  'models:list': { input: z.object({}), output: z.array(modelWithCheckpointsSchema) },
  /** Adds a family from a local folder or the Hugging Face cache, with every checkpoint found there. */
  'models:add': { input: modelAddSchema, output: modelWithCheckpointsSchema },
  /** Adds (or re-points) one revision of a family at a local model folder. */
  'models:addCheckpoint': { input: checkpointAddSchema, output: checkpointSchema },
  /** Forgets a family and its checkpoints (files on disk stay). */
  'models:remove': { input: z.object({ modelId: id }), output: z.object({ modelId: id }) },
  /** Reads a checkpoint's config.json, safetensors headers and tokenizer; problems are reported, not thrown. */
  'checkpoints:validate': {
    input: z.object({ checkpointId: id }),
    output: checkpointValidationSchema,
  },
  /** Starts a `taskAccuracy` job over every checkpoint of a family that has a folder. */
  'tasks:startAccuracy': { input: taskAccuracyStartSchema, output: z.object({ jobId: z.string() }) },

  /** The demo corpus and the default store folder. */
  'activations:defaults': { input: z.object({}), output: activationDefaultsSchema },
  /** Stores under <dataDir>/activations and those extraction jobs wrote elsewhere, newest first. */
  'activations:list': { input: z.object({}), output: z.array(activationStoreSummarySchema) },
  /** Starts an `extractActivations` job; the same settings into the same folder resume it. */
  'activations:startExtraction': {
    input: extractionStartSchema,
    output: z.object({ jobId: z.string(), outDir: z.string() }),
  },

  /** Creates a run (<dataDir>/runs/<id>) and starts its `trainCrosscoder` job. */
  'training:start': {
    input: trainingStartSchema,
    output: z.object({ runId: z.string(), jobId: z.string() }),
  },
  /** Starts a failed or cancelled run again; the job continues from the run's last save. */
  'training:resume': {
    input: z.object({ runId: z.string().min(1) }),
    output: z.object({ runId: z.string(), jobId: z.string() }),
  },
  /** Suggested sizes for a store on this machine and measured steps/s (a few steps on random rows). */
  'training:estimate': { input: trainingEstimateInputSchema, output: trainingEstimateSchema },
  /** Crosscoder runs of the default project with status, progress and headline numbers, newest first. */
  'runs:list': { input: z.object({}), output: z.array(runSummarySchema) },
  /** Stored metric series of a run by step (all training metrics when `names` is left out). */
  'runs:metrics': {
    input: z.object({ runId: z.string().min(1), names: z.array(trainingMetricNameSchema).min(1).optional() }),
    output: z.array(metricSeriesSchema),
  },
  /** A run's config and, once finished, its evaluation summary. */
  'runs:get': { input: z.object({ runId: z.string().min(1) }), output: runDetailSchema },

  /** Starts an `attribute` job on a finished run; checkpoints and layer come from its store's manifest. */
  'attribution:start': { input: attributionStartSchema, output: z.object({ jobId: z.string() }) },
  /** Results of a run's finished attribution jobs, newest first. */
  'attribution:list': {
    input: z.object({ runId: z.string().min(1) }),
    output: z.array(attributionSummarySchema),
  },
  /** The demo task files shipped with the app (absolute; empty when this install has none). */
  'attribution:defaults': { input: z.object({}), output: z.object({ taskFiles: z.array(z.string()) }) },

  /** A run's faithfulness report (`<run>/faithfulness/report.json`), or null before the checks ran. */
  'faithfulness:get': {
    input: z.object({ runId: z.string().min(1) }),
    output: faithfulnessReportFileSchema.nullable(),
  },
  /** Starts a `faithfulness` job: reordered, seeds, SAEs (trained when asked), held-out, latent scaling. */
  'faithfulness:start': { input: faithfulnessStartSchema, output: z.object({ jobId: z.string() }) },
  /** What the run's report says per feature (queue badges, the annotation form); empty without one. */
  'faithfulness:features': {
    input: z.object({ runId: z.string().min(1) }),
    output: featureVerdictsSchema,
  },

  'jobs:list': { input: z.object({}), output: z.array(jobSnapshotSchema) },
  'jobs:get': { input: z.object({ jobId: z.string().min(1) }), output: jobSnapshotSchema },
  'jobs:startSelfTest': {
    input: selfTestParamsSchema,
    output: z.object({ jobId: z.string() }),
  },
  'jobs:cancel': { input: z.object({ jobId: z.string().min(1) }), output: jobSnapshotSchema },
} as const;

export const events = {
  /** Any change of a job: state, step, ETA or metrics. Sent at most a few times a second per job. */
  'jobs:progress': jobSnapshotSchema,
} as const;

export type RequestChannel = keyof typeof requests;
export type EventChannel = keyof typeof events;
export type RequestInput<C extends RequestChannel> = z.input<(typeof requests)[C]['input']>;
export type ParsedInput<C extends RequestChannel> = z.output<(typeof requests)[C]['input']>;
export type RequestOutput<C extends RequestChannel> = z.output<(typeof requests)[C]['output']>;
export type EventPayload<E extends EventChannel> = z.output<(typeof events)[E]>;

export const requestChannels = Object.keys(requests) as RequestChannel[];
export const eventChannels = Object.keys(events) as EventChannel[];

export const isRequestChannel = (value: unknown): value is RequestChannel =>
  typeof value === 'string' && Object.hasOwn(requests, value);
export const isEventChannel = (value: unknown): value is EventChannel =>
  typeof value === 'string' && Object.hasOwn(events, value);

/** Shape of `window.api`, exposed by the preload script in Electron. */
export interface WindowApi {
  invoke(channel: string, input: unknown): Promise<unknown>;
  on(event: string, listener: (payload: unknown) => void): () => void;
}
