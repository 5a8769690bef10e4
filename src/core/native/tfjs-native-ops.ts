import * as tf from '@tensorflow/tfjs';

// Native versions of the tfjs cpu kernels besides matmul that the LM forward and backward spend their
// time in (profiled on a Pythia-160M-shaped forward: strided Slice 50%, broadcasting Add/Sub/Mul/Div
// 27%, Softmax 8%, Transpose 4%, Erf 2% of the time once matmul is native). The stock kernels index
// every element through generic N-d loops; these pass shapes and strides to native/src/lm_kernels.cc.
// This file: the shared types and helpers, elementwise ops, softmax and reductions; the copies (slice,
// transpose, concat, split, pad, gather) are in tfjs-native-copy-ops.ts. Each body returns null for
// what it does not handle (other dtypes, non-cpu data), and the caller then runs the stock kernel.

/** The addon's LM kernels (native/src/lm_kernels.cc); strides in elements, 0 broadcasts. */
export interface LmKernelAddon {
  lmCopy(
    src: Float32Array,
    srcOffset: number,
    srcStrides: number[],
    dst: Float32Array,
    dstOffset: number,
    dstStrides: number[],
    shape: number[],
  ): void;
  lmBinary(
    op: number,
    a: Float32Array,
    aStrides: number[],
    b: Float32Array,
    bStrides: number[],
    out: Float32Array,
    shape: number[],
  ): void;
  lmUnary(op: number, x: Float32Array, out: Float32Array): void;
  lmSoftmax(x: Float32Array, out: Float32Array, cols: number): void;
  lmReduce(op: number, x: Float32Array, out: Float32Array, cols: number): void;
  lmReduceOuter(op: number, x: Float32Array, out: Float32Array, rows: number, cols: number): void;
  lmCompare(
    op: number,
    a: Float32Array,
    aStrides: number[],
    b: Float32Array,
    bStrides: number[],
    out: Uint8Array,
    shape: number[],
  ): void;
}

/** What the kernels use of tfjs-backend-cpu's MathBackendCPU. */
export interface CpuBackend {
  data: { get(dataId: tf.DataId): { values?: unknown } };
  makeTensorInfo(
    shape: number[],
    dtype: tf.DataType,
    values: Float32Array | Int32Array | Uint8Array,
  ): tf.TensorInfo;
}
type KernelArgs = Parameters<tf.KernelFunc>[0];
/** A native kernel body: the output, or null to run the stock kernel. */
export type NativeKernelBody = (
  args: KernelArgs,
  backend: CpuBackend,
) => tf.TensorInfo | tf.TensorInfo[] | null;

/**
 * The values of a float32 tensor as a Float32Array, or null for other dtypes. The cpu backend's cast of
 * a bool or int32 tensor to float32 keeps the source's Uint8Array or Int32Array: those are converted
 * (a copy; the stock kernels would index them element by element instead).
 */
export function float32Values(backend: CpuBackend, t: tf.TensorInfo): Float32Array | null {
  if (t.dtype !== 'float32') return null;
  const values = backend.data.get(t.dataId).values;
  if (values instanceof Float32Array) return values;
  if (values instanceof Uint8Array || values instanceof Int32Array) return Float32Array.from(values);
  return null;
}

/** Row-major strides of a shape, one per dimension. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = step;
    step *= shape[d]!;
  }
  return strides;
}

/** Strides that read `shape` broadcast to `outShape` (aligned right; size-1 and missing dims step 0). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, d) => {
    const i = d - offset;
    return i < 0 || shape[i] === 1 ? 0 : own[i]!;
  });
}

const binaryOps = {
  Add: 0,
  Sub: 1,
  Multiply: 2,
  RealDiv: 3,
  SquaredDifference: 4,
  Maximum: 5,
  Minimum: 6,
} as const;

function binary(addon: LmKernelAddon, op: number): NativeKernelBody {
  return (args, backend) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const aValues = float32Values(backend, a);
    const bValues = float32Values(backend, b);
    if (aValues === null || bValues === null) return null;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    const aStrides = broadcastStrides(a.shape, outShape);
    const bStrides = broadcastStrides(b.shape, outShape);
    addon.lmBinary(op, aValues, aStrides, bValues, bStrides, out, outShape);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

const compareOps = { Greater: 0, GreaterEqual: 1, Less: 2, LessEqual: 3, Equal: 4, NotEqual: 5 } as const;

/** Comparisons of float32 tensors into tfjs's bool (a Uint8Array of 0/1). */
function compare(addon: LmKernelAddon, op: number): NativeKernelBody {
  return (args, backend) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const aValues = float32Values(backend, a);
    const bValues = float32Values(backend, b);
    if (aValues === null || bValues === null) return null;
    const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const out = new Uint8Array(tf.util.sizeFromShape(outShape));
    const aStrides = broadcastStrides(a.shape, outShape);
    addon.lmCompare(op, aValues, aStrides, bValues, broadcastStrides(b.shape, outShape), out, outShape);
    return backend.makeTensorInfo(outShape, 'bool', out);
  };
}

const unaryOps = {
  Erf: 0,
  Exp: 1,
  Tanh: 2,
  Sigmoid: 3,
  Sqrt: 4,
  Neg: 5,
  Square: 6,
  Log: 7,
  Rsqrt: 8,
  Relu: 10,
  Reciprocal: 11,
} as const;

function unary(addon: LmKernelAddon, op: number): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const values = float32Values(backend, x);
    if (values === null) return null;
    const out = new Float32Array(values.length);
    addon.lmUnary(op, values, out);
    return backend.makeTensorInfo([...x.shape], 'float32', out);
  };
}

