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
import { attributionStartSchema, attributionSummarySchema } from './attribution';
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
