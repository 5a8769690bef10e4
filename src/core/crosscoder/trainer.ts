import * as tf from '@tensorflow/tfjs';
import type { HostTensor } from '../hf/host-tensor';
import { kAt, l1CoeffAt, learningRateAt } from './config';
import type { Crosscoder } from './crosscoder';
import { batchTopKLoss, decoderNormSum_F, l1Loss } from './forward';

// One optimisation step at a time: Adam, global-norm clipping, the METHOD.md schedules (constant LR then
// linear decay, λ warm-up, k annealing), dead-feature tracking and the BatchTopK threshold θ.
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

interface AdamInternals {
  learningRate: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
}

export class CrosscoderTrainer {
  private readonly optimizer: tf.AdamOptimizer;
  private stepCount = 0;
  /** Tokens since each feature last fired, capped at `deadTokens` (exact in float32). */
  private tokensSinceFired: Float32Array;

  constructor(private readonly cc: Crosscoder) {
    const c = cc.config;
    this.optimizer = tf.train.adam(c.learningRate, c.beta1, c.beta2, 1e-8);
    this.tokensSinceFired = new Float32Array(c.nFeatures);
  }

  get step(): number {
    return this.stepCount;
  }

  /** tfjs declares these fields protected; the schedule and exact resume need them. */
  private get adam(): AdamInternals {
    return this.optimizer as unknown as AdamInternals;
  }

  /** Features dead now (not fired for `deadTokens` tokens), as 0/1. */
  deadMask(): Uint8Array {
    const limit = this.cc.config.deadTokens;
    return Uint8Array.from(this.tokensSinceFired, (t) => (t >= limit ? 1 : 0));
  }

  async trainStep(x_BMD: tf.Tensor3D): Promise<StepMetrics> {
    const c = this.cc.config;
    const t = this.stepCount;
    const learningRate = learningRateAt(t, c);
    const lambda = l1CoeffAt(t, c);
    const k = kAt(t, c);
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

    for (let i = 0; i < fired.length; i++) {
      this.tokensSinceFired[i] =
        fired[i]! > 0 ? 0 : Math.min(c.deadTokens, this.tokensSinceFired[i]! + batch);
    }
    // θ tracks training steps only, after a warm-up, as an EMA of the smallest kept activation.
    if (c.type === 'batchtopk' && t > c.thresholdStartStep && Number.isFinite(minPositive)) {
      this.cc.theta = this.cc.theta < 0 ? minPositive! : 0.999 * this.cc.theta + 0.001 * minPositive!;
    }
    this.stepCount += 1;
    const dead = this.deadMask().reduce((n, v) => n + v, 0);
    return {
      step: this.stepCount,
      loss: loss!,
      mse: mse!,
      l1: l1!,
      l0: l0!,
      deadFraction: dead / c.nFeatures,
      auxiliary: auxiliary!,
      gradNorm: gradNorm!,
      learningRate,
      lambda,
      k,
      theta: this.cc.theta,
    };
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
      step: this.stepCount,
      theta: this.cc.theta,
      tokensSinceFired: Float32Array.from(this.tokensSinceFired),
      optimizer,
      betaPowers,
    };
  }

  async importState(state: TrainerState): Promise<void> {
    if (state.tokensSinceFired.length !== this.cc.config.nFeatures) {
      throw new Error(
        `trainer state has ${state.tokensSinceFired.length} dead counters, the crosscoder ${this.cc.config.nFeatures} features`,
      );
    }
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
    this.stepCount = state.step;
    this.cc.theta = state.theta;
    this.tokensSinceFired = Float32Array.from(state.tokensSinceFired);
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
