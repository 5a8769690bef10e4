import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  createSequence,
  type HostMessage,
  type Unsequenced,
  type WorkerMessage,
} from '../../compute/protocol';
import { CancelledError } from '../../core/progress';
import type { BackendInfo, BackendPreference, JobKind } from '../../shared/domain';
import type { JobExecutor } from './job-runner';

/** How long a cancelled job may take to stop by itself before its worker is terminated. */
const cancelGraceMs = 3000;

/** Starts a compute worker: the bundled file next to a built main, else the TypeScript source via tsx. */
export function spawnComputeWorker(defaultBackend: BackendPreference): Worker {
  const here = dirname(fileURLToPath(import.meta.url));
  if (!import.meta.url.endsWith('.ts')) {
    // Built: the bundle may have put this module in a chunk folder below out/main.
    const built = [join(here, 'compute-worker.js'), join(here, '..', 'compute-worker.js')].find((p) =>
      existsSync(p),
    );
    if (built !== undefined) return new Worker(built, { workerData: { defaultBackend } });
  }
  const entry = pathToFileURL(join(here, '../../compute/worker.ts')).href;
  const bootstrap = join(here, '../../compute/worker-bootstrap.mjs');
  return new Worker(bootstrap, { workerData: { entry, defaultBackend } });
}

/** A worker wrapped in the seq-numbered protocol: send numbered messages, check incoming order. */
function connect(
  worker: Worker,
  onMessage: (message: WorkerMessage) => void,
): (m: Unsequenced<HostMessage>) => void {
  const nextSeq = createSequence();
  let lastSeq = 0;
  worker.on('message', (message: WorkerMessage) => {
    if (message.seq !== lastSeq + 1) {
      console.warn(`compute host: worker message ${message.seq} after ${lastSeq} (lost or reordered)`);
    }
    lastSeq = message.seq;
    onMessage(message);
  });
  return (message) => worker.postMessage({ ...message, seq: nextSeq() });
}

/** Runs each job in a fresh worker, so a job's tensors and backend state end with it. */
export function createWorkerExecutor(defaultBackend: () => BackendPreference): JobExecutor {
  return (job, context) =>
    new Promise((resolve, reject) => {
      const worker = spawnComputeWorker(defaultBackend());
      let isSettled = false;
      let killTimer: NodeJS.Timeout | undefined;
      const settle = (outcome: () => void): void => {
        if (isSettled) return;
        isSettled = true;
        clearTimeout(killTimer);
        context.signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        outcome();
      };
      const send = connect(worker, (message) => {
        switch (message.type) {
          case 'ready':
            send({ type: 'start', jobId: job.id, kind: job.kind as JobKind, params: job.params });
            break;
          case 'progress':
            context.onProgress({
              step: message.step,
              total: message.total,
              message: message.message,
              metrics: message.metrics,
            });
            break;
          case 'result':
            settle(() => resolve(message.result));
            break;
          case 'cancelled':
            settle(() => reject(new CancelledError()));
            break;
          case 'error':
            settle(() => reject(new Error(message.message)));
            break;
          case 'backend':
            break;
        }
      });
      const onAbort = (): void => {
        send({ type: 'cancel' });
        killTimer = setTimeout(
          () => settle(() => reject(new CancelledError(`Cancelled (stopped after ${cancelGraceMs} ms).`))),
          cancelGraceMs,
        );
      };
      if (context.signal.aborted) onAbort();
      else context.signal.addEventListener('abort', onAbort, { once: true });
      worker.on('error', (error) => settle(() => reject(error)));
      worker.on('exit', (code) =>
        settle(() => reject(new Error(`The compute worker exited (code ${code}) before finishing.`))),
      );
    });
}

/** Asks a short-lived worker which backend it would use, and why. */
export function probeBackend(preference: BackendPreference): Promise<BackendInfo> {
  return new Promise((resolve, reject) => {
    const worker = spawnComputeWorker(preference);
    const done = (outcome: () => void): void => {
      void worker.terminate();
      outcome();
    };
    const send = connect(worker, (message) => {
      if (message.type === 'ready') send({ type: 'probe', preference });
      else if (message.type === 'backend') done(() => resolve(message.info));
      else if (message.type === 'error') done(() => reject(new Error(message.message)));
    });
    worker.on('error', (error) => done(() => reject(error)));
  });
}
