import { join } from 'node:path';
import { dispatch, type CallContext } from '../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { annotationFieldsSchema, type AnnotationFields } from '../../src/shared/domain';
import {
  attributeResult,
  attributionSummary,
  dashboardData,
  finishedRun,
  handIe,
  handSelected,
  writeAttributionFile,
} from './annotation-fixtures';
import { fakeBackendInfo } from './fake-backend';
import { createFakeExecutor } from './fake-executor';

// A small review project (issue 8): run `run-1` with the hand-computed attribution of
// annotation-fixtures.ts indexed (top 2: features 0, 1, 2, 3, 6 selected) and dashboards for the
// selected features, over a workbench whose database is `databaseFile` when given.

export const reviewRunId = 'run-1';
export const reviewAttributionId = 'attr-1';
export const owner: CallContext = { transport: 'cli' };

export interface ReviewProject {
  workbench: Workbench;
  /** The feature id of a feature index of the run. */
  idOf(index: number): number;
  /** A contract call (outputs validated); throws with the error message on failure. */
  value<T>(channel: string, input: unknown, context?: CallContext): Promise<T>;
  /** A contract call's raw result. */
  call(channel: string, input: unknown, context?: CallContext): ReturnType<typeof dispatch>;
  annotator(name: string): number;
  save(index: number, annotator: string, patch: Partial<AnnotationFields>): number;
}

export const fieldsOf = (patch: Partial<AnnotationFields>): AnnotationFields =>
  annotationFieldsSchema.parse({ status: 'done', ...patch });

export function openWorkbench(dataDir: string, databaseFile?: string): Workbench {
  return createWorkbench({
    dataDir,
    mode: 'cli',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
    demoStudyDir: null,
    databaseFile,
  });
}

/** Contract helpers over a workbench (the review project or a bundle opened as one). */
export function projectOf(workbench: Workbench): ReviewProject {
  const call = (channel: string, input: unknown, context: CallContext = owner) =>
    dispatch(workbench.handlers, channel, input, context, { shouldValidateOutput: true });
  const idOf = (index: number): number =>
    workbench.store.features.list(reviewRunId).find((f) => f.index === index)!.id;
  const annotator = (name: string): number =>
    workbench.store.annotators.list().find((a) => a.name === name)?.id ??
    workbench.store.annotators.create(name).id;
  return {
    workbench,
    idOf,
    call,
    async value<T>(channel: string, input: unknown, context: CallContext = owner): Promise<T> {
      const result = await call(channel, input, context);
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value as T;
    },
    annotator,
    save(index, name, patch) {
      return workbench.store.annotations.save({
        featureId: idOf(index),
        annotatorId: annotator(name),
        fields: fieldsOf(patch),
      }).id;
    },
  };
}

export async function reviewProject(dataDir: string): Promise<ReviewProject> {
  const workbench = openWorkbench(dataDir);
  const runDir = join(dataDir, 'runs', reviewRunId);
  finishedRun(workbench.store, { id: reviewRunId, dir: runDir, nFeatures: 8 });
  writeAttributionFile(runDir, attributionSummary(reviewAttributionId, attributeResult(reviewRunId, handIe)));
  const project = projectOf(workbench);
  await project.value('features:indexAttribution', {
    runId: reviewRunId,
    attributionId: reviewAttributionId,
    top: 2,
  });
  workbench.store.dashboards.upsertMany(
    reviewRunId,
    handSelected.map((index) => {
      const data = dashboardData(index, 0.01 * (index + 1), ['step100', 'step200', 'step300']);
      return { index, density: data.density, maxActivation: data.maxActivation, json: JSON.stringify(data) };
    }),
  );
  return project;
}
