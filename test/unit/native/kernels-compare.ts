import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';
import { selectBackend } from '../../../src/core/backend';
import { nativeAddon } from '../../../src/core/native/native-addon';
import {
  areNativeKernelsInstalled,
  installNativeKernels,
  uninstallNativeKernels,
} from '../../../src/core/native/tfjs-native-kernels';

// Runs the same tfjs computation with the native kernels and with tfjs's stock cpu kernels, for tests
// that compare the two (test/unit/native/kernels-*.test.ts).

export const isNativeAvailable = nativeAddon() !== null;

/** Puts tfjs on its cpu backend (the native kernels replace some of its kernels). */
export async function useCpuBackend(): Promise<void> {
  const info = await selectBackend('cpu');
  expect(info.backend, info.reason).toBe('cpu');
}

/** fn's result values with the stock kernels, then with the native ones; no tensor is left behind. */
export async function stockAndNative(
  fn: () => tf.Tensor | tf.Tensor[],
): Promise<{ stock: Float32Array[]; native: Float32Array[]; shapes: number[][] }> {
  const run = async (): Promise<{ values: Float32Array[]; shapes: number[][] }> => {
    const before = tf.memory().numTensors;
    const out = tf.tidy(fn);
    const list = Array.isArray(out) ? out : [out];
    const values = await Promise.all(list.map(async (t) => Float32Array.from(await t.data())));
    const shapes = list.map((t) => [...t.shape]);
    tf.dispose(list);
    expect(tf.memory().numTensors).toBe(before);
    return { values, shapes };
  };
  const wasInstalled = areNativeKernelsInstalled();
  uninstallNativeKernels();
  const stock = await run();
  installNativeKernels();
  const native = await run();
  if (!wasInstalled) uninstallNativeKernels();
  expect(native.shapes).toEqual(stock.shapes);
  return { stock: stock.values, native: native.values, shapes: stock.shapes };
}

/** Largest |a−b| / max(1, |b|) over all elements (NaN where one is NaN and the other not). */
export function maxRelativeDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return Number.NaN;
      continue;
    }
    if (x === y) continue; // equal infinities too
    worst = Math.max(worst, Math.abs(x - y) / Math.max(1, Math.abs(y)));
  }
  return worst;
}

/** Expects native and stock results to agree to `tolerance` (0: bit for bit). */
export async function expectSameAsStock(fn: () => tf.Tensor | tf.Tensor[], tolerance = 0): Promise<void> {
  const { stock, native } = await stockAndNative(fn);
  expect(native.length).toBe(stock.length);
  stock.forEach((s, i) => {
    const difference = maxRelativeDifference(native[i]!, s);
    if (tolerance === 0) expect(Array.from(native[i]!)).toEqual(Array.from(s));
    else expect(difference).toBeLessThanOrEqual(tolerance);
  });
}

/** A seeded float32 tensor of shape with values in [-scale, scale). */
export function seeded(shape: number[], seed: number, scale = 1): tf.Tensor {
  return tf.randomUniform(shape, -scale, scale, 'float32', seed);
}
