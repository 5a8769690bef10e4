import * as tf from '@tensorflow/tfjs';
import {
  contiguousStrides,
  float32Values,
  type LmKernelAddon,
  type NativeKernelBody,
} from './tfjs-native-ops';

// Native copies for tfjs's cpu backend: slice, transpose, concat, split and pad are one strided copy each
// (lmCopy in native/src/lm_kernels.cc); gather copies whole rows. The stock kernels move one element at
// a time through generic N-d index arithmetic (a strided slice of [1,12,128,64]: ~18 ms there). Each
// body returns null for what it does not handle, and the caller then runs the stock kernel.

function slice(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const values = float32Values(backend, x);
    if (values === null) return null;
    const attrs = args.attrs as { begin: number | number[]; size?: number | number[] };
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin, attrs.size) as [number[], number[]];
    tf.slice_util.assertParamsValid(x, begin, size);
    const strides = contiguousStrides(x.shape);
    const offset = begin.reduce((sum, b, d) => sum + b * strides[d]!, 0);
    const out = new Float32Array(tf.util.sizeFromShape(size));
    addon.lmCopy(values, offset, strides, out, 0, contiguousStrides(size), size);
    return backend.makeTensorInfo(size, 'float32', out);
  };
}

function transpose(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const values = float32Values(backend, x);
    if (values === null) return null;
    const { perm } = args.attrs as { perm: number[] };
    const strides = contiguousStrides(x.shape);
    const outShape = perm.map((p) => x.shape[p]!);
    const out = new Float32Array(values.length);
    addon.lmCopy(
      values,
      0,
      perm.map((p) => strides[p]!),
      out,
      0,
      contiguousStrides(outShape),
      outShape,
    );
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

function concat(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const inputs = args.inputs as unknown as tf.TensorInfo[];
    const { axis } = args.attrs as { axis: number | number[] };
    if (inputs.length === 0) return null;
    const sources = inputs.map((t) => float32Values(backend, t));
    if (sources.some((v) => v === null)) return null;
    const $axis = tf.util.parseAxisParam(axis, inputs[0]!.shape)[0]!;
    const shapes = inputs.map((t) => t.shape);
    tf.backend_util.assertParamsConsistent(shapes, $axis);
    const outShape = tf.backend_util.computeOutShape(shapes, $axis);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    const outStrides = contiguousStrides(outShape);
    let along = 0;
    inputs.forEach((t, i) => {
      if (tf.util.sizeFromShape(t.shape) > 0) {
        const src = sources[i]!;
        addon.lmCopy(
          src,
          0,
          contiguousStrides(t.shape),
          out,
          along * outStrides[$axis]!,
          outStrides,
          t.shape,
        );
      }
      along += t.shape[$axis]!;
    });
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/** SplitV: one strided copy per piece along the axis (the gradient of concat). */
function splitV(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const values = float32Values(backend, x);
    if (values === null) return null;
    const { numOrSizeSplits, axis } = args.attrs as { numOrSizeSplits: number | number[]; axis: number };
    const $axis = tf.util.parseAxisParam(axis, x.shape)[0]!;
    const sizes = tf.backend_util.prepareSplitSize(x, numOrSizeSplits, $axis);
    const strides = contiguousStrides(x.shape);
    let begin = 0;
    return sizes.map((size) => {
      const shape = [...x.shape];
      shape[$axis] = size;
      const out = new Float32Array(tf.util.sizeFromShape(shape));
      addon.lmCopy(values, begin * strides[$axis]!, strides, out, 0, contiguousStrides(shape), shape);
      begin += size;
      return backend.makeTensorInfo(shape, 'float32', out);
    });
  };
}

/** PadV2: the constant, then one strided copy of x into the interior (the gradient of slice). */
function padV2(addon: LmKernelAddon): NativeKernelBody {
  return (args, backend) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const values = float32Values(backend, x);
    if (values === null) return null;
    const { paddings, constantValue } = args.attrs as { paddings: [number, number][]; constantValue: number };
    const outShape = paddings.map(([before, after], d) => before + x.shape[d]! + after);
    const outStrides = contiguousStrides(outShape);
    const out = new Float32Array(tf.util.sizeFromShape(outShape));
    if (constantValue !== 0) out.fill(constantValue);
    const offset = paddings.reduce((sum, [before], d) => sum + before * outStrides[d]!, 0);
    addon.lmCopy(values, 0, contiguousStrides(x.shape), out, offset, outStrides, [...x.shape]);
    return backend.makeTensorInfo(outShape, 'float32', out);
  };
}

/**
 * GatherV2 of float32 rows (the embedding lookup): block copies of `sliceSize` floats in place of the
 * stock kernel's element-by-element buffer indexing. Plain JavaScript: the blocks are contiguous.
 */
const gatherV2: NativeKernelBody = (args, backend) => {
  const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
  const values = float32Values(backend, x);
  const ids = backend.data.get(indices.dataId).values;
  if (values === null || !(ids instanceof Int32Array)) return null;
  const { axis, batchDims } = args.attrs as { axis: number; batchDims?: number };
  const parsedAxis = tf.util.parseAxisParam(axis, x.shape)[0]!;
  const axisDim = x.shape[parsedAxis]!;
  for (const index of ids) {
    tf.util.assert(
      index <= axisDim - 1 && index >= 0,
      () => `GatherV2: the index value ${index} is not in [0, ${axisDim - 1}]`,
    );
  }
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.Tensor,
    indices as tf.Tensor,
    parsedAxis,
    batchDims ?? 0,
  );
  const { batchSize, outerSize, dimSize, sliceSize } = info;
  const perBatch = ids.length / batchSize;
  const out = new Float32Array(batchSize * outerSize * perBatch * sliceSize);
  for (let b = 0; b < batchSize; b++) {
    for (let o = 0; o < outerSize; o++) {
      for (let i = 0; i < perBatch; i++) {
        const from = ((b * outerSize + o) * dimSize + ids[b * perBatch + i]!) * sliceSize;
        const to = ((b * outerSize + o) * perBatch + i) * sliceSize;
        if (sliceSize === 1) out[to] = values[from]!;
        else out.set(values.subarray(from, from + sliceSize), to);
      }
    }
  }
  return backend.makeTensorInfo(info.outputShape, 'float32', out);
};

/** The native copy kernel bodies by tfjs kernel name. */
export function copyKernelBodies(addon: LmKernelAddon): Record<string, NativeKernelBody> {
  return {
    Slice: slice(addon),
    Transpose: transpose(addon),
    Concat: concat(addon),
    SplitV: splitV(addon),
    PadV2: padV2(addon),
    GatherV2: gatherV2,
  };
}