function softmax(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const { logits } = args.inputs as { logits: tf.TensorInfo };
    const values = float32Values(backend, logits);
    const { dim } = args.attrs as { dim: number };
    const rank = logits.shape.length;
    if (values === null || rank === 0 || (dim !== -1 && dim !== rank - 1) || values.length === 0) return null;
    const out = new Float32Array(values.length);
    addon.lmSoftmax(values, out, logits.shape[rank - 1]!);
    return backend.makeTensorInfo([...logits.shape], 'float32', out);
  };
}

const reduceOps = { Sum: 0, Mean: 1, Max: 2, Min: 3 } as const;

/**
 * Sum of an int32 or bool tensor (int32 out, as tfjs: each sum accumulates in a double and is stored
 * into an Int32Array) over leading or trailing axes, in plain JavaScript; other axes return null. The
 * stock kernel transposes element by element first (32 ms for a [4096,256] mask summed over rows).
 */
function integerSum(
  values: Int32Array | Uint8Array,
  shape: readonly number[],
  axes: readonly number[],
): Int32Array | null {
  const sorted = [...axes].sort((p, q) => p - q);
  const rank = shape.length;
  const isLeading = sorted.every((axis, i) => axis === i);
  const isTrailing = sorted.every((axis, i) => axis === rank - sorted.length + i);
  if (!isLeading && !isTrailing) return null;
  const reduced = sorted.reduce((n, axis) => n * shape[axis]!, 1);
  const kept = values.length / reduced;
  const out = new Int32Array(kept);
  if (isTrailing) {
    for (let r = 0; r < kept; r++) {
      let sum = 0;
      for (let j = r * reduced; j < (r + 1) * reduced; j++) sum += values[j]!;
      out[r] = sum;
    }
    return out;
  }
  const sums = new Float64Array(kept);
  for (let r = 0; r < reduced; r++) {
    for (let j = 0; j < kept; j++) sums[j] = sums[j]! + values[r * kept + j]!;
  }
  out.set(sums);
  return out;
}

/**
 * Sum, Mean, Max, Min over any axes: axes that are not innermost are moved there first (one native
 * strided copy), then each row of the reduced size gives one value.
 */
function reduce(addon: LmKernelAddon, op: number, axisAttr: 'axis' | 'reductionIndices'): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const attrs = args.attrs as Record<string, unknown>;
    // null or undefined: every axis, as tfjs.
    const axis = (attrs[axisAttr] ?? null) as number | number[] | null;
    const origAxes = tf.util.parseAxisParam(axis as number[], x.shape);
    const outShape = x.shape.filter((_, d) => !origAxes.includes(d));
    const shown =
      attrs.keepDims === true ? tf.backend_util.expandShapeToKeepDim(outShape, origAxes) : outShape;
    const raw = backend.data.get(x.dataId).values;
    // int32 tensors cast from bool keep the bool's Uint8Array on the cpu backend.
    const isInteger =
      (x.dtype === 'int32' || x.dtype === 'bool') && (raw instanceof Int32Array || raw instanceof Uint8Array);
    if (op === reduceOps.Sum && isInteger && raw.length > 0) {
      const sums = integerSum(raw, x.shape, origAxes);
      return sums === null ? null : backend.makeTensorInfo(shown, 'int32', sums);
    }
    const values = float32Values(backend, x);
    if (values === null || values.length === 0) return null;
    const rank = x.shape.length;
    const sorted = [...origAxes].sort((p, q) => p - q);
    const size = tf.util.sizeFromShape(outShape);
    const out = new Float32Array(size);
    if (sorted.length > 0 && sorted.every((axis, i) => axis === i) && sorted.length < rank) {
      // Leading axes: reduce over rows of [reduced, kept] in place of tfjs's transpose.
      addon.lmReduceOuter(op, values, out, values.length / size, size);
      return backend.makeTensorInfo(shown, 'float32', out);
    }
    let input = values;
    const permutation = tf.backend_util.getAxesPermutation(origAxes, rank);
    if (permutation !== null) {
      const strides = contiguousStrides(x.shape);
      const permuted = permutation.map((p) => x.shape[p]!);
      input = new Float32Array(values.length);
      addon.lmCopy(
        values,
        0,
        permutation.map((p) => strides[p]!),
        input,
        0,
        contiguousStrides(permuted),
        permuted,
      );
    }
    addon.lmReduce(op, input, out, values.length / size);
    return backend.makeTensorInfo(shown, 'float32', out);
  };
}

/** The native elementwise, softmax and reduction kernel bodies by tfjs kernel name. */
export function elementwiseKernelBodies(addon: LmKernelAddon): Record<string, NativeKernelBody> {
  const bodies: Record<string, NativeKernelBody> = { Softmax: softmax(addon) };
  for (const [name, op] of Object.entries(binaryOps)) bodies[name] = binary(addon, op);
  for (const [name, op] of Object.entries(unaryOps)) bodies[name] = unary(addon, op);
  for (const [name, op] of Object.entries(compareOps)) bodies[name] = compare(addon, op);
  for (const [name, op] of Object.entries(reduceOps)) {
    bodies[name] = reduce(addon, op, name === 'Max' ? 'reductionIndices' : 'axis');
  }
  return bodies;
}

/** Whether the loaded addon has the LM kernels (an addon built before they existed has only sgemm). */
export function asLmKernelAddon(addon: object): LmKernelAddon | null {
  const candidate = addon as Partial<LmKernelAddon>;
  return typeof candidate.lmCopy === 'function' &&
    typeof candidate.lmBinary === 'function' &&
    typeof candidate.lmUnary === 'function' &&
    typeof candidate.lmSoftmax === 'function' &&
    typeof candidate.lmReduce === 'function' &&
    typeof candidate.lmReduceOuter === 'function' &&
    typeof candidate.lmCompare === 'function'
    ? (candidate as LmKernelAddon)
    : null;
}
