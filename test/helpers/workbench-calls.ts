import { dispatch } from '../../src/main/services/dispatch';
import type { Workbench } from '../../src/main/workbench';
import type { JobSnapshot } from '../../src/shared/domain';
import { waitUntil } from './fake-executor';

/**
 * Contract calls against a workbench (outputs validated too) and waiting for a job to end. `current`
 * returns the workbench at call time, so tests may create it in beforeAll.
 */
export function workbenchCalls(current: () => Workbench) {
  return {
    async call<T>(channel: string, input: unknown): Promise<T> {
      const result = await dispatch(
        current().handlers,
        channel,
        input,
        { transport: 'cli' },
        { shouldValidateOutput: true },
      );
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value as T;
    },
    async finished(jobId: string, timeoutMs = 120_000): Promise<JobSnapshot> {
      const runner = current().runner;
      await waitUntil(
        () => ['succeeded', 'failed', 'cancelled'].includes(runner.get(jobId).state),
        timeoutMs,
        `job ${jobId}`,
      );
      return runner.get(jobId);
    },
  };
}
