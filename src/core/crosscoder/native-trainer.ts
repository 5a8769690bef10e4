import type * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../hf/host-tensor';
import {
  CrosscoderSession,
  parameterNames,
  type CrosscoderParameters,
  type SessionStepOptions,
} from '../native/crosscoder-session';
import type { CrosscoderConfig } from './config';
import { initialWeights, weightArraysOf, type CrosscoderWeightArrays } from './crosscoder';
import {
  StepBookkeeping,
  type CrosscoderTrainerEngine,
  type StepMetrics,
  type TrainerState,
} from './trainer';

// The native engine: the fused step of the addon (OpenBLAS sgemm + OpenMP loops, allocated once) owns
// weights and Adam state; this class adds the schedules, dead counters and θ (StepBookkeeping, shared
// with the tfjs engine) and converts state to and from tfjs's layout, so a run saved by either engine
// resumes on the other. No tfjs tensor of the weights is ever made. Legend: B M D F.

/** Adam's ε, as the tfjs trainer creates its optimizer. */
const adamEpsilon = 1e-8;

export interface NativeTrainerOptions {
  /** Threads for OpenBLAS and the loops (the whole addon); default: the addon's current setting. */
  threads?: number;
  /** Refuse shapes whose session would exceed this many bytes (default: RAM less a margin). */
  memoryLimitBytes?: number;
}

function shapeOf(param: (typeof parameterNames)[number], c: CrosscoderConfig): number[] {
  const { nCheckpoints: m, dModel: d, nFeatures: f } = c;
  return { W_enc: [m, d, f], W_dec: [f, m, d], b_enc: [f], b_dec: [m, d] }[param];
}

export class NativeCrosscoderTrainer implements CrosscoderTrainerEngine {
  readonly engine = 'native' as const;
  private readonly bookkeeping: StepBookkeeping;
  private thetaValue: number;
  /** Adam updates applied (tfjs's `iterations`, saved as adam.00). */
  private iterations = 0;

  private constructor(
    readonly config: CrosscoderConfig,
    private readonly session: CrosscoderSession,
    theta: number,
  ) {
    this.bookkeeping = new StepBookkeeping(config);
    this.thetaValue = theta;
    session.setAdamState({ m: null, v: null, accBeta1: config.beta1, accBeta2: config.beta2 });
  }

  /** Fresh weights from `config.seed` (the same as the tfjs engine's). */
  static create(config: CrosscoderConfig, options: NativeTrainerOptions = {}): NativeCrosscoderTrainer {
    return NativeCrosscoderTrainer.fromArrays(config, initialWeights(config), -1, options);
  }

  /** From saved tensors (crosscoder.safetensors), shapes checked against the config. */
  static fromHost(
    config: CrosscoderConfig,
    tensors: ReadonlyMap<string, HostTensor>,
    theta = -1,
    options: NativeTrainerOptions = {},
  ): NativeCrosscoderTrainer {
    return NativeCrosscoderTrainer.fromArrays(config, weightArraysOf(config, tensors), theta, options);
  }

  private static fromArrays(
    config: CrosscoderConfig,
    w: CrosscoderWeightArrays,
    theta: number,
    options: NativeTrainerOptions,
  ): NativeCrosscoderTrainer {
    const session = CrosscoderSession.create(
      {
        nCheckpoints: config.nCheckpoints,
        dModel: config.dModel,
        nFeatures: config.nFeatures,
        batchSize: config.batchSize,
        type: config.type,
      },
      options,
    );
    try {
      session.setParameters({ W_enc: w.wEnc, W_dec: w.wDec, b_enc: w.bEnc, b_dec: w.bDec });
      return new NativeCrosscoderTrainer(config, session, theta);
    } catch (error) {
      session.dispose();
      throw error;
    }
  }

  get step(): number {
    return this.bookkeeping.stepCount;
  }

  get theta(): number {
    return this.thetaValue;
  }

  deadMask(): Uint8Array {
    return this.bookkeeping.deadMask();
  }

