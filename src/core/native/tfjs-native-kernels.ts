import * as tf from '@tensorflow/tfjs';
import { nativeAddon, type NativeAddon } from './native-addon';
import { copyKernelBodies } from './tfjs-native-copy-ops';
import {
  asLmKernelAddon,
  elementwiseKernelBodies,
  float32Values,
  type CpuBackend,
  type NativeKernelBody,
} from './tfjs-native-ops';

// The `native` backend choice: tfjs's cpu backend with its hot kernels replaced. Matmuls (BatchMatMul,
// _FusedMatMul) run OpenBLAS sgemm from the native addon: the stock cpu matmul is a JavaScript triple
// loop (~1 GFLOP/s), sgemm reaches the machine's BLAS peak, and the weights live in ordinary memory, not
// wasm's 4 GiB heap. The elementwise, copy, softmax, reduction and gather kernels that dominate once
// matmul is fast are in tfjs-native-ops.ts and tfjs-native-copy-ops.ts. Every kernel reads its inputs
// through the cpu backend's data map and writes one fresh typed array; anything it does not handle
// (other dtypes, prelu, odd bias shapes) goes to the original kernel, which `uninstallNativeKernels`
// puts back.
// Legend: m, n, k as in sgemm (op(A) [m,k], op(B) [k,n], C [m,n]); batch = the leading dims.

const backendName = 'cpu';

/** The stock configs of the kernels replaced while the native ones are installed (null: not installed). */
let originals: Map<string, tf.KernelConfig> | null = null;

interface MatMulInputs {
  a: tf.TensorInfo;
  b: tf.TensorInfo;
  transposeA: boolean;
  transposeB: boolean;
}

/**
 * op(A)·op(B) over broadcast batch dims, as tfjs-backend-cpu's batchMatMul: the batches of A and B are
 * flattened, and output batch i uses A's batch i mod batchA and B's i mod batchB. Returns the output's
 * shape and values, or null where the inputs are not float32 held by the cpu backend.
 */
function nativeMatMul(
  addon: NativeAddon,
  backend: CpuBackend,
  { a, b, transposeA, transposeB }: MatMulInputs,
): { shape: number[]; values: Float32Array } | null {
  const aValues = float32Values(backend, a);
  const bValues = float32Values(backend, b);
  if (aValues === null || bValues === null) return null;
  const aRank = a.shape.length;
  const bRank = b.shape.length;
  const k = transposeA ? a.shape[aRank - 2]! : a.shape[aRank - 1]!;
  const kB = transposeB ? b.shape[bRank - 1]! : b.shape[bRank - 2]!;
  const m = transposeA ? a.shape[aRank - 1]! : a.shape[aRank - 2]!;
  const n = transposeB ? b.shape[bRank - 2]! : b.shape[bRank - 1]!;
  const outerA = a.shape.slice(0, -2);
  const outerB = b.shape.slice(0, -2);
  const outShape = [...tf.broadcast_util.assertAndGetBroadcastShape(outerA, outerB), m, n];
  if (k !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${k}) and (${kB}) of Tensors with shapes ${a.shape} and ` +
        `${b.shape} and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const batchA = tf.util.sizeFromShape(outerA);
  const batchB = tf.util.sizeFromShape(outerB);
  const batch = Math.max(batchA, batchB);
  const out = new Float32Array(batch * m * n);
  if (out.length === 0) return { shape: outShape, values: out };
  if (k === 0) return { shape: outShape, values: out }; // an empty sum
  if (batchB === 1 && !transposeA) {
    // A's batches are consecutive [m,k] rows: one sgemm of [batch·m, k] · op(B).
    addon.sgemm(false, transposeB, batchA * m, n, k, 1, aValues, bValues, 0, out);
  } else if (batchA === batch && batchB === batch) {
    addon.sgemmBatched(transposeA, transposeB, batch, m, n, k, aValues, m * k, bValues, k * n, out);
  } else if (batchA === 1 || batchB === 1) {
    const strideA = batchA === 1 ? 0 : m * k;
    const strideB = batchB === 1 ? 0 : k * n;
    addon.sgemmBatched(transposeA, transposeB, batch, m, n, k, aValues, strideA, bValues, strideB, out);
  } else {
    // Unequal batch sizes that are not 1: tfjs pairs them by index modulo each size.
    for (let i = 0; i < batch; i++) {
      const aMatrix = aValues.subarray((i % batchA) * m * k, ((i % batchA) + 1) * m * k);
      const bMatrix = bValues.subarray((i % batchB) * k * n, ((i % batchB) + 1) * k * n);
      addon.sgemm(transposeA, transposeB, m, n, k, 1, aMatrix, bMatrix, 0, out.subarray(i * m * n));
    }
  }
  return { shape: outShape, values: out };
}

function batchMatMul(addon: NativeAddon): NativeKernelBody {
  return (args, backend) => {
    const { a, b } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo };
    const attrs = args.attrs as { transposeA?: boolean; transposeB?: boolean };
    const result = nativeMatMul(addon, backend, {
      a,
      b,
      transposeA: attrs.transposeA ?? false,
      transposeB: attrs.transposeB ?? false,
    });
    return result === null ? null : backend.makeTensorInfo(result.shape, 'float32', result.values);
  };
}

