import * as tf from '@tensorflow/tfjs';
import type { TokenBatch } from './batch';
import type { LanguageModel } from './language-model';
import { languageModelLoss } from './log-probs';

export interface LmTrainerOptions {
  learningRate: number;
  /** Linear warm-up steps, then cosine decay to `minLearningRateRatio`·lr at `totalSteps`. */
  warmupSteps: number;
  totalSteps: number;
  minLearningRateRatio?: number;
  /** Global gradient-norm clip. */
  clipNorm?: number;
}

/** Learning rate at `step` (0-based): linear warm-up, then cosine decay. */
export function learningRateAt(step: number, o: LmTrainerOptions): number {
  const min = (o.minLearningRateRatio ?? 0.1) * o.learningRate;
  if (step < o.warmupSteps) return (o.learningRate * (step + 1)) / o.warmupSteps;
  const progress = Math.min(1, (step - o.warmupSteps) / Math.max(1, o.totalSteps - o.warmupSteps));
  return min + 0.5 * (o.learningRate - min) * (1 + Math.cos(Math.PI * progress));
}

/**
 * Trains a GPT-NeoX (built with `isTrainable`) on next-token prediction: Adam, global-norm clipping,
 * warm-up + cosine schedule. Owns its optimizer state; call dispose().
 */
export class LmTrainer {
  private readonly optimizer: tf.AdamOptimizer;
  private stepCount = 0;

  constructor(
    private readonly model: LanguageModel,
    private readonly options: LmTrainerOptions,
  ) {
    if (model.variables.length === 0) throw new Error('LmTrainer needs a model built with isTrainable');
    this.optimizer = tf.train.adam(options.learningRate, 0.9, 0.95, 1e-8);
  }

  get step(): number {
    return this.stepCount;
  }

  /** One optimisation step; returns the loss before the update. */
  async trainStep(batch: TokenBatch): Promise<number> {
    const lr = learningRateAt(this.stepCount, this.options);
    // The optimizer reads its learning rate on every apply; tfjs declares the field protected.
    (this.optimizer as unknown as { learningRate: number }).learningRate = lr;
    const lossTensor = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () => languageModelLoss(this.model, batch),
        this.model.variables,
      );
      const clipped = clipByGlobalNorm(grads, this.options.clipNorm ?? 1);
      this.optimizer.applyGradients(clipped);
      return value;
    });
    const loss = (await lossTensor.data())[0]!;
    lossTensor.dispose();
    this.stepCount += 1;
    return loss;
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** Scales all gradients together so their global L2 norm is at most `maxNorm`. */
function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): { name: string; tensor: tf.Tensor }[] {
  const names = Object.keys(grads);
  const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n]!)))));
  const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
  return names.map((name) => ({ name, tensor: tf.mul(grads[name]!, scale) }));
}
