import * as tf from '@tensorflow/tfjs';
import type { EngineName } from '../../shared/domain';
import type { HostTensor } from '../hf/host-tensor';
import { kAt, l1CoeffAt, learningRateAt, type CrosscoderConfig } from './config';
import type { Crosscoder } from './crosscoder';
import { batchTopKLoss, decoderNormSum_F, l1Loss } from './forward';

// One optimisation step at a time: Adam, global-norm clipping, the METHOD.md schedules (constant LR then
// linear decay, λ warm-up, k annealing), dead-feature tracking and the BatchTopK threshold θ. The tfjs
// engine is here; the native one (native-trainer.ts) shares the interface and the JS-side bookkeeping.
// Legend: B M D F.

export interface StepMetrics {
  step: number;
  /** Total loss that was minimised. */
  loss: number;
  /** mean_b Σ_m ‖x_m − x̂_m‖² (the reconstruction term). */
  mse: number;
  /** mean_b Σ_i f_i Σ_m ‖W_dec[i,m]‖ (the L1 term; logged for BatchTopK too). */
  l1: number;
  /** Mean number of active features per token. */
  l0: number;
  /** Share of features that have not fired for `deadTokens` tokens. */
  deadFraction: number;
  /** BatchTopK AuxK term (0 for L1). */
  auxiliary: number;
  gradNorm: number;
  learningRate: number;
  lambda: number;
  k: number;
  theta: number;
}

/** What a resume needs besides the weights: optimizer moments, step, dead counters, θ. */
export interface TrainerState {
  step: number;
  theta: number;
  tokensSinceFired: Float32Array;
  /** Adam's `iterations` and first/second moments, in variable order (W_enc, W_dec, b_enc, b_dec). */
  optimizer: Map<string, HostTensor>;
  /**
   * Adam's running β1^t and β2^t as the optimizer accumulated them. tfjs recomputes them as exact powers
   * on restore, which differ in the last bit and would make a resumed run drift from an uninterrupted one.
   */
  betaPowers: Float32Array | null;
}

/** What a training loop needs of a trainer, whichever engine runs the step. */
export interface CrosscoderTrainerEngine {
  readonly engine: EngineName;
  readonly config: CrosscoderConfig;
  /** Steps taken (the next step's 0-based index). */
  readonly step: number;
  /** BatchTopK inference threshold θ (−1 until first set). */
  readonly theta: number;
  deadMask(): Uint8Array;
  /** One step on a host batch x [B·M·D] (row-major [B,M,D]). */
  trainBatch(x_BMD: Float32Array): Promise<StepMetrics>;
  /** Adam state in tfjs's getWeights layout, so either engine resumes the other's saves. */
  exportState(): Promise<TrainerState>;
  importState(state: TrainerState): Promise<void>;
  /** Host copies of the weights, named as in crosscoder.safetensors. */
  weights(): Promise<Map<string, HostTensor>>;
  dispose(): void;
}

/** One step's loss terms as an engine computed them, before the bookkeeping. */
export interface StepTerms {
  loss: number;
  mse: number;
  l1: number;
  auxiliary: number;
  l0: number;
  gradNorm: number;
  /** Smallest positive kept f·c after the update (Infinity when nothing fired): the θ candidate. */
  minPositive: number;
}

/**
 * The JS side of a step, shared by both engines: the schedules at the current step, dead-feature
 * counters, the θ EMA and the metrics record.
 */
export class StepBookkeeping {
  stepCount = 0;
  /** Tokens since each feature last fired, capped at `deadTokens` (exact in float32). */
  tokensSinceFired: Float32Array;

  constructor(private readonly config: CrosscoderConfig) {
    this.tokensSinceFired = new Float32Array(config.nFeatures);
  }

  /** Learning rate, λ and k of the step about to run. */
  schedule(): { learningRate: number; lambda: number; k: number } {
    const t = this.stepCount;
    return {
      learningRate: learningRateAt(t, this.config),
      lambda: l1CoeffAt(t, this.config),
      k: kAt(t, this.config),
    };
  }

  /** Features dead now (not fired for `deadTokens` tokens), as 0/1. */
  deadMask(): Uint8Array {
    const limit = this.config.deadTokens;
    return Uint8Array.from(this.tokensSinceFired, (t) => (t >= limit ? 1 : 0));
  }

