import type { BackendInfo, BackendPreference, JobKind } from '../shared/domain';

/**
 * Messages between the job host (main process, serve mode or CLI) and a compute worker. Each side
 * numbers its own messages with `seq` (1, 2, 3, …) so the receiver can detect loss or reordering;
 * replies name the request they answer in `re`.
 */
export type HostMessage =
  | { seq: number; type: 'start'; jobId: string; kind: JobKind; params: unknown }
  | { seq: number; type: 'cancel' }
  | { seq: number; type: 'probe'; preference: BackendPreference };

export type WorkerMessage =
  | { seq: number; type: 'ready' }
  | { seq: number; type: 'backend'; re: number; info: BackendInfo }
  | {
      seq: number;
      type: 'progress';
      re: number;
      step: number;
      total: number;
      message: string;
      metrics: Record<string, number>;
    }
  | { seq: number; type: 'result'; re: number; result: unknown }
  | { seq: number; type: 'cancelled'; re: number }
  | { seq: number; type: 'error'; re: number; message: string };

/** A message before its sender numbers it (Omit distributed over the union). */
export type Unsequenced<T> = T extends unknown ? Omit<T, 'seq'> : never;

/** Hands out 1, 2, 3, … for one sender. */
export function createSequence(): () => number {
  let seq = 0;
  return () => (seq += 1);
}
