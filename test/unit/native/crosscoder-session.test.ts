import { describe, expect, it } from 'vitest';
import { crosscoderConfigSchema } from '../../../src/core/crosscoder/config';
import { NativeCrosscoderTrainer } from '../../../src/core/crosscoder/native-trainer';
import {
  CrosscoderSession,
  defaultMemoryLimitBytes,
  estimateSessionBytes,
  type CrosscoderSessionShape,
  type SessionStepOptions,
} from '../../../src/core/native/crosscoder-session';
import { nativeAddonStatus } from '../../../src/core/native/native-addon';

// The native session's handling of bad input: a batch of the wrong length, shapes that do not fit in
// memory (refused before allocation, with the estimate and the limit), wrong side inputs, use after
// dispose; and degenerate inputs that must not produce NaN.
const status = nativeAddonStatus();
const skipReason = status.ok ? '' : ` (skipped: native engine unavailable: ${status.reason})`;

const shape: CrosscoderSessionShape = {
  nCheckpoints: 2,
  dModel: 16,
  nFeatures: 96,
  batchSize: 64,
  type: 'l1',
};
const options: SessionStepOptions = {
  ...{ learningRate: 1e-3, lambda: 0.5, k: 4, beta1: 0.9, beta2: 0.999, epsilon: 1e-8 },
  ...{ clipNorm: 1, auxkAlpha: 1 / 32, isDead: null },
};
const isFinite = (a: Float32Array): boolean => a.every((v) => Number.isFinite(v));

describe.skipIf(!status.ok)(`native crosscoder session: bad input${skipReason}`, () => {
  it('refuses a batch whose length is not B·M·D, naming expected and actual', () => {
    const session = CrosscoderSession.create(shape);
    expect(() => session.step(new Float32Array(2047), options)).toThrow(
      'x holds 2047 floats, expected B·M·D = 64·2·16 = 2048',
    );
    expect(() => session.gradients(new Float32Array(4096), options)).toThrow('x holds 4096 floats');
    expect(() => session.step(new Float32Array(2048), { ...options, isDead: new Uint8Array(5) })).toThrow(
      'isDead holds 5 entries, expected F = 96',
    );
    expect(() =>
      session.setParameters({
        W_enc: new Float32Array(3072),
        W_dec: new Float32Array(3071),
        b_enc: new Float32Array(96),
        b_dec: new Float32Array(32),
      }),
    ).toThrow('W_dec holds 3071 floats, expected 3072');
    session.dispose();
    expect(() => session.step(new Float32Array(2048), options)).toThrow(
      'the crosscoder session was disposed',
    );
  });

  it('refuses a shape that does not fit before allocating, with the estimate and the limit', () => {
    const big: CrosscoderSessionShape = {
      nCheckpoints: 3,
      dModel: 2048,
      nFeatures: 16384,
      batchSize: 4096,
      type: 'l1',
    };
    const estimate = estimateSessionBytes(big);
    // Parameters, two Adam moments and gradients of W_enc and W_dec: 8·K·F floats at least.
    expect(estimate).toBeGreaterThan(8 * 6144 * 16384 * 4);
    const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
    expect(() => CrosscoderSession.create(big, { memoryLimitBytes: 2 ** 31 })).toThrow(
      `crosscoder session M=3 D=2048 F=16384 B=4096 l1 needs an estimated ${gib(estimate)} ` +
        '(parameters, Adam state, gradients, scratch), more than the limit of 2.00 GiB',
    );
    // The default limit (RAM less a margin) refuses what no machine here holds.
    const huge = { ...big, dModel: 65536, nFeatures: 1 << 22 };
    expect(estimateSessionBytes(huge)).toBeGreaterThan(defaultMemoryLimitBytes());
    expect(() => CrosscoderSession.create(huge)).toThrow(
      /needs an estimated [\d.]+ GiB .* limit of [\d.]+ GiB/,
    );
    expect(defaultMemoryLimitBytes(24 * 2 ** 30)).toBeCloseTo(24 * 2 ** 30 - 2 * 2 ** 30 - 2.4 * 2 ** 30, -3);
    expect(() => CrosscoderSession.create({ ...shape, type: 'topk' as 'l1' })).toThrow(
      'type must be "l1" or "batchtopk", got "topk"',
    );
  });

  it('stays NaN-free on zero input, all-dead BatchTopK and a zero decoder direction', async () => {
    for (const type of ['l1', 'batchtopk'] as const) {
      const config = crosscoderConfigSchema.parse({
        ...{ type, nCheckpoints: 2, dModel: 16, nFeatures: 96, batchSize: 64, steps: 10 },
        ...{ k: 4, deadTokens: 1, l1WarmupFraction: 0 },
      });
      const trainer = NativeCrosscoderTrainer.create(config);
      // Zero input, zero biases: nothing fires; then every feature is dead and the AuxK residual has no
      // spread (its denominator is 0: the term is 0, not NaN).
      for (let s = 0; s < 3; s++) {
        const m = await trainer.trainBatch(new Float32Array(64 * 32));
        for (const v of [m.loss, m.mse, m.l1, m.auxiliary, m.gradNorm]) expect(Number.isFinite(v)).toBe(true);
      }
      expect(trainer.deadMask().every((v) => v === 1)).toBe(true);
      // A decoder direction of norm 0 (its L1 gradient w/‖w‖ is 0/0 in the plain formula).
      const weights = await trainer.weights();
      const session = trainer.nativeSession;
      const p = session.getParameters();
      p.W_dec.fill(0, 0, 32);
      session.setParameters(p);
      const x = Float32Array.from({ length: 64 * 32 }, (_, i) => Math.sin(i));
      const g = session.gradients(x, { ...trainer.stepOptions(), isDead: trainer.deadMask() });
      for (const t of Object.values(g.grads)) expect(isFinite(t)).toBe(true);
      await trainer.trainBatch(x);
      for (const t of Object.values(session.getParameters())) expect(isFinite(t)).toBe(true);
      expect(weights.get('W_enc')!.shape).toEqual([2, 16, 96]);
      trainer.dispose();
    }
  });
});
