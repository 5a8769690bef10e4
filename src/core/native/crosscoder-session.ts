import { totalmem } from 'node:os';
import { requireNativeAddon } from './native-addon';

// Typed handle on the native engine's fused crosscoder step (native/src/crosscoder_core.h): one session
// owns the parameters, Adam moments and every scratch buffer, allocated once. Legend: B M D F, K = M·D.
// Layouts (row-major): W_enc [M,D,F], W_dec [F,M,D], b_enc [F], b_dec [M,D]; a batch x [B,M,D].
// Calls are synchronous (training runs in a worker thread); copies in and out are JS Float32Arrays.

export interface CrosscoderSessionShape {
  nCheckpoints: number;
  dModel: number;
  nFeatures: number;
  batchSize: number;
  type: 'l1' | 'batchtopk';
}

/** The four parameters (or their gradients, or one Adam moment of each), named as in safetensors. */
export interface CrosscoderParameters {
  W_enc: Float32Array;
  W_dec: Float32Array;
  b_enc: Float32Array;
  b_dec: Float32Array;
}

export const parameterNames = ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const;

/** Adam's moments (null: zeros, as before tfjs's first update) and running β powers. */
export interface NativeAdamState {
  m: CrosscoderParameters | null;
  v: CrosscoderParameters | null;
  accBeta1: number;
  accBeta2: number;
}

export interface SessionStepOptions {
  learningRate: number;
  /** L1 coefficient λ (L1 only). */
  lambda: number;
  /** BatchTopK: features kept per token on average. */
  k: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  clipNorm: number;
  auxkAlpha: number;
  /** [F] 0/1 dead features for AuxK (BatchTopK), or null. */
  isDead: Uint8Array | null;
}

/** Loss terms of one forward pass (summed in double on the native side). */
export interface SessionLossTerms {
  loss: number;
  /** mean_b Σ_m ‖x_m − x̂_m‖². */
  mse: number;
  /** mean_b Σ_i f_i Σ_m ‖W_dec[i,m]‖. */
  l1: number;
  auxiliary: number;
  /** Mean kept features per token. */
  l0: number;
}

export interface SessionStepResult extends SessionLossTerms {
  /** Global gradient norm before clipping. */
  gradNorm: number;
  /** Smallest positive f·c with the updated decoder (Infinity when nothing fired). */
  minPositive: number;
  /** [F] tokens of the batch where each feature was kept. */
  fired: Float32Array;
  /** Milliseconds per phase, when CTT_NATIVE_PROFILE=1. */
  phaseMs?: Record<string, number>;
}

export interface SessionGradients extends SessionLossTerms {
  grads: CrosscoderParameters;
}

interface NativeSession {
  setParameters(p: CrosscoderParameters): void;
  getParameters(): CrosscoderParameters;
  setAdamState(s: NativeAdamState): void;
  getAdamState(): NativeAdamState;
  step(x: Float32Array, options: SessionStepOptions): SessionStepResult;
  gradients(x: Float32Array, options: SessionStepOptions): SessionGradients;
  dispose(): void;
}

interface NativeSessionClass {
  new (options: CrosscoderSessionShape & { memoryLimitBytes: number }): NativeSession;
  estimateBytes(shape: CrosscoderSessionShape): number;
}

function sessionClass(): NativeSessionClass {
  const addon = requireNativeAddon();
  if (typeof addon.CrosscoderSession !== 'function') {
    throw new Error('native engine unavailable: this build of the addon has no CrosscoderSession');
  }
  return addon.CrosscoderSession as NativeSessionClass;
}

/**
 * The default memory limit for a session: physical memory less a margin (2 GiB plus 10%) for the
 * process, the batch stream and the host copies a save makes.
 */
export function defaultMemoryLimitBytes(totalBytes = totalmem()): number {
  return Math.max(0, totalBytes - 2 * 2 ** 30 - 0.1 * totalBytes);
}

/** Bytes a session of this shape allocates (what the limit is checked against). */
export function estimateSessionBytes(shape: CrosscoderSessionShape): number {
  return sessionClass().estimateBytes(shape);
}

export class CrosscoderSession {
  private native: NativeSession | null;

  private constructor(
    native: NativeSession,
    readonly shape: CrosscoderSessionShape,
  ) {
    this.native = native;
  }

  /**
   * A session for `shape`; a shape whose estimate exceeds `memoryLimitBytes` (default
   * `defaultMemoryLimitBytes()`) is refused before anything is allocated, with the estimate and limit.
   * `threads` sets the OpenBLAS and loop threads of the whole addon.
   */
  static create(
    shape: CrosscoderSessionShape,
    options: { memoryLimitBytes?: number; threads?: number } = {},
  ): CrosscoderSession {
    const Session = sessionClass();
    if (options.threads !== undefined) requireNativeAddon().setThreads(options.threads);
    const memoryLimitBytes = options.memoryLimitBytes ?? defaultMemoryLimitBytes();
    return new CrosscoderSession(new Session({ ...shape, memoryLimitBytes }), { ...shape });
  }

  private get handle(): NativeSession {
    if (this.native === null) throw new Error('the crosscoder session was disposed');
    return this.native;
  }

  setParameters(p: CrosscoderParameters): void {
    this.handle.setParameters(p);
  }

  /** Copies of the parameters. */
  getParameters(): CrosscoderParameters {
    return this.handle.getParameters();
  }

  setAdamState(s: NativeAdamState): void {
    this.handle.setAdamState(s);
  }

  getAdamState(): NativeAdamState {
    return this.handle.getAdamState();
  }

  /** One training step on x [B·M·D]: forward, backward, clip, Adam. */
  step(x_BMD: Float32Array, options: SessionStepOptions): SessionStepResult {
    return this.handle.step(x_BMD, options);
  }

  /** The loss terms and unclipped gradients on x [B·M·D]; the parameters do not change. */
  gradients(x_BMD: Float32Array, options: SessionStepOptions): SessionGradients {
    return this.handle.gradients(x_BMD, options);
  }

  /** Frees the native buffers now (several GiB at the paper's shape). */
  dispose(): void {
    this.native?.dispose();
    this.native = null;
  }
}
