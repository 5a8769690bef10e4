import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../hf/host-tensor';
import type { EmbeddingTable, NamedWeight } from './language-model';

// Building a model from Hugging Face-named host tensors, one group of weights at a time (embedding,
// each block, head), so that host copies of only one group exist at once: peak ≈ the model + one block.

/** Reads the named tensors (from safetensors, or a map in memory). */
export type WeightGroupLoader = (names: readonly string[]) => Promise<ReadonlyMap<string, HostTensor>>;

/** Yields the names of each group it needs, receives them, and returns the model. */
export type ModelBuilder<M> = Generator<string[], M, ReadonlyMap<string, HostTensor>>;

/** Runs a builder on weights that are all in memory. */
export function buildFromHostTensors<M>(
  builder: ModelBuilder<M>,
  weights: ReadonlyMap<string, HostTensor>,
): M {
  let step = builder.next();
  while (!step.done) step = builder.next(weights);
  return step.value;
}

/** Runs a builder group by group; a failed read lets the builder dispose what it made, then rethrows. */
export async function buildByGroups<M>(builder: ModelBuilder<M>, load: WeightGroupLoader): Promise<M> {
  let step = builder.next();
  while (!step.done) {
    let group: ReadonlyMap<string, HostTensor>;
    try {
      group = await load(step.value);
    } catch (error) {
      builder.throw(error); // the builder disposes what it made and rethrows
      throw error;
    }
    step = builder.next(group);
  }
  return step.value;
}

/**
 * tfjs-wasm holds at most 4 GiB, and XNNPACK packs a second copy of every weight matrix it multiplies.
 * Past this size its matmuls fail with "XNN status 6" and return garbage instead of throwing, so such
 * models are refused up front (measured: Pythia-160M runs forward, Pythia-1B does not).
 */
export const wasmWeightBudgetBytes = 1.5 * 2 ** 30;

export function assertFitsBackend(parameterCount: number): void {
  const bytes = parameterCount * 4;
  if (tf.getBackend() === 'wasm' && bytes > wasmWeightBudgetBytes) {
    throw new Error(
      `the model has ${(bytes / 2 ** 30).toFixed(2)} GiB of float32 weights, more than the wasm backend can run ` +
        `(${(wasmWeightBudgetBytes / 2 ** 30).toFixed(1)} GiB: a 4 GiB heap holding the weights twice); ` +
        'use the native backend (npm run build:native), the tensorflow backend (@tensorflow/tfjs-node) or the cpu backend',
    );
  }
}

/**
 * Turns the current group's host tensors into the model's tfjs weights, checking names and shapes,
 * and remembers every weight it made (with its Hugging Face name) so the model can own, list and save
 * them, and a failed build can dispose them.
 */
export class WeightCollector {
  /** The group the builder received last. */
  group: ReadonlyMap<string, HostTensor> = new Map();
  readonly named: NamedWeight[] = [];

  constructor(private readonly isTrainable: boolean) {}

  /** A vector [n], as stored. */
  vector(name: string, n: number): tf.Tensor1D {
    return this.own(tf.tensor1d(this.read(name, [n])), name, false);
  }

  /** A matrix as stored [rows, cols]. */
  matrix(name: string, rows: number, cols: number): tf.Tensor2D {
    return this.own(tf.tensor2d(this.read(name, [rows, cols]), [rows, cols]), name, false);
  }

  /**
   * A Linear weight stored [out, in], held as [in, out] so every hot matmul is the plain form.
   * Transposed on the host: no second tfjs copy, and ~5× faster than tfjs-cpu's transpose kernel.
   */
  linear(name: string, out: number, inn: number): tf.Tensor2D {
    return this.own(
      tf.tensor2d(transposeHost(this.read(name, [out, inn]), out, inn), [inn, out]),
      name,
      true,
    );
  }

  /**
   * The embedding and the unembedding [D,V]. Tied: one tensor, the embedding held as [D,V] and looked
   * up by columns (half the memory of two copies, and training keeps them one parameter).
   */
  embeddings(
    embedName: string,
    unembedName: string | null,
    v: number,
    d: number,
  ): { embedding: EmbeddingTable; unembed_DV: tf.Tensor2D } {
    if (unembedName === null) {
      const table_DV = this.linear(embedName, v, d);
      return { embedding: { kind: 'columns', table_DV }, unembed_DV: table_DV };
    }
    const table_VD = this.matrix(embedName, v, d);
    return { embedding: { kind: 'rows', table_VD }, unembed_DV: this.linear(unembedName, v, d) };
  }

  dispose(): void {
    tf.dispose(this.named.map((w) => w.tensor));
  }

  private own<T extends tf.Tensor>(t: T, name: string, isLinear: boolean): T {
    const owned = this.isTrainable ? (tf.variable(t, true) as unknown as T) : t;
    if (owned !== t) t.dispose();
    this.named.push({ name, tensor: owned, isLinear });
    return owned;
  }

  private read(name: string, shape: number[]): Float32Array {
    const t = this.group.get(name);
    if (!t) throw new Error(`missing weight ${name}`);
    if (t.shape.join(',') !== shape.join(',')) {
      throw new Error(`weight ${name} has shape [${t.shape.join(',')}], expected [${shape.join(',')}]`);
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`weight ${name} is not floating point`);
    return t.data;
  }
}

/** a [rows, cols] row-major → [cols, rows], in 32×32 tiles (cache-friendly on both sides). */
export function transposeHost(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  const tile = 32;
  for (let i0 = 0; i0 < rows; i0 += tile) {
    const i1 = Math.min(i0 + tile, rows);
    for (let j0 = 0; j0 < cols; j0 += tile) {
      const j1 = Math.min(j0 + tile, cols);
      for (let i = i0; i < i1; i++) {
        let from = i * cols + j0;
        let to = j0 * rows + i;
        for (let j = j0; j < j1; j++) {
          out[to] = a[from++]!;
          to += rows;
        }
      }
    }
  }
  return out;
}
