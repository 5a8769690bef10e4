import * as tf from '@tensorflow/tfjs';
import type { NativeAddon } from './native/native-addon';
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

/**
 * The sgemm peak of the native addon (OpenBLAS) on this machine, for benchmarks' "fraction of peak":
 * C[n,n] = A·B on buffers allocated and touched once, the best of `repeats` runs after a warm-up (the
 * best, not the median: a peak is what the hardware can do when nothing else runs).
 */
export function measureSgemmPeak(
  addon: NativeAddon,
  options: { size: number; repeats: number },
): { size: number; bestMs: number; medianMs: number; gflopsPerSecond: number } {
  const n = options.size;
  const a = new Float32Array(n * n).map((_, i) => ((i * 7919) % 1000) / 1000 - 0.5);
  const b = new Float32Array(n * n).map((_, i) => ((i * 104729) % 1000) / 1000 - 0.5);
  const c = new Float32Array(n * n);
  addon.sgemm(false, false, n, n, n, 1, a, b, 0, c);
  const timesMs: number[] = [];
  for (let r = 0; r < options.repeats; r++) {
    const start = performance.now();
    addon.sgemm(false, false, n, n, n, 1, a, b, 0, c);
    timesMs.push(performance.now() - start);
  }
  const bestMs = Math.min(...timesMs);
  return { size: n, bestMs, medianMs: median(timesMs), gflopsPerSecond: (2 * n ** 3) / (bestMs * 1e6) };
}