/** Elementwise activations of tf.fused.matMul applied in place; prelu goes to the stock kernel. */
const activations: Record<string, ((x: number, alpha: number) => number) | undefined> = {
  linear: (x) => x,
  relu: (x) => Math.max(0, x),
  relu6: (x) => Math.min(Math.max(0, x), 6),
  elu: (x) => (x >= 0 ? x : Math.exp(x) - 1),
  leakyrelu: (x, alpha) => (x < 0 ? alpha * x : x),
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
};

/**
 * _FusedMatMul = matmul, + bias, activation. The bias is handled natively when it broadcasts along the
 * last axis (size n or 1, of rank ≤ 2 with a leading 1), which is what tf.fused.matMul and dense layers
 * pass; other bias shapes and prelu run the stock kernel.
 */
function fusedMatMul(addon: NativeAddon): NativeKernelBody {
  return (args, backend) => {
    const { a, b, bias } = args.inputs as { a: tf.TensorInfo; b: tf.TensorInfo; bias?: tf.TensorInfo };
    const attrs = args.attrs as {
      transposeA?: boolean;
      transposeB?: boolean;
      activation?: string;
      leakyreluAlpha?: number;
    };
    const activation = activations[attrs.activation ?? 'linear'];
    const biasValues = bias === undefined ? null : float32Values(backend, bias);
    const isRowBias =
      bias === undefined ||
      (biasValues !== null && bias.shape.length <= 2 && bias.shape.slice(0, -1).every((d) => d === 1));
    if (activation === undefined || !isRowBias) return null;
    const result = nativeMatMul(addon, backend, {
      a,
      b,
      transposeA: attrs.transposeA ?? false,
      transposeB: attrs.transposeB ?? false,
    });
    if (result === null) return null;
    const out = result.values;
    const n = result.shape[result.shape.length - 1]!;
    if (biasValues !== null && biasValues.length !== n && biasValues.length !== 1) {
      return null; // a bias that does not broadcast: the stock kernel throws
    }
    const alpha = attrs.leakyreluAlpha ?? 0.2;
    const isLinear = attrs.activation === undefined || attrs.activation === 'linear';
    if (biasValues !== null || !isLinear) {
      const stride = biasValues?.length === 1 ? 0 : 1;
      for (let row = 0; row < out.length; row += n) {
        for (let j = 0; j < n; j++) {
          const v = out[row + j]! + (biasValues === null ? 0 : biasValues[j * stride]!);
          out[row + j] = activation(v, alpha);
        }
      }
    }
    return backend.makeTensorInfo(result.shape, 'float32', out);
  };
}

/** The native kernel bodies by tfjs kernel name: matmuls always, the rest where the addon has them. */
function nativeBodies(addon: NativeAddon): Map<string, NativeKernelBody> {
  const bodies = new Map<string, NativeKernelBody>([
    ['BatchMatMul', batchMatMul(addon)],
    ['_FusedMatMul', fusedMatMul(addon)],
  ]);
  const lm = asLmKernelAddon(addon);
  if (lm !== null) {
    const rest = { ...copyKernelBodies(lm), ...elementwiseKernelBodies(lm) };
    for (const [name, body] of Object.entries(rest)) bodies.set(name, body);
  }
  return bodies;
}

/** A kernel that runs the native body and falls back to the stock kernel where it returns null. */
function withFallback(body: NativeKernelBody, original: tf.KernelConfig): tf.KernelFunc {
  return (args) => body(args, args.backend as unknown as CpuBackend) ?? original.kernelFunc(args);
}

/** Whether the native kernels are registered on the cpu backend now. */
export function areNativeKernelsInstalled(): boolean {
  return originals !== null;
}

/** The tfjs kernel names that run natively while installed. */
export function nativeKernelNames(): string[] {
  return originals === null ? [] : [...originals.keys()];
}

/**
 * Registers the native kernels on tfjs's cpu backend, keeping the stock ones to restore. Idempotent.
 * Throws (registering nothing) when the addon is unavailable; `nativeAddonStatus()` says why.
 */
export function installNativeKernels(): void {
  if (originals !== null) return;
  const addon = nativeAddon();
  if (addon === null) throw new Error('the native addon is unavailable: see nativeAddonStatus()');
  const bodies = nativeBodies(addon);
  const kept = new Map<string, tf.KernelConfig>();
  for (const name of bodies.keys()) {
    const original = tf.getKernel(name, backendName);
    if (original === undefined) throw new Error(`tfjs has no ${name} kernel for the cpu backend to replace`);
    kept.set(name, original);
  }
  for (const [name, original] of kept) {
    tf.unregisterKernel(name, backendName);
    tf.registerKernel({ ...original, kernelFunc: withFallback(bodies.get(name)!, original) });
  }
  originals = kept;
}

/** Restores tfjs's stock cpu kernels. Idempotent. */
export function uninstallNativeKernels(): void {
  if (originals === null) return;
  for (const [name, original] of originals) {
    tf.unregisterKernel(name, backendName);
    tf.registerKernel(original);
  }
  originals = null;
}