  /**
   * Closes a step: dead counters from the per-feature fired counts [F], θ (training steps only, after a
   * warm-up, as an EMA of the smallest kept activation), the step count; returns the metrics and θ.
   */
  finish(
    terms: StepTerms,
    fired_F: Float32Array,
    batch: number,
    theta: number,
  ): { metrics: StepMetrics; theta: number } {
    const c = this.config;
    const t = this.stepCount;
    const { learningRate, lambda, k } = this.schedule();
    for (let i = 0; i < fired_F.length; i++) {
      this.tokensSinceFired[i] =
        fired_F[i]! > 0 ? 0 : Math.min(c.deadTokens, this.tokensSinceFired[i]! + batch);
    }
    const min = terms.minPositive;
    if (c.type === 'batchtopk' && t > c.thresholdStartStep && Number.isFinite(min)) {
      // Kept in float32, as saved: a resumed run continues from exactly the θ it would have had.
      theta = Math.fround(theta < 0 ? min : 0.999 * theta + 0.001 * min);
    }
    this.stepCount += 1;
    const dead = this.deadMask().reduce((n, v) => n + v, 0);
    const { loss, mse, l1, l0, auxiliary, gradNorm } = terms;
    const metrics: StepMetrics = {
      step: this.stepCount,
      ...{ loss, mse, l1, l0, deadFraction: dead / c.nFeatures, auxiliary, gradNorm },
      ...{ learningRate, lambda, k, theta },
    };
    return { metrics, theta };
  }

  /** Restores step and counters from a save. */
  restore(state: TrainerState): void {
    if (state.tokensSinceFired.length !== this.config.nFeatures) {
      throw new Error(
        `trainer state has ${state.tokensSinceFired.length} dead counters, the crosscoder ${this.config.nFeatures} features`,
      );
    }
    this.stepCount = state.step;
    this.tokensSinceFired = Float32Array.from(state.tokensSinceFired);
  }
}

interface AdamInternals {
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

/** The tfjs engine: tfjs Adam on the Crosscoder's variables, on whichever tfjs backend is in use. */
export class CrosscoderTrainer implements CrosscoderTrainerEngine {
  readonly engine = 'tfjs' as const;
  private readonly optimizer: tf.AdamOptimizer;
  private readonly bookkeeping: StepBookkeeping;

  /** `shouldDisposeCrosscoder`: the trainer owns `cc` and disposes it with itself. */
  constructor(
    private readonly cc: Crosscoder,
    private readonly options: { shouldDisposeCrosscoder?: boolean } = {},
  ) {
    const c = cc.config;
    this.optimizer = tf.train.adam(c.learningRate, c.beta1, c.beta2, 1e-8);
    this.bookkeeping = new StepBookkeeping(c);
  }

  get config(): CrosscoderConfig {
    return this.cc.config;
  }

  get step(): number {
    return this.bookkeeping.stepCount;
  }

  get theta(): number {
    return this.cc.theta;
  }

  /** tfjs declares these fields protected; the schedule and exact resume need them. */
  private get adam(): AdamInternals {
    return this.optimizer as unknown as AdamInternals;
  }

  /** Features dead now (not fired for `deadTokens` tokens), as 0/1. */
  deadMask(): Uint8Array {
    return this.bookkeeping.deadMask();
  }

  async trainBatch(x_BMD: Float32Array): Promise<StepMetrics> {
    const { batchSize: b, nCheckpoints: m, dModel: d } = this.cc.config;
    if (x_BMD.length !== b * m * d) {
      throw new Error(`x holds ${x_BMD.length} floats, expected B·M·D = ${b}·${m}·${d} = ${b * m * d}`);
    }
    const x = tf.tensor3d(x_BMD, [b, m, d]);
    try {
      return await this.trainStep(x);
    } finally {
      x.dispose();
    }
  }