  /** The session's options for the step about to run (schedules at the current step). */
  stepOptions(): SessionStepOptions {
    const c = this.config;
    const { learningRate, lambda, k } = this.bookkeeping.schedule();
    return {
      ...{ learningRate, lambda, k, beta1: c.beta1, beta2: c.beta2, epsilon: adamEpsilon },
      ...{ clipNorm: c.clipNorm, auxkAlpha: c.auxkAlpha },
      isDead: c.type === 'batchtopk' ? this.deadMask() : null,
    };
  }

  async trainBatch(x_BMD: Float32Array): Promise<StepMetrics> {
    const result = this.session.step(x_BMD, this.stepOptions());
    this.iterations += 1;
    const done = this.bookkeeping.finish(result, result.fired, this.config.batchSize, this.thetaValue);
    this.thetaValue = done.theta;
    return done.metrics;
  }

  /** The tfjs trainer's entry point, for callers holding a tensor (read back to the host). */
  async trainStep(x_BMD: tf.Tensor3D | Float32Array): Promise<StepMetrics> {
    return this.trainBatch(x_BMD instanceof Float32Array ? x_BMD : ((await x_BMD.data()) as Float32Array));
  }

  /** The session itself, for parity tests (`gradients`) and benchmarks. */
  get nativeSession(): CrosscoderSession {
    return this.session;
  }

  async weights(): Promise<Map<string, HostTensor>> {
    const p = this.session.getParameters();
    return new Map(
      parameterNames.map((name) => [
        name,
        { shape: shapeOf(name, this.config), data: p[name], storedDtype: 'F32' },
      ]),
    );
  }

  /** tfjs getWeights order: adam.00 iterations, adam.01–04 first moments, adam.05–08 second moments. */
  async exportState(): Promise<TrainerState> {
    const adam = this.session.getAdamState();
    const optimizer = new Map<string, HostTensor>();
    const put = (i: number, shape: number[], data: Float32Array): void => {
      optimizer.set(`adam.${String(i).padStart(2, '0')}`, { shape, data, storedDtype: 'F32' });
    };
    put(0, [], Float32Array.of(this.iterations));
    const n = parameterNames.length;
    for (const [j, name] of parameterNames.entries()) put(1 + j, shapeOf(name, this.config), adam.m![name]);
    for (const [j, name] of parameterNames.entries())
      put(1 + n + j, shapeOf(name, this.config), adam.v![name]);
    return {
      step: this.bookkeeping.stepCount,
      theta: this.thetaValue,
      tokensSinceFired: Float32Array.from(this.bookkeeping.tokensSinceFired),
      optimizer,
      betaPowers: Float32Array.of(adam.accBeta1, adam.accBeta2),
    };
  }

  /** Either engine's save. Without moments (a save before the first step) they start at zero. */
  async importState(state: TrainerState): Promise<void> {
    this.bookkeeping.restore(state);
    const names = [...state.optimizer.keys()].sort();
    const iterations = names.length > 0 ? state.optimizer.get(names[0]!)!.data[0]! : 0;
    const moments = names.slice(1).map((name) => state.optimizer.get(name)!);
    const n = parameterNames.length;
    if (moments.length !== 0 && moments.length !== 2 * n) {
      throw new Error(`trainer state has ${moments.length} Adam moments, expected 0 or ${2 * n}`);
    }
    const pick = (offset: number): CrosscoderParameters | null => {
      if (moments.length === 0) return null;
      const entries = parameterNames.map((name, j) => [name, moments[offset + j]!.data as Float32Array]);
      return Object.fromEntries(entries) as CrosscoderParameters;
    };
    // tfjs restores β^t as exact powers when a save lacks the accumulated ones.
    const c = this.config;
    const [accBeta1, accBeta2] = state.betaPowers
      ? [state.betaPowers[0]!, state.betaPowers[1]!]
      : [c.beta1 ** (iterations + 1), c.beta2 ** (iterations + 1)];
    this.session.setAdamState({ m: pick(0), v: pick(n), accBeta1, accBeta2 });
    this.iterations = iterations;
    this.thetaValue = state.theta;
  }

  dispose(): void {
    this.session.dispose();
  }
}
