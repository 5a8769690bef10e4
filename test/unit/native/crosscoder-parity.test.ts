import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/core/backend';
import { crosscoderConfigSchema, type CrosscoderConfigInput } from '../../../src/core/crosscoder/config';
import { Crosscoder } from '../../../src/core/crosscoder/crosscoder';
import { batchTopKLoss, l1Loss } from '../../../src/core/crosscoder/forward';
import { NativeCrosscoderTrainer } from '../../../src/core/crosscoder/native-trainer';
import { CrosscoderTrainer } from '../../../src/core/crosscoder/trainer';
import type { HostTensor } from '../../../src/core/hf/host-tensor';
import { nativeAddonStatus } from '../../../src/core/native/native-addon';
import { SeededRandom } from '../../../src/core/random';
import { relativeError } from '../../helpers/compare';

// The native engine against the tfjs reference (wasm backend) on fixed seeded inputs: loss terms and
// the four gradients of one forward/backward, then weights, Adam moments, dead counters and metrics
// after 3 training steps. Tolerances (relative: max|Δ| / max|reference| over a tensor):
// - loss terms and gradients: 1e-5 (float32 sums in different orders; ≤ 2.4e-6 seen, gradients ≤ 2.5e-7);
// - metrics of each of 3 training steps (loss, mse, l1, aux, grad norm, θ): 1e-5; l0, dead counters,
//   β powers: exact;
// - weights and Adam moments after 3 steps: 2e-4. Adam divides by √v̂ + ε, so an element whose
//   gradient is ~1e-6 of the largest turns a 1e-7 difference in it into a visible one in its update
//   (seen: 9e-5 on one W_enc element of L1 M=3; elsewhere ≤ 2e-6).

const status = nativeAddonStatus();
const skipReason = status.ok ? '' : ` (skipped: native engine unavailable: ${status.reason})`;

const [B, D, F] = [64, 16, 96];

/** Relative error within `tolerance`; CTT_PARITY_REPORT=1 prints each measured error. */
function expectClose(label: string, error: number, tolerance: number): void {
  if (process.env.CTT_PARITY_REPORT === '1') console.log(`parity ${label}: ${error.toExponential(2)}`);
  expect(error, label).toBeLessThan(tolerance);
}
const scalarError = (a: number, b: number): number => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function seededBatch(m: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  // A sparse-ish signal: ReLU features see both signs; scale ≈ the normalised activations' √D.
  return Float32Array.from({ length: B * m * D }, () => random.normal() * (random.next() < 0.3 ? 2 : 0.5));
}

function config(m: number, type: 'l1' | 'batchtopk', extra: Partial<CrosscoderConfigInput> = {}) {
  return crosscoderConfigSchema.parse({
    type,
    nCheckpoints: m,
    dModel: D,
    nFeatures: F,
    batchSize: B,
    steps: 1000,
    learningRate: 1e-3,
    l1Coeff: 0.5,
    l1WarmupFraction: 0,
    k: 4,
    seed: 11 + m,
    deadTokens: B,
    thresholdStartStep: 0,
    ...extra,
  });
}

const cases = [2, 3].flatMap((m) => (['l1', 'batchtopk'] as const).map((type) => ({ m, type })));

