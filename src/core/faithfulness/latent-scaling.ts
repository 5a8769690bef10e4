import { defaultThresholds, type Bucket, type LifecycleCategoryName } from '../../shared/lifecycle';
import { defaultAbsentBelow } from './decoder-matching';
import { claimedAbsent, presenceOfBucket, presencePatterns } from './presence';

// Latent Scaling (J. Minder, C. Dumas, C. Juang, B. Chughtai, N. Nanda, "Overcoming Sparsity Artifacts
// in Crosscoders to Interpret Chat-Tuning", arXiv 2504.02922; released code
// science-of-finetuning/sparsity-artifacts-crosscoders, tools/latent_scaler/closed_form.py and
// scripts/compute_scalers.py). An L1 crosscoder can shrink a feature's decoder to ~0 in a checkpoint
// that does contain it ("complete shrinkage") or let other features carry it there ("latent
// decoupling"); the feature then looks exclusive. Legend: N = tokens, C = checkpoints, D = dModel,
// K = features checked.
//
// For feature j with activations f(x), take one direction d̂ = W_dec[j,h] / ‖W_dec[j,h]‖ from its home
// checkpoint h (the largest decoder norm among the checkpoints its category says it is present in) and
// fit, for every checkpoint c, the scalar minimising Σ_x ‖β_c f(x) d̂ − y_c(x)‖²:
//   β_c = Σ_x f(x) ⟨d̂, y_c(x)⟩ / Σ_x f(x)²        (closed form; only tokens with f > 0 contribute)
// The same d̂ is used in every checkpoint, as in the released code (which uses the chat decoder for the
// base model too). Targets y_c (`target`):
//   'activation'      y = x_c (minus b_dec[c] when `bias_CD` is given): everything along d̂;
//   'error'           y = x_c − x̂_c + f(x) W_dec[j,c]: the reconstruction error with the feature's own
//                     contribution put back (ν_ε of the paper: complete shrinkage);
//   'reconstruction'  y = x̂_c, the crosscoder's whole reconstruction (ν_r: latent decoupling).
// Ratios ν_c = β_c / β_h. A feature that claims to be absent at c (in every pattern its category
// admits) is flagged `exclusivityArtifact` when ν_c ≥ `ratioThreshold`. Default 3/7 ≈ 0.43 =
// t_low / (1 − t_low) with the lifecycle threshold t_low = 0.3: for two checkpoints, a share
// ν/(1 + ν) ≥ t_low is exactly what would have put the feature in "maintained" instead of an exclusive
// category. (The released closed_form.py, compute_scalers.py and latent_scaler/plot.py fix no cutoff;
// they plot histograms of ν.) β is in the units of the activations given (use the crosscoder's
// normalised inputs); ratios do not depend on ‖d‖.

export type ScalingTarget = 'activation' | 'error' | 'reconstruction';

export const defaultRatioThreshold = defaultThresholds.low / (1 - defaultThresholds.low);

export interface ScaledFeature {
  feature: number;
  /** W_dec[feature] as [C, D]. */
  dec_CD: Float32Array;
  /** Claimed presence comes from the bucket when given, else the category, else decoder norms. */
  category?: LifecycleCategoryName;
  bucket?: Bucket | null;
}

export interface ScalingBatch {
  /** Activations [N, C, D] in the crosscoder's input space. */
  acts_NCD: Float32Array;
  /** The checked features' activations [N, K], in the order of the features. */
  f_NK: Float32Array;
  /** The crosscoder's reconstruction x̂ [N, C, D]; needed by the 'error' and 'reconstruction' targets. */
  recon_NCD?: Float32Array;
}

export interface LatentScalingOptions {
  nCheckpoints: number;
  dModel: number;
  target?: ScalingTarget;
  ratioThreshold?: number;
  absentBelow?: number;
  /** b_dec [C, D], subtracted from the 'activation' target. */
  bias_CD?: Float32Array;
}

export interface LatentScalingResult {
  feature: number;
  target: ScalingTarget;
  /** The home checkpoint h whose decoder direction d̂ is fitted everywhere. */
  reference: number;
  /** β per checkpoint; null when the feature never fired on the tokens given. */
  betas: (number | null)[];
  /** β_c / β_h; null when β_h ≤ 0 or undefined. */
  ratios: (number | null)[];
  /** Checkpoints the feature claims to lack. */
  claimedAbsent: boolean[];
  /** Largest ratio over the claimed-absent checkpoints; null when none or undefined. */
  ratio: number | null;
  /** null when nothing is claimed absent (a shared feature) or the ratio is undefined. */
  exclusivityArtifact: boolean | null;
  /** Tokens with f > 0. */
  activeTokens: number;
}

interface FeatureState {
  spec: ScaledFeature;
  reference: number;
  absent: boolean[];
  unit_D: Float64Array;
  /** ⟨d̂, W_dec[j,c]⟩ per checkpoint, for the 'error' target. */
  ownProjection: number[];
  numerator: Float64Array;
  sumSquares: number;
  activeTokens: number;
}

/** Accumulates β over batches of tokens (host arrays only; nothing to dispose). */
export class LatentScaling {
  private readonly states: FeatureState[];
  readonly target: ScalingTarget;

