/** How core routines report progress and learn about cancellation. Plain data, no tensors. */
export interface ProgressReport {
  step: number;
  total: number;
  message?: string;
  metrics?: Record<string, number>;
}
export type ProgressListener = (report: ProgressReport) => void;

export class CancelledError extends Error {
  constructor(message = 'Cancelled.') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** Yields to the event loop so a cancel message can arrive between units of work. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
