import type { ProgressListener } from '../../src/core/progress';
import { CancelledError } from '../../src/core/progress';
import type { JobExecutor } from '../../src/main/jobs/job-runner';
import type { JobKind } from '../../src/shared/domain';

/** One call of the fake executor: the test decides when and how it ends. */
export interface FakeExecution {
  job: { id: string; kind: JobKind; params: unknown };
  signal: AbortSignal;
  onProgress: ProgressListener;
  resolve(result: unknown): void;
  reject(error: unknown): void;
}

/**
 * An executor whose jobs end only when the test says so. With `honourAbort`, an abort rejects with
 * CancelledError at once, like the real worker executor.
 */
export function createFakeExecutor(options: { honourAbort?: boolean } = {}): {
  execute: JobExecutor;
  calls: FakeExecution[];
  waitForCall(index: number, timeoutMs?: number): Promise<FakeExecution>;
} {
  const calls: FakeExecution[] = [];
  const execute: JobExecutor = (job, context) =>
    new Promise((resolve, reject) => {
      calls.push({ job, signal: context.signal, onProgress: context.onProgress, resolve, reject });
      if (options.honourAbort ?? true) {
        context.signal.addEventListener('abort', () => reject(new CancelledError()), { once: true });
      }
    });
  const waitForCall = async (index: number, timeoutMs = 5000): Promise<FakeExecution> => {
    const deadline = Date.now() + timeoutMs;
    while (calls[index] === undefined) {
      if (Date.now() > deadline)
        throw new Error(`executor call ${index} did not happen within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 5));
    }
    return calls[index]!;
  };
  return { execute, calls, waitForCall };
}

/** Polls `predicate` until it is true (real timers). */
export async function waitUntil(
  predicate: () => boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