  constructor(
    features: readonly ScaledFeature[],
    private readonly options: LatentScalingOptions,
  ) {
    const { nCheckpoints: c, dModel: d } = options;
    this.target = options.target ?? 'activation';
    if (options.bias_CD && options.bias_CD.length !== c * d) throw new Error(`bias is not [${c}, ${d}]`);
    this.states = features.map((spec) => {
      if (spec.dec_CD.length !== c * d)
        throw new Error(`feature ${spec.feature}: decoder is not [${c}, ${d}]`);
      const norms = Array.from({ length: c }, (_, m) =>
        Math.hypot(...spec.dec_CD.subarray(m * d, (m + 1) * d)),
      );
      const absent = claimedAbsentOf(spec, norms, options.absentBelow ?? defaultAbsentBelow);
      const candidates = norms.map((n, m) => (absent[m] ? -1 : n));
      const reference = candidates.indexOf(Math.max(...candidates));
      const home = norms[reference]!;
      const unit_D = Float64Array.from(spec.dec_CD.subarray(reference * d, (reference + 1) * d), (x) =>
        home > 0 ? x / home : 0,
      );
      const ownProjection = Array.from({ length: c }, (_, m) => dot(unit_D, spec.dec_CD, m * d));
      return {
        spec,
        reference,
        absent,
        unit_D,
        ownProjection,
        numerator: new Float64Array(c),
        sumSquares: 0,
        activeTokens: 0,
      };
    });
  }

  add(batch: ScalingBatch): void {
    const { nCheckpoints: c, dModel: d } = this.options;
    const k = this.states.length;
    const n = batch.acts_NCD.length / (c * d);
    if (!Number.isInteger(n))
      throw new Error(`activations of ${batch.acts_NCD.length} values are not [N, ${c}, ${d}]`);
    if (batch.f_NK.length !== n * k)
      throw new Error(`feature activations have ${batch.f_NK.length} values, expected [${n}, ${k}]`);
    const recon = batch.recon_NCD;
    if (this.target !== 'activation' && (!recon || recon.length !== batch.acts_NCD.length)) {
      throw new Error(`the '${this.target}' target needs the reconstruction x̂ [N, ${c}, ${d}]`);
    }
    const bias = this.options.bias_CD;
    for (let t = 0; t < n; t++) {
      this.states.forEach((s, j) => {
        const f = batch.f_NK[t * k + j]!;
        if (f === 0) return;
        s.sumSquares += f * f;
        s.activeTokens++;
        for (let m = 0; m < c; m++) {
          const o = (t * c + m) * d;
          let y: number;
          if (this.target === 'activation')
            y = dot(s.unit_D, batch.acts_NCD, o) - (bias ? dot(s.unit_D, bias, m * d) : 0);
          else if (this.target === 'reconstruction') y = dot(s.unit_D, recon!, o);
          else y = dot(s.unit_D, batch.acts_NCD, o) - dot(s.unit_D, recon!, o) + f * s.ownProjection[m]!;
          s.numerator[m]! += f * y;
        }
      });
    }
  }

  result(): LatentScalingResult[] {
    const threshold = this.options.ratioThreshold ?? defaultRatioThreshold;
    return this.states.map((s) => {
      const betas = Array.from(s.numerator, (x) => (s.sumSquares > 0 ? x / s.sumSquares : null));
      const home = betas[s.reference];
      const ratios = betas.map((b) =>
        b === null || home === null || home === undefined || !(home > 0) ? null : b / home,
      );
      const absentRatios = ratios.filter((_, m) => s.absent[m]);
      const ratio =
        absentRatios.length === 0 || absentRatios.some((r) => r === null)
          ? null
          : Math.max(...(absentRatios as number[]));
      return {
        feature: s.spec.feature,
        target: this.target,
        reference: s.reference,
        betas,
        ratios,
        claimedAbsent: s.absent,
        ratio,
        exclusivityArtifact: ratio === null ? null : ratio >= threshold,
        activeTokens: s.activeTokens,
      };
    });
  }
}

/** One batch in, results out. */
export function fitLatentScaling(
  features: readonly ScaledFeature[],
  batch: ScalingBatch,
  options: LatentScalingOptions,
): LatentScalingResult[] {
  const scaling = new LatentScaling(features, options);
  scaling.add(batch);
  return scaling.result();
}

function claimedAbsentOf(spec: ScaledFeature, norms: readonly number[], absentBelow: number): boolean[] {
  const c = norms.length;
  if (spec.bucket !== undefined && spec.bucket !== null && (c === 2 || c === 3)) {
    const exact = presenceOfBucket(spec.bucket, c);
    return exact ? exact.map((p) => !p) : new Array<boolean>(c).fill(false);
  }
  if (spec.category !== undefined && (c === 2 || c === 3))
    return claimedAbsent(presencePatterns(spec.category, c), c);
  const max = Math.max(...norms);
  return norms.map((n) => max > 0 && n < absentBelow * max);
}

function dot(unit: Float64Array, x: Float32Array, offset: number): number {
  let s = 0;
  for (let j = 0; j < unit.length; j++) s += unit[j]! * x[offset + j]!;
  return s;
}
