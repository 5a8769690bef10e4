/** A tensor in host memory, outside tfjs: what file readers return and writers take. Row-major. */
export interface HostTensor {
  shape: number[];
  /** float32 for every floating dtype on disk (fp16 and bf16 are upcast on read); int32 for integer tensors. */
  data: Float32Array | Int32Array;
  /** The dtype as stored in the file (`F32`, `F16`, `BF16`, `I64`, …). */
  storedDtype: string;
}

export const elementCount = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
