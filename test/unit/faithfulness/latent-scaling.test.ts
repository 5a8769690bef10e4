import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultRatioThreshold,
  fitLatentScaling,
  LatentScaling,
  type ScalingTarget,
} from '../../../src/core/faithfulness/latent-scaling';
import { SeededRandom } from '../../../src/core/random';

interface ScalingCase {
  n: number;
  c: number;
  d: number;
  dec: number[];
  f: number[];
  acts: number[];
  recon: number[];
  reference: number;
  betas: Record<ScalingTarget, number[]>;
}
const reference = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'faithfulness-reference.json'), 'utf8'),
) as { scaling: ScalingCase[] };

describe('closed-form β', () => {
  it('by hand: f = (1, 2), d̂ = e0, x_A = ((2, 5), (4, −1)) → β_A = (1·2 + 2·4)/(1 + 4) = 2', () => {
    const acts = Float32Array.from([2, 5, 3, 3, 4, -1, 6, 0]); // [N=2, C=2, D=2]
    const [r] = fitLatentScaling(
      [{ feature: 7, dec_CD: Float32Array.from([3, 0, 1.5, 0]) }],
      { acts_NCD: acts, f_NK: Float32Array.from([1, 2]) },
      { nCheckpoints: 2, dModel: 2 },
    );
    // β_B = (1·3 + 2·6)/5 = 3. Home = checkpoint 0 (largest decoder norm); ratio β_B/β_A = 1.5.
    expect(r!.reference).toBe(0);
    expect(r!.betas[0]).toBeCloseTo(2, 12);
    expect(r!.betas[1]).toBeCloseTo(3, 12);
    expect(r!.ratios).toEqual([1, 1.5]);
    expect(r!.activeTokens).toBe(2);
    // Both decoders are present (0.5 of the largest norm): nothing claimed absent, nothing to flag.
    expect(r!.claimedAbsent).toEqual([false, false]);
    expect(r!.ratio).toBeNull();
    expect(r!.exclusivityArtifact).toBeNull();
  });

  it('equals numpy least squares for every target (fixtures)', () => {
    for (const c of reference.scaling) {
      for (const target of ['activation', 'error', 'reconstruction'] as const) {
        const [r] = fitLatentScaling(
          [{ feature: 0, dec_CD: Float32Array.from(c.dec) }],
          {
            acts_NCD: Float32Array.from(c.acts),
            f_NK: Float32Array.from(c.f),
            recon_NCD: Float32Array.from(c.recon),
          },
          { nCheckpoints: c.c, dModel: c.d, target },
        );
        expect(r!.reference).toBe(c.reference);
        r!.betas.forEach((b, m) =>
          expect(b, `${target} checkpoint ${m}`).toBeCloseTo(c.betas[target][m]!, 5),
        );
      }
    }
  });

  it('batches accumulate to the one-batch answer; b_dec is subtracted from the activation target', () => {
    const random = new SeededRandom(3);
    const [n, c, d] = [10, 2, 3];
    const acts = Float32Array.from({ length: n * c * d }, () => random.normal());
    const f = Float32Array.from({ length: n }, () => Math.max(0, random.normal()));
    const spec = [{ feature: 0, dec_CD: Float32Array.from([1, 1, 0, 0, 1, 1]) }];
    const whole = fitLatentScaling(spec, { acts_NCD: acts, f_NK: f }, { nCheckpoints: c, dModel: d });
    const parts = new LatentScaling(spec, { nCheckpoints: c, dModel: d });
    parts.add({ acts_NCD: acts.subarray(0, 4 * c * d), f_NK: f.subarray(0, 4) });
    parts.add({ acts_NCD: acts.subarray(4 * c * d), f_NK: f.subarray(4) });
    parts.result()[0]!.betas.forEach((b, m) => expect(b).toBeCloseTo(whole[0]!.betas[m]!, 10));
    // A bias b along d̂ shifts β by ⟨d̂, b⟩·Σf/Σf².
    const bias = Float32Array.from([1, 1, 0, 0, 0, 0]);
    const unbiased = fitLatentScaling(
      spec,
      { acts_NCD: acts, f_NK: f },
      { nCheckpoints: c, dModel: d, bias_CD: bias },
    );
    const sumF = f.reduce((a, x) => a + x, 0);
    const sumF2 = f.reduce((a, x) => a + x * x, 0);
    expect(unbiased[0]!.betas[0]).toBeCloseTo(whole[0]!.betas[0]! - (Math.SQRT2 * sumF) / sumF2, 5);
    expect(unbiased[0]!.betas[1]).toBeCloseTo(whole[0]!.betas[1]!, 10);
  });
});

