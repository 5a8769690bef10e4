import * as tf from '@tensorflow/tfjs';
import { throwIfAborted, yieldToEventLoop, type ProgressListener } from './progress';

export interface MatmulRow {
  size: number;
  medianMs: number;
  gflopsPerSecond: number;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/**
 * Times n×n · n×n matmuls on the current backend: one warm-up, then `repeats` timed runs per size,
 * each including readback (so asynchronous backends are measured to completion). GFLOP/s = 2n³ / time.
 */
export async function measureMatmul(options: {
  sizes: readonly number[];
  repeats: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<MatmulRow[]> {
  const { sizes, repeats, signal, onProgress } = options;
  const total = sizes.length * (repeats + 1);
  let step = 0;
  const rows: MatmulRow[] = [];
  for (const n of sizes) {
    const a_NN = tf.randomNormal([n, n], 0, 1, 'float32', 1);
    const b_NN = tf.randomNormal([n, n], 0, 1, 'float32', 2);
    try {
      const timesMs: number[] = [];
      for (let r = 0; r <= repeats; r++) {
        throwIfAborted(signal);
        const start = performance.now();
        const c_NN = tf.matMul(a_NN, b_NN);
        await c_NN.data();
        c_NN.dispose();
        const elapsedMs = performance.now() - start;
        if (r > 0) timesMs.push(elapsedMs); // r = 0 is the warm-up
        step += 1;
        const gflops = (2 * n ** 3) / (elapsedMs * 1e6);
        onProgress?.({
          step,
          total,
          message: `${n}×${n}: ${r === 0 ? 'warm-up' : `run ${r}/${repeats}`}`,
          metrics: { size: n, gflopsPerSecond: gflops },
        });
        await yieldToEventLoop();
      }
      const medianMs = median(timesMs);
      rows.push({ size: n, medianMs, gflopsPerSecond: (2 * n ** 3) / (medianMs * 1e6) });
    } finally {
      tf.dispose([a_NN, b_NN]);
    }
  }
  return rows;
}