  async trainStep(x_BMD: tf.Tensor3D): Promise<StepMetrics> {
    const c = this.cc.config;
    const { learningRate, lambda, k } = this.bookkeeping.schedule();
    this.adam.learningRate = learningRate;
    const isDead = c.type === 'batchtopk' ? this.deadMask() : null;
    const batch = x_BMD.shape[0];

    const [stats, fired_F] = tf.tidy(() => {
      let kept: tf.Tensor[] = [];
      const { value, grads } = tf.variableGrads(() => {
        if (c.type === 'l1') {
          const terms = l1Loss(this.cc, x_BMD, lambda);
          kept = [terms.reconstruction, terms.sparsity, tf.scalar(0), terms.f_BF].map((x) => tf.keep(x));
          return terms.loss;
        }
        const terms = batchTopKLoss(this.cc, x_BMD, k, isDead);
        const sparsity = tf.div(tf.sum(tf.mul(terms.f_BF, decoderNormSum_F(this.cc))), batch);
        kept = [terms.reconstruction, sparsity, terms.auxiliary, terms.f_BF].map((x) => tf.keep(x));
        return terms.loss;
      }, this.cc.variables);
      const names = this.cc.variables.map((v) => v.name);
      const gradNorm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
      const scale = tf.minimum(1, tf.div(c.clipNorm, tf.add(gradNorm, 1e-12)));
      this.optimizer.applyGradients(names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) })));
      const [reconstruction, sparsity, auxiliary, f_BF] = kept as [
        tf.Scalar,
        tf.Scalar,
        tf.Scalar,
        tf.Tensor2D,
      ];
      const isActive_BF = tf.cast(tf.greater(f_BF, 0), 'float32');
      const l0 = tf.div(tf.sum(isActive_BF), batch);
      // θ candidate: the smallest positive decoder-norm-scaled activation of this batch.
      const scaled_BF = tf.mul(f_BF, decoderNormSum_F(this.cc));
      const minPositive = tf.min(
        tf.where(tf.greater(scaled_BF, 0), scaled_BF, tf.fill(scaled_BF.shape, Infinity)),
      );
      const stacked = tf.stack([value, reconstruction, sparsity, auxiliary, l0, gradNorm, minPositive]);
      tf.dispose(kept);
      return [stacked, tf.sum(isActive_BF, 0)];
    });
    const [loss, mse, l1, auxiliary, l0, gradNorm, minPositive] = Array.from(await stats.data());
    const fired = (await fired_F.data()) as Float32Array;
    tf.dispose([stats, fired_F]);
    const terms = { loss: loss!, mse: mse!, l1: l1!, auxiliary: auxiliary!, l0: l0!, gradNorm: gradNorm! };
    const done = this.bookkeeping.finish(
      { ...terms, minPositive: minPositive! },
      fired,
      batch,
      this.cc.theta,
    );
    this.cc.theta = done.theta;
    return done.metrics;
  }

  async weights(): Promise<Map<string, HostTensor>> {
    return this.cc.toHost();
  }

  async exportState(): Promise<TrainerState> {
    const optimizer = new Map<string, HostTensor>();
    const weights = await this.optimizer.getWeights();
    for (const [i, w] of weights.entries()) {
      const data = (await w.tensor.data()) as Float32Array;
      optimizer.set(`adam.${String(i).padStart(2, '0')}`, {
        shape: [...w.tensor.shape],
        data: Float32Array.from(data),
        storedDtype: 'F32',
      });
    }
    weights[0]?.tensor.dispose(); // the `iter` scalar getWeights made for us; the moments stay Adam's
    const betaPowers = Float32Array.of(
      (await this.adam.accBeta1.data())[0]!,
      (await this.adam.accBeta2.data())[0]!,
    );
    return {
      step: this.bookkeeping.stepCount,
      theta: this.cc.theta,
      tokensSinceFired: Float32Array.from(this.bookkeeping.tokensSinceFired),
      optimizer,
      betaPowers,
    };
  }

  async importState(state: TrainerState): Promise<void> {
    this.bookkeeping.restore(state);
    const names = [...state.optimizer.keys()].sort();
    const tensors = names.map((name) => {
      const h = state.optimizer.get(name)!;
      return { name, tensor: tf.tensor(h.data as Float32Array, h.shape) };
    });
    await this.optimizer.setWeights(tensors);
    tf.dispose(tensors.map((t) => t.tensor));
    if (state.betaPowers) {
      const [b1, b2] = [tf.scalar(state.betaPowers[0]!), tf.scalar(state.betaPowers[1]!)];
      this.adam.accBeta1.assign(b1);
      this.adam.accBeta2.assign(b2);
      tf.dispose([b1, b2]);
    }
    this.cc.theta = state.theta;
  }

  /** Disposes the optimizer (and the Crosscoder when this trainer owns it). */
  dispose(): void {
    this.optimizer.dispose();
    if (this.options.shouldDisposeCrosscoder) this.cc.dispose();
  }
}