/**
 * N tokens, 2 checkpoints, d = 16. The concept u fires with f(x); checkpoint B's activations contain
 * f·u, checkpoint A's contain `strengthA`·f·u; noise 0.3 everywhere. The crosscoder put the feature's
 * decoder on B only (W_dec[A] = 0.01·u, category "emerged").
 */
function synthetic(strengthA: number, seed: number) {
  const random = new SeededRandom(seed);
  const [n, d] = [400, 16];
  const u = Float32Array.from({ length: d }, () => random.normal());
  const norm = Math.hypot(...u);
  u.forEach((x, j) => (u[j] = x / norm));
  const f = Float32Array.from({ length: n }, () => (random.next() < 0.3 ? 1 + random.next() : 0));
  const acts = new Float32Array(n * 2 * d);
  const recon = new Float32Array(n * 2 * d);
  const dec = new Float32Array(2 * d);
  for (let j = 0; j < d; j++) {
    dec[j] = 0.01 * u[j]!;
    dec[d + j] = u[j]!;
  }
  for (let t = 0; t < n; t++) {
    for (let j = 0; j < d; j++) {
      acts[(t * 2 + 0) * d + j] = strengthA * f[t]! * u[j]! + 0.3 * random.normal();
      acts[(t * 2 + 1) * d + j] = f[t]! * u[j]! + 0.3 * random.normal();
      // The crosscoder's reconstruction from this feature alone: f·W_dec[c].
      recon[(t * 2 + 0) * d + j] = f[t]! * dec[j]!;
      recon[(t * 2 + 1) * d + j] = f[t]! * dec[d + j]!;
    }
  }
  return { batch: { acts_NCD: acts, f_NK: f, recon_NCD: recon }, dec, d, u, f };
}

describe('exclusivity artifacts on synthetic data', () => {
  for (const target of ['activation', 'error'] as const) {
    it(`${target}: a shared concept the crosscoder shrank to zero at A is flagged; a truly exclusive one is not`, () => {
      const shared = synthetic(1, 1);
      const [flagged] = fitLatentScaling(
        [{ feature: 0, dec_CD: shared.dec, category: 'emerged' }],
        shared.batch,
        {
          nCheckpoints: 2,
          dModel: shared.d,
          target,
        },
      );
      expect(flagged!.reference).toBe(1);
      expect(flagged!.claimedAbsent).toEqual([true, false]);
      expect(flagged!.ratio).toBeGreaterThan(0.85);
      expect(flagged!.ratio).toBeLessThan(1.15);
      expect(flagged!.exclusivityArtifact).toBe(true);

      const exclusive = synthetic(0, 2);
      const [clean] = fitLatentScaling(
        [{ feature: 0, dec_CD: exclusive.dec, category: 'emerged' }],
        exclusive.batch,
        {
          nCheckpoints: 2,
          dModel: exclusive.d,
          target,
        },
      );
      expect(Math.abs(clean!.ratio!)).toBeLessThan(0.1);
      expect(clean!.exclusivityArtifact).toBe(false);
    });
  }

  it('reconstruction target (latent decoupling): another feature carries the concept at A', () => {
    const run = (isCarried: boolean) => {
      const s = synthetic(1, 5);
      const recon = Float32Array.from(s.batch.recon_NCD);
      const n = s.f.length;
      for (let t = 0; t < n; t++) {
        for (let j = 0; j < s.d; j++) recon[t * 2 * s.d + j] = isCarried ? s.f[t]! * s.u[j]! : 0;
      }
      return fitLatentScaling(
        [{ feature: 0, dec_CD: s.dec, category: 'emerged' }],
        { ...s.batch, recon_NCD: recon },
        {
          nCheckpoints: 2,
          dModel: s.d,
          target: 'reconstruction',
        },
      )[0]!;
    };
    expect(run(true).ratio).toBeCloseTo(1, 5);
    expect(run(true).exclusivityArtifact).toBe(true);
    expect(run(false).ratio).toBe(0);
    expect(run(false).exclusivityArtifact).toBe(false);
  });

  it('the default threshold is t_low/(1 − t_low) = 3/7, and a custom one applies', () => {
    expect(defaultRatioThreshold).toBeCloseTo(3 / 7, 12);
    const s = synthetic(0.5, 6); // half as strong at A: ratio ≈ 0.5
    const fit = (ratioThreshold?: number) =>
      fitLatentScaling([{ feature: 0, dec_CD: s.dec, bucket: 'B' }], s.batch, {
        nCheckpoints: 2,
        dModel: s.d,
        ratioThreshold,
      })[0]!;
    expect(fit().ratio).toBeGreaterThan(0.43);
    expect(fit().exclusivityArtifact).toBe(true);
    expect(fit(0.8).exclusivityArtifact).toBe(false);
  });
});

