import { basename } from 'node:path';
import type { TaskAccuracyParams } from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { JobRunner } from '../jobs/job-runner';
import type { ModelsService } from './models-service';
import { requireUsableTaskFile } from './task-files';

export interface TaskAccuracyStart {
  modelId: number;
  taskFile: string;
  limit?: number | undefined;
  policy: TaskAccuracyParams['policy'];
}

/**
 * Starts a `taskAccuracy` job over every checkpoint of a family that has a local folder, in order of
 * tokens seen. The task file is read once here, so a malformed file is an `invalid_input` naming its
 * line instead of a failed job.
 */
export async function startTaskAccuracy(
  deps: { models: ModelsService; runner: JobRunner },
  input: TaskAccuracyStart,
): Promise<{ jobId: string }> {
  const model = deps.models.getModel(input.modelId);
  const checkpoints = model.checkpoints.filter((c) => c.path !== null);
  if (checkpoints.length === 0) {
    throw new AppError(
      'invalid_input',
      `The model family "${model.name}" has no checkpoint with a local folder.`,
      'input.modelId',
    );
  }
  await requireUsableTaskFile(input.taskFile, input.limit);
  const params: TaskAccuracyParams = {
    modelId: model.id,
    checkpoints: checkpoints.map((c) => ({
      checkpointId: c.id,
      path: c.path!,
      revision: c.revision,
      tokensSeen: c.tokensSeen,
    })),
    taskFile: input.taskFile,
    policy: input.policy,
    ...(input.limit === undefined ? {} : { limit: input.limit }),
  };
  const label = `Task accuracy: ${model.name} × ${basename(input.taskFile)} (${checkpoints.length} checkpoints)`;
  return { jobId: deps.runner.start('taskAccuracy', params, label).id };
}
