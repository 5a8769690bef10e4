import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../hf/host-tensor';
import { SeededRandom } from '../random';
import type { CrosscoderConfig } from './config';

// One sparse dictionary shared by M checkpoints, with a decoder per checkpoint (../shared/METHOD.md).
// Legend: B=batch M=checkpoints D=dModel F=features K=M·D.

/** The tensors of a crosscoder as saved in crosscoder.safetensors (names Python users load). */
export const crosscoderTensorNames = ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const;

/** Host weights, row-major: wEnc [M,D,F], wDec [F,M,D], bEnc [F], bDec [M,D]. */
export interface CrosscoderWeightArrays {
  wEnc: Float32Array;
  wDec: Float32Array;
  bEnc: Float32Array;
  bDec: Float32Array;
}

/**
 * Fresh weights, on the host (every engine starts from these): each decoder direction W_dec[i,m,:]
 * drawn from N(0, I) and scaled to norm `decInitNorm`; W_enc[m,:,i] = W_dec[i,m,:]; biases zero.
 * Deterministic from `config.seed`.
 */
export function initialWeights(config: CrosscoderConfig): CrosscoderWeightArrays {
  const { nCheckpoints: m, dModel: d, nFeatures: f, decInitNorm } = config;
  const random = new SeededRandom(config.seed);
  const wDec = new Float32Array(f * m * d);
  for (let i = 0; i < f * m; i++) {
    let norm = 0;
    for (let j = 0; j < d; j++) {
      const v = random.normal();
      wDec[i * d + j] = v;
      norm += v * v;
    }
    const scale = decInitNorm / Math.sqrt(norm);
    for (let j = 0; j < d; j++) wDec[i * d + j]! *= scale;
  }
  const wEnc = new Float32Array(m * d * f);
  for (let i = 0; i < f; i++) {
    for (let c = 0; c < m; c++) {
      for (let j = 0; j < d; j++) wEnc[(c * d + j) * f + i] = wDec[(i * m + c) * d + j]!;
    }
  }
  return { wEnc, wDec, bEnc: new Float32Array(f), bDec: new Float32Array(m * d) };
}

/** The weights among saved tensors (crosscoder.safetensors), their shapes checked against the config. */
export function weightArraysOf(
  config: CrosscoderConfig,
  tensors: ReadonlyMap<string, HostTensor>,
): CrosscoderWeightArrays {
  const { nCheckpoints: m, dModel: d, nFeatures: f } = config;
  const expected: Record<(typeof crosscoderTensorNames)[number], number[]> = {
    W_enc: [m, d, f],
    W_dec: [f, m, d],
    b_enc: [f],
    b_dec: [m, d],
  };
  const get = (name: keyof typeof expected): Float32Array => {
    const t = tensors.get(name);
    if (!t) throw new Error(`crosscoder weights lack tensor ${name}`);
    if (t.shape.join(',') !== expected[name].join(',')) {
      throw new Error(
        `crosscoder tensor ${name} has shape [${t.shape.join(',')}], config implies [${expected[name].join(',')}]`,
      );
    }
    if (!(t.data instanceof Float32Array)) throw new Error(`crosscoder tensor ${name} is not floating point`);
    return t.data;
  };
  return { wEnc: get('W_enc'), wDec: get('W_dec'), bEnc: get('b_enc'), bDec: get('b_dec') };
}

/**
 * The parameters: `W_enc` [M,D,F], `W_dec` [F,M,D], `b_enc` [F], `b_dec` [M,D], as tf.variables
 * owned by this object, plus the BatchTopK inference threshold θ (−1 until first set).
 */
export class Crosscoder {
  /** BatchTopK inference threshold on decoder-norm-scaled activations; −1 = not yet estimated. */
  theta = -1;
  private isDisposed = false;

  private constructor(
    readonly config: CrosscoderConfig,
    readonly wEnc_MDF: tf.Variable<tf.Rank.R3>,
    readonly wDec_FMD: tf.Variable<tf.Rank.R3>,
    readonly bEnc_F: tf.Variable<tf.Rank.R1>,
    readonly bDec_MD: tf.Variable<tf.Rank.R2>,
  ) {}

  /** Fresh weights (see `initialWeights`) as tfjs variables. */
  static create(config: CrosscoderConfig): Crosscoder {
    return Crosscoder.fromArrays(config, initialWeights(config));
  }

  /** From saved tensors (crosscoder.safetensors); shapes are checked against the config. */
  static fromHost(
    config: CrosscoderConfig,
    tensors: ReadonlyMap<string, HostTensor>,
    theta = -1,
  ): Crosscoder {
    const cc = Crosscoder.fromArrays(config, weightArraysOf(config, tensors));
    cc.theta = theta;
    return cc;
  }

  private static fromArrays(config: CrosscoderConfig, a: CrosscoderWeightArrays): Crosscoder {
    const { nCheckpoints: m, dModel: d, nFeatures: f } = config;
    const initial = [
      tf.tensor3d(a.wEnc, [m, d, f]),
      tf.tensor3d(a.wDec, [f, m, d]),
      tf.tensor1d(a.bEnc),
      tf.tensor2d(a.bDec, [m, d]),
    ] as const;
    const variables = initial.map((t) => tf.variable(t, true, undefined, 'float32'));
    tf.dispose([...initial]); // the variables hold their own reference to the data
    const [wEnc, wDec, bEnc, bDec] = variables as [
      tf.Variable<tf.Rank.R3>,
      tf.Variable<tf.Rank.R3>,
      tf.Variable<tf.Rank.R1>,
      tf.Variable<tf.Rank.R2>,
    ];
    return new Crosscoder(config, wEnc, wDec, bEnc, bDec);
  }

  get variables(): tf.Variable[] {
    return [this.wEnc_MDF, this.wDec_FMD, this.bEnc_F, this.bDec_MD];
  }

  /** Host copies named as in crosscoder.safetensors. */
  async toHost(): Promise<Map<string, HostTensor>> {
    const out = new Map<string, HostTensor>();
    const pairs: [string, tf.Tensor][] = [
      ['W_enc', this.wEnc_MDF],
      ['W_dec', this.wDec_FMD],
      ['b_enc', this.bEnc_F],
      ['b_dec', this.bDec_MD],
    ];
    for (const [name, t] of pairs) {
      out.set(name, {
        shape: [...t.shape],
        data: Float32Array.from((await t.data()) as Float32Array),
        storedDtype: 'F32',
      });
    }
    return out;
  }

  dispose(): void {
    if (this.isDisposed) return;
    this.isDisposed = true;
    tf.dispose(this.variables);
  }
}
