import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { crosscoderConfigSchema } from '../../src/core/crosscoder/config';
import { NativeCrosscoderTrainer } from '../../src/core/crosscoder/native-trainer';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { readSafetensors } from '../../src/core/hf/safetensors';
import type { CrosscoderParameters, SessionGradients } from '../../src/core/native/crosscoder-session';
import { nativeAddonStatus } from '../../src/core/native/native-addon';
import { relativeError } from '../helpers/compare';

// The native engine's fused forward/backward against the independent PyTorch reference
// (scripts/golden/crosscoder_reference.py, float64): loss terms and every gradient to 1e-5 relative,
// as crosscoder-loss.test.ts holds the tfjs engine to.
const status = nativeAddonStatus();
const skipReason = status.ok ? '' : ` (skipped: native engine unavailable: ${status.reason})`;
const fixture = join(import.meta.dirname, 'fixtures', 'crosscoder', 'case.safetensors');
const [B, M, D, F] = [16, 3, 8, 32];

describe.skipIf(!status.ok)(`native crosscoder losses and gradients vs PyTorch${skipReason}`, () => {
  let ref: Map<string, HostTensor>;
  const value = (name: string): number => ref.get(name)!.data[0]!;

  const gradients = (
    type: 'l1' | 'batchtopk',
    lambda: number,
    isDead: Uint8Array | null,
  ): SessionGradients => {
    const config = crosscoderConfigSchema.parse({
      type,
      nCheckpoints: M,
      dModel: D,
      nFeatures: F,
      batchSize: B,
      steps: 1,
      k: 4,
      auxkAlpha: 1 / 32,
    });
    const trainer = NativeCrosscoderTrainer.fromHost(config, ref);
    try {
      const options = { ...trainer.stepOptions(), lambda, isDead };
      return trainer.nativeSession.gradients(ref.get('x')!.data as Float32Array, options);
    } finally {
      trainer.dispose();
    }
  };
  const expectGradients = (prefix: string, grads: CrosscoderParameters): void => {
    for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec'] as const) {
      expect(relativeError(grads[name], ref.get(`${prefix}.grad.${name}`)!.data), name).toBeLessThan(1e-5);
    }
  };

  beforeAll(async () => {
    ref = await readSafetensors(fixture);
  });

  it('L1 loss terms and the gradient of every parameter agree to 1e-5 relative', () => {
    const g = gradients('l1', 0.7, null);
    expect(g.loss / value('l1.loss')).toBeCloseTo(1, 5);
    expect(g.mse / value('l1.reconstruction')).toBeCloseTo(1, 5);
    expect(g.l1 / value('l1.sparsity')).toBeCloseTo(1, 5);
    expect(g.l0).toBe(value('l1.l0'));
    expectGradients('l1', g.grads);
  });

  it('BatchTopK loss with AuxK (correct residual sign) and its gradients agree to 1e-5 relative', () => {
    const dead = Uint8Array.from(ref.get('dead')!.data, (v) => (v > 0 ? 1 : 0));
    const g = gradients('batchtopk', 0, dead);
    expect(g.loss / value('btk.loss')).toBeCloseTo(1, 5);
    expect(g.mse / value('btk.reconstruction')).toBeCloseTo(1, 5);
    expect(g.auxiliary / value('btk.auxiliary')).toBeCloseTo(1, 5);
    expect(g.l0 * B).toBe(value('btk.kept'));
    expectGradients('btk', g.grads);
  });
});
