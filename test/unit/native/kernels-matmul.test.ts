import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { installNativeKernels, nativeKernelNames } from '../../../src/core/native/tfjs-native-kernels';
import {
  expectSameAsStock,
  isNativeAvailable,
  seeded,
  stockAndNative,
  useCpuBackend,
} from './kernels-compare';

// The native BatchMatMul and _FusedMatMul kernels against tfjs's stock cpu kernels: shapes, transposes,
// broadcast batch dims, bias and activations, and what they hand back to the stock kernel.

const tolerance = 2e-6; // sgemm sums in another order than tfjs's blocked loop

describe.skipIf(!isNativeAvailable)(
  'native matmul kernels (skipped where the native addon did not build)',
  () => {
    beforeAll(useCpuBackend);

    it('2-d products with every transpose combination', async () => {
      for (const [ta, tb] of [
        [false, false],
        [true, false],
        [false, true],
        [true, true],
      ] as const) {
        await expectSameAsStock(() => {
          const a = seeded(ta ? [37, 19] : [19, 37], 1);
          const b = seeded(tb ? [23, 37] : [37, 23], 2);
          return tf.matMul(a, b, ta, tb);
        }, tolerance);
      }
    });

    it('batched products: equal batches, one side broadcast, rank-2 against rank-4', async () => {
      const cases: [number[], number[], boolean, boolean][] = [
        [[2, 3, 5, 7], [2, 3, 7, 4], false, false],
        [[2, 3, 5, 7], [2, 3, 4, 7], false, true], // attention scores q·kᵀ
        [[2, 3, 7, 5], [2, 3, 7, 4], true, false],
        [[1, 5, 7], [4, 7, 6], false, false], // A broadcast over B's batch
        [[4, 5, 7], [1, 7, 6], false, false], // B broadcast: one sgemm over A's rows
        [[4, 7, 5], [1, 7, 6], true, false], // B broadcast with A transposed
        [[2, 3, 5, 7], [7, 6], false, false],
        [[5, 7], [3, 7, 6], false, false],
      ];
      for (const [aShape, bShape, ta, tb] of cases) {
        await expectSameAsStock(() => tf.matMul(seeded(aShape, 3), seeded(bShape, 4), ta, tb), tolerance);
      }
    });

    it('empty and degenerate shapes', async () => {
      await expectSameAsStock(() => tf.matMul(tf.zeros([0, 4]), seeded([4, 3], 5)));
      await expectSameAsStock(() => tf.matMul(seeded([3, 0], 5), tf.zeros([0, 4])));
      await expectSameAsStock(() => tf.matMul(seeded([1, 1], 6), seeded([1, 1], 7)), tolerance);
    });

    it('int32 inputs run the stock kernel', async () => {
      const { stock, native } = await stockAndNative(() =>
        tf.matMul(tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32'), tf.tensor2d([5, 6, 7, 8], [2, 2], 'int32')),
      );
      expect(Array.from(native[0]!)).toEqual(Array.from(stock[0]!));
      expect(Array.from(native[0]!)).toEqual([19, 22, 43, 50]);
    });

    it("a mismatched inner size fails with tfjs's message", () => {
      installNativeKernels();
      expect(nativeKernelNames()).toContain('BatchMatMul');
      const a = seeded([2, 3], 1);
      const b = seeded([4, 2], 2);
      expect(() => tf.matMul(a, b)).toThrow(/inner shapes \(3\) and \(4\)/);
      tf.dispose([a, b]);
    });

    it('fused matmul with bias and each activation; prelu and odd biases go to the stock kernel', async () => {
      for (const activation of ['linear', 'relu', 'relu6', 'elu', 'leakyrelu', 'sigmoid', 'prelu'] as const) {
        await expectSameAsStock(
          () =>
            tf.fused.matMul({
              a: seeded([6, 5], 8, 4),
              b: seeded([5, 7], 9, 4),
              bias: seeded([7], 10),
              activation,
              preluActivationWeights: activation === 'prelu' ? seeded([7], 11) : undefined,
              leakyreluAlpha: 0.1,
            }),
          tolerance,
        );
      }
      // No bias, a scalar bias, a [1,n] bias, a column bias [m,1] (stock), transposes and batches.
      await expectSameAsStock(
        () => tf.fused.matMul({ a: seeded([6, 5], 8), b: seeded([5, 7], 9) }),
        tolerance,
      );
      await expectSameAsStock(
        () => tf.fused.matMul({ a: seeded([6, 5], 8), b: seeded([5, 7], 9), bias: tf.scalar(0.5) }),
        tolerance,
      );
      await expectSameAsStock(
        () => tf.fused.matMul({ a: seeded([6, 5], 8), b: seeded([5, 7], 9), bias: seeded([1, 7], 3) }),
        tolerance,
      );
      await expectSameAsStock(
        () => tf.fused.matMul({ a: seeded([6, 5], 8), b: seeded([5, 7], 9), bias: seeded([6, 1], 3) }),
        tolerance,
      );
      await expectSameAsStock(
        () =>
          tf.fused.matMul({
            a: seeded([2, 5, 6], 8),
            b: seeded([2, 7, 5], 9),
            transposeA: true,
            transposeB: true,
            bias: seeded([7], 3),
            activation: 'relu',
          }),
        tolerance,
      );
    });

    it('gradients through native matmuls match the stock ones', async () => {
      await expectSameAsStock(() => {
        const a = seeded([3, 4, 5], 12);
        const b = seeded([3, 6, 5], 13);
        const fused = tf.grads((x: tf.Tensor, y: tf.Tensor) =>
          tf.sum(
            tf.fused.matMul({
              a: x as tf.Tensor3D,
              b: y as tf.Tensor3D,
              transposeB: true,
              bias: tf.ones([6]),
              activation: 'relu',
            }),
          ),
        )([a, b]);
        const plain = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.matMul(x, y, true, false)))([
          tf.transpose(a, [0, 2, 1]),
          tf.transpose(b, [0, 2, 1]),
        ]);
        return [...fused, ...plain];
      }, tolerance);
    });
  },
);