describe.skipIf(!status.ok)(`native crosscoder step vs tfjs${skipReason}`, () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(() => {
    tf.disposeVariables();
  });

  for (const { m, type } of cases) {
    it(`${type}, M=${m}: loss terms and all four gradients (with AuxK on dead features) agree`, async () => {
      const c = config(m, type);
      const x = seededBatch(m, 100 + m);
      // Every third feature dead: AuxK is active (k_aux = min(D/2, #dead) = 8).
      const isDead = Uint8Array.from({ length: F }, (_, i) => (i % 3 === 0 ? 1 : 0));
      const cc = Crosscoder.create(c);
      const native = NativeCrosscoderTrainer.create(c);
      const lambda = 0.5;
      const options = { ...native.stepOptions(), lambda, isDead: type === 'batchtopk' ? isDead : null };
      const ours = native.nativeSession.gradients(x, options);

      const x_BMD = tf.tensor3d(x, [B, m, D]);
      const { value, grads } = tf.variableGrads(() => {
        if (type === 'l1') return l1Loss(cc, x_BMD, lambda).loss;
        return batchTopKLoss(cc, x_BMD, c.k, isDead).loss;
      }, cc.variables);
      const terms = tf.tidy(() => {
        if (type === 'l1') {
          const t = l1Loss(cc, x_BMD, lambda);
          return [t.reconstruction, t.sparsity, tf.scalar(0)];
        }
        const t = batchTopKLoss(cc, x_BMD, c.k, isDead);
        return [t.reconstruction, tf.scalar(0), t.auxiliary];
      });
      const [mse, l1, aux] = await Promise.all(terms.map(async (t) => (await t.data())[0]!));
      const loss = (await value.data())[0]!;
      const tag = `${type} M=${m}`;
      expectClose(`${tag} loss`, scalarError(ours.loss, loss), 1e-5);
      expectClose(`${tag} mse`, scalarError(ours.mse, mse!), 1e-5);
      if (type === 'l1') expectClose(`${tag} l1`, scalarError(ours.l1, l1!), 1e-5);
      if (type === 'batchtopk') {
        expect(aux).toBeGreaterThan(0);
        expectClose(`${tag} auxiliary`, scalarError(ours.auxiliary, aux!), 1e-5);
        expect(ours.l0).toBe(c.k); // no ties among random values: exactly k·B kept
      }
      const names = ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const;
      for (const [i, variable] of cc.variables.entries()) {
        const reference = await grads[variable.name]!.data();
        expectClose(`${tag} grad ${names[i]}`, relativeError(ours.grads[names[i]!], reference), 1e-5);
      }
      tf.dispose([x_BMD, value, ...Object.values(grads), ...terms]);
      native.dispose();
      cc.dispose();
    });

    it(`${type}, M=${m}: after 3 steps the weights, Adam moments, counters and metrics agree`, async () => {
      const c = config(m, type);
      const cc = Crosscoder.create(c);
      const reference = new CrosscoderTrainer(cc);
      const native = NativeCrosscoderTrainer.create(c);
      for (let s = 0; s < 3; s++) {
        const x = seededBatch(m, 200 + s);
        const expected = await reference.trainBatch(x);
        const actual = await native.trainBatch(x);
        for (const key of ['loss', 'mse', 'l1', 'auxiliary', 'gradNorm', 'theta'] as const) {
          expectClose(`${type} M=${m} step ${s} ${key}`, scalarError(actual[key], expected[key]), 1e-5);
        }
        expect([actual.l0, actual.deadFraction, actual.step]).toEqual([
          expected.l0,
          expected.deadFraction,
          expected.step,
        ]);
      }
      if (type === 'batchtopk') {
        expect(reference.deadMask().some((v) => v === 1)).toBe(true); // AuxK ran in steps 2 and 3
        expect(native.theta).toBeGreaterThan(0);
      }
      const [a, b] = [await native.weights(), await cc.toHost()];
      for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec']) {
        expectClose(
          `${type} M=${m} 3 steps ${name}`,
          relativeError(a.get(name)!.data, b.get(name)!.data),
          2e-4,
        );
      }
      const [sa, sb] = [await native.exportState(), await reference.exportState()];
      expect([...sa.optimizer.keys()]).toEqual([...sb.optimizer.keys()]);
      for (const [name, t] of sb.optimizer) {
        const ours: HostTensor = sa.optimizer.get(name)!;
        expect(ours.shape, name).toEqual(t.shape);
        expectClose(`${type} M=${m} 3 steps ${name}`, relativeError(ours.data, t.data), 2e-4);
      }
      expect(Array.from(sa.tokensSinceFired)).toEqual(Array.from(sb.tokensSinceFired));
      expect(Array.from(sa.betaPowers!)).toEqual(Array.from(sb.betaPowers!));
      reference.dispose();
      native.dispose();
      cc.dispose();
    });
  }
});