describe('undefined and refused', () => {
  it('a feature that never fires has no β, ratio or flag', () => {
    const [r] = fitLatentScaling(
      [{ feature: 1, dec_CD: Float32Array.from([0, 0, 1, 0]), category: 'emerged' }],
      { acts_NCD: new Float32Array(8).fill(1), f_NK: new Float32Array(2) },
      { nCheckpoints: 2, dModel: 2 },
    );
    expect(r).toMatchObject({
      betas: [null, null],
      ratios: [null, null],
      ratio: null,
      exclusivityArtifact: null,
      activeTokens: 0,
    });
  });

  it('3 checkpoints: a discontinued feature claims only C absent; the home checkpoint is among A, B', () => {
    const dec = Float32Array.from([1, 0, 2, 0, 5, 0]); // C has the largest norm, but the category says it lacks C
    const acts = Float32Array.from([1, 0, 1, 0, 1, 0]);
    const [r] = fitLatentScaling(
      [{ feature: 0, dec_CD: dec, category: 'discontinued' }],
      { acts_NCD: acts, f_NK: Float32Array.of(1) },
      { nCheckpoints: 3, dModel: 2 },
    );
    expect(r!.claimedAbsent).toEqual([false, false, true]);
    expect(r!.reference).toBe(1);
    expect(r!.ratio).toBe(1);
  });

  it('refuses wrong shapes and a missing reconstruction', () => {
    const spec = [{ feature: 0, dec_CD: new Float32Array(4) }];
    const options = { nCheckpoints: 2, dModel: 2 };
    expect(() =>
      fitLatentScaling(
        [{ feature: 0, dec_CD: new Float32Array(3) }],
        { acts_NCD: new Float32Array(4), f_NK: new Float32Array(1) },
        options,
      ),
    ).toThrow(/not \[2, 2\]/);
    expect(() =>
      fitLatentScaling(spec, { acts_NCD: new Float32Array(5), f_NK: new Float32Array(1) }, options),
    ).toThrow(/not \[N, 2, 2\]/);
    expect(() =>
      fitLatentScaling(spec, { acts_NCD: new Float32Array(4), f_NK: new Float32Array(2) }, options),
    ).toThrow(/expected \[1, 1\]/);
    expect(() =>
      fitLatentScaling(
        spec,
        { acts_NCD: new Float32Array(4), f_NK: new Float32Array(1) },
        { ...options, target: 'error' },
      ),
    ).toThrow(/needs the reconstruction/);
    expect(() => new LatentScaling(spec, { ...options, bias_CD: new Float32Array(3) })).toThrow(/bias/);
  });
});
