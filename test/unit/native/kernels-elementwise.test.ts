import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectSameAsStock, isNativeAvailable, seeded, useCpuBackend } from './kernels-compare';
import { installNativeKernels } from '../../../src/core/native/tfjs-native-kernels';

// The native elementwise, copy, softmax and reduction kernels (native/src/lm_kernels.cc) against tfjs's
// stock cpu kernels. Arithmetic, copies and sums are bit for bit; exp, erf, tanh, log use glibc's float
// functions and agree to a few ulps.

const transcendentalTolerance = 2e-6;

describe.skipIf(!isNativeAvailable)(
  'native elementwise kernels (skipped where the native addon did not build)',
  () => {
    beforeAll(useCpuBackend);

    it('binary ops broadcast as tfjs does, bit for bit', async () => {
      const pairs: [number[], number[]][] = [
        [
          [4, 5],
          [4, 5],
        ],
        [[4, 5], [5]], // bias over rows
        [
          [4, 5],
          [4, 1],
        ], // a column
        [[4, 5], []], // a scalar
        [[], [3, 2]],
        [
          [2, 3, 6, 6],
          [2, 1, 6, 6],
        ], // attention scores + mask
        [
          [2, 3, 6, 4],
          [1, 1, 6, 4],
        ], // rotary tables
        [
          [1, 6, 1],
          [3, 1, 5],
        ], // both sides broadcast
        [[0, 5], [5]],
      ];
      const ops = [tf.add, tf.sub, tf.mul, tf.div, tf.squaredDifference, tf.maximum, tf.minimum];
      for (const [aShape, bShape] of pairs) {
        for (const op of ops) {
          await expectSameAsStock(() => op(seeded(aShape, 1), seeded(bShape, 2)));
        }
      }
    });

    it('comparisons broadcast into bool tensors as tfjs does', async () => {
      const ops = [tf.greater, tf.greaterEqual, tf.less, tf.lessEqual, tf.equal, tf.notEqual];
      const rounded = (shape: number[], seed: number): tf.Tensor => tf.round(seeded(shape, seed, 2));
      for (const [aShape, bShape] of [
        [
          [4, 5],
          [4, 5],
        ],
        [[4, 5], []],
        [
          [2, 3, 4],
          [3, 1],
        ],
      ] as [number[], number[]][]) {
        for (const op of ops) await expectSameAsStock(() => op(rounded(aShape, 1), rounded(bShape, 2)));
      }
      for (const op of ops) {
        await expectSameAsStock(() => op(tf.tensor1d([NaN, 1, NaN, -0]), tf.tensor1d([1, NaN, NaN, 0])));
      }
    });

    it('binary ops keep NaN and infinities as tfjs does', async () => {
      const a = (): tf.Tensor => tf.tensor1d([NaN, 1, -Infinity, 0, 2]);
      const b = (): tf.Tensor => tf.tensor1d([1, NaN, Infinity, 0, -0]);
      for (const op of [tf.add, tf.sub, tf.mul, tf.div, tf.maximum, tf.minimum]) {
        await expectSameAsStock(() => op(a(), b()));
      }
    });

    it('unary ops: exact where tfjs is exact, within a few ulps for transcendental functions', async () => {
      const x = (): tf.Tensor =>
        tf.concat(
          [seeded([3, 200], 3, 6), tf.tensor2d([[0, -0, NaN, Infinity, -Infinity]]).tile([3, 40])],
          1,
        );
      for (const op of [tf.neg, tf.square, tf.sqrt, tf.relu, tf.reciprocal, tf.rsqrt]) {
        await expectSameAsStock(() => op(x()));
      }
      for (const op of [tf.erf, tf.exp, tf.tanh, tf.sigmoid, tf.log]) {
        await expectSameAsStock(() => op(x()), transcendentalTolerance);
      }
    });

    it('slice, transpose, concat, split and pad move the same elements', async () => {
      const x = (): tf.Tensor4D => seeded([2, 3, 5, 8], 4) as tf.Tensor4D;
      await expectSameAsStock(() => tf.slice(x(), [0, 1, 2, 3], [-1, 2, 2, 4]));
      await expectSameAsStock(() => tf.slice(x(), [1, 0, 0, 0], [1, -1, -1, -1])); // contiguous
      await expectSameAsStock(() => tf.slice(x(), [0, 0, 0, 7], [2, 3, 5, 1]));
      await expectSameAsStock(() => tf.slice(seeded([7], 5), 2, 3));
      await expectSameAsStock(() => tf.slice(x(), [0, 0, 0, 0], [2, 3, 0, 8])); // empty
      await expectSameAsStock(() => tf.transpose(x(), [0, 2, 1, 3]));
      await expectSameAsStock(() => tf.transpose(x(), [3, 1, 0, 2]));
      await expectSameAsStock(() => tf.transpose(seeded([33, 17], 6)));
      await expectSameAsStock(() => tf.concat([x(), x().mul(2), tf.zeros([2, 3, 5, 0])], 3));
      await expectSameAsStock(() => tf.concat([seeded([2, 3], 7), seeded([4, 3], 8)], 0));
      await expectSameAsStock(() => tf.concat([seeded([2, 3, 4], 7), seeded([2, 1, 4], 8)], 1));
      await expectSameAsStock(() => tf.split(x(), [1, 4, 3], 3));
      await expectSameAsStock(() => tf.split(x(), 3, 1));
      await expectSameAsStock(() =>
        tf.pad(x(), [
          [0, 1],
          [2, 0],
          [1, 1],
          [0, 3],
        ]),
      );
      await expectSameAsStock(() =>
        tf.pad(
          seeded([3, 4], 9),
          [
            [1, 2],
            [0, 1],
          ],
          1.5,
        ),
      );
    });

    it('gather picks rows, columns and batched rows as tfjs does, and names a bad index', async () => {
      const ids = (): tf.Tensor =>
        tf.tensor2d(
          [
            [3, 0, 3],
            [1, 2, 4],
          ],
          [2, 3],
          'int32',
        );
      await expectSameAsStock(() => tf.gather(seeded([5, 4], 1), ids()));
      await expectSameAsStock(() => tf.gather(seeded([4, 5], 2), ids(), 1));
      await expectSameAsStock(() => tf.gather(seeded([2, 5, 3], 3), ids(), 1, 1));
      await expectSameAsStock(() => tf.gather(seeded([5], 4), tf.tensor1d([4, 4, 0], 'int32')));
      installNativeKernels();
      const table = seeded([5, 4], 5);
      const bad = tf.tensor1d([1, 5], 'int32');
      expect(() => tf.gather(table, bad)).toThrow('GatherV2: the index value 5 is not in [0, 4]');
      tf.dispose([table, bad]);
    });

    it('softmax over the last axis, including masked rows', async () => {
      await expectSameAsStock(() => tf.softmax(seeded([2, 3, 6, 6], 10, 8)), transcendentalTolerance);
      await expectSameAsStock(
        () => tf.softmax(tf.add(seeded([4, 7], 11), tf.tensor1d([0, 0, -1e9, 0, -1e9, -1e9, 0]))),
        transcendentalTolerance,
      );
      await expectSameAsStock(() => tf.softmax(seeded([5], 12)), transcendentalTolerance);
    });

    it('sum, mean, max, min over inner, outer and all axes, with and without keepDims', async () => {
      const x = (): tf.Tensor => seeded([3, 4, 5], 13, 3);
      const axesList: (number | number[] | undefined)[] = [-1, 2, [1, 2], 0, [0, 1], [0, 2], 1, undefined];
      for (const axis of axesList) {
        for (const keepDims of [false, true]) {
          await expectSameAsStock(() => tf.sum(x(), axis, keepDims));
          await expectSameAsStock(() => tf.mean(x(), axis, keepDims));
          await expectSameAsStock(() => tf.max(x(), axis, keepDims));
          await expectSameAsStock(() => tf.min(x(), axis, keepDims));
        }
      }
      await expectSameAsStock(() => tf.moments(seeded([6, 16], 14), -1, true).variance);
      // Integer and bool sums (int32 out), and float32 casts of bool masks (held as bytes by tfjs).
      const mask = (): tf.Tensor => tf.greater(seeded([5, 4, 3], 15), 0);
      for (const axis of [0, [0, 1], 2, [1, 2], undefined, [0, 2]]) {
        await expectSameAsStock(() => tf.sum(mask(), axis));
        await expectSameAsStock(() => tf.sum(tf.cast(mask(), 'int32'), axis, true));
        await expectSameAsStock(() => tf.sum(tf.cast(mask(), 'float32'), axis));
      }
      await expectSameAsStock(() => tf.sum(tf.tensor1d([2 ** 30, 2 ** 30, 5], 'int32')));
      await expectSameAsStock(() => tf.add(tf.cast(mask(), 'float32'), seeded([3], 16)));
      await expectSameAsStock(() => tf.max(tf.tensor1d([1, NaN, 3])));
      await expectSameAsStock(() =>
        tf.max(
          tf.tensor2d([
            [1, 2],
            [NaN, 0],
            [3, 1],
          ]),
          0,
        ),
      );
      await expectSameAsStock(() =>
        tf.min(
          tf.tensor2d([
            [1, 2],
            [NaN, 0],
            [3, 1],
          ]),
          0,
        ),
      );
    });

    it('gradients through slices, concats, softmax and broadcasts match the stock ones', async () => {
      await expectSameAsStock(() => {
        const x = seeded([2, 3, 4, 8], 15);
        const bias = seeded([8], 16);
        return tf.grads((a: tf.Tensor, b: tf.Tensor) => {
          const left = tf.slice(a, [0, 0, 0, 0], [-1, -1, -1, 4]);
          const right = tf.slice(a, [0, 0, 0, 4], [-1, -1, -1, 4]);
          const joined = tf.concat([tf.neg(right), left], 3);
          return tf.sum(tf.mul(tf.softmax(tf.add(joined, b)), tf.erf(a)));
        })([x, bias]);
      }, transcendentalTolerance);
    });
  },
);
