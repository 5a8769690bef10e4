import { parentPort, workerData } from 'node:worker_threads';
import { parseBackendPreference, selectBackend } from '../core/backend';
import { CancelledError } from '../core/progress';
import type { BackendPreference } from '../shared/domain';
import { computeJobs } from './jobs';
import { createSequence, type HostMessage, type Unsequenced, type WorkerMessage } from './protocol';

// Compute worker entry: runs one job at a time for its host, streams progress, honours cancel.
// Runs identically under Electron's main process, serve mode and the CLI (plain worker_threads).

if (!parentPort) throw new Error('compute worker must run inside worker_threads');
const port = parentPort;
const nextSeq = createSequence();
const send = (message: Unsequenced<WorkerMessage>): void => port.postMessage({ ...message, seq: nextSeq() });

const defaultBackend: BackendPreference =
  parseBackendPreference((workerData as { defaultBackend?: string } | null)?.defaultBackend) ?? 'auto';
let controller: AbortController | null = null;
let lastHostSeq = 0;

async function run(message: Extract<HostMessage, { type: 'start' }>): Promise<void> {
  controller = new AbortController();
  const job = computeJobs[message.kind];
  try {
    const result = await job(message.params, {
      signal: controller.signal,
      defaultBackend,
      onProgress: (p) =>
        send({
          type: 'progress',
          re: message.seq,
          step: p.step,
          total: p.total,
          message: p.message ?? '',
          metrics: p.metrics ?? {},
        }),
    });
    send({ type: 'result', re: message.seq, result });
  } catch (error) {
    if (error instanceof CancelledError || controller.signal.aborted) {
      send({ type: 'cancelled', re: message.seq });
    } else {
      const text = error instanceof Error ? error.message : String(error);
      send({ type: 'error', re: message.seq, message: text });
    }
  } finally {
    controller = null;
  }
}

port.on('message', (message: HostMessage) => {
  if (message.seq !== lastHostSeq + 1) {
    console.warn(`compute worker: host message ${message.seq} after ${lastHostSeq} (lost or reordered)`);
  }
  lastHostSeq = message.seq;
  if (message.type === 'cancel') {
    controller?.abort();
  } else if (message.type === 'start') {
    void run(message);
  } else {
    selectBackend(message.preference).then(
      (info) => send({ type: 'backend', re: message.seq, info }),
      (error: unknown) => send({ type: 'error', re: message.seq, message: String(error) }),
    );
  }
});

send({ type: 'ready' });
