import {
  dotBlock,
  matchBySimilarity,
  type MatchOptions,
  type MatchResult,
  type SimilaritySource,
} from './matching';

// Matching the features of two crosscoder runs by their per-checkpoint decoder directions (issue 12:
// reordered checkpoints and seeds). Legend: F = features, C = checkpoints, D = dModel.
//
// Score of a feature pair (a of run A, b of run B), with checkpoints "present" where the decoder norm is
// at least `absentBelow` × the feature's largest decoder norm:
//   S(a, b) = Σ_{c ∈ P_a ∩ P_b} cos(W_dec^A[a,c], W_dec^B[b,π(c)]) / |P_a ∪ P_b|
// i.e. the mean over the checkpoints where either feature is present of the per-checkpoint cosine, with 0
// where only one of them is present, and checkpoints where both are ~0 skipped. π maps A's checkpoint c
// to the same checkpoint in B's order (the "un-permuted" comparison of a reordered run). A feature with
// no decoder at all (P empty) scores 0 against everything and is never matched. S ∈ [−1, 1] and S = 1
// only for identical presence and identical directions. Why this and not the cosine of the concatenated
// decoders: the concatenation weights checkpoints by decoder norm, so a feature whose norm moved between
// checkpoints (the thing lifecycle categories measure) would still match on its dominant checkpoint alone.

/** Default share of the feature's largest decoder norm below which a checkpoint counts as absent. */
export const defaultAbsentBelow = 0.1;

/**
 * π: for each checkpoint of A (by position), its position in B. Refuses different checkpoint sets.
 * Example: A = [s100, s400, s1600], B = [s1600, s100, s400] → [1, 2, 0].
 */
export function checkpointMap(aCheckpoints: readonly string[], bCheckpoints: readonly string[]): number[] {
  const sameSet =
    aCheckpoints.length === bCheckpoints.length &&
    new Set(aCheckpoints).size === aCheckpoints.length &&
    aCheckpoints.every((c) => bCheckpoints.includes(c));
  if (!sameSet) {
    throw new Error(
      `runs differ in checkpoints: [${aCheckpoints.join(', ')}] vs [${bCheckpoints.join(', ')}]`,
    );
  }
  return aCheckpoints.map((c) => bCheckpoints.indexOf(c));
}

/** Per-checkpoint values of run B put into A's checkpoint order: out[c] = valuesB[π(c)]. */
export function toOrderOf<T>(valuesB: readonly T[], map: readonly number[]): T[] {
  if (valuesB.length !== map.length)
    throw new Error(`${valuesB.length} values for ${map.length} checkpoints`);
  return map.map((j) => valuesB[j]!);
}

/**
 * Unit decoder directions per checkpoint, concatenated [F, C·D] in the order `order` (order[c] = the
 * position in W_dec of the checkpoint to put at c), zeroed where absent; and the presence bitmask.
 */
export function presentUnitDecoders(
  wDec_FCD: Float32Array,
  c: number,
  d: number,
  order: readonly number[] = Array.from({ length: c }, (_, i) => i),
  absentBelow = defaultAbsentBelow,
): { unit_FK: Float32Array; mask_F: Uint8Array } {
  if (wDec_FCD.length % (c * d) !== 0)
    throw new Error(`W_dec of ${wDec_FCD.length} values is not [F, ${c}, ${d}]`);
  if (c > 8) throw new Error('at most 8 checkpoints');
  const f = wDec_FCD.length / (c * d);
  const unit_FK = new Float32Array(f * c * d);
  const mask_F = new Uint8Array(f);
  const norms = new Float64Array(c);
  for (let i = 0; i < f; i++) {
    for (let k = 0; k < c; k++) {
      let s = 0;
      const o = (i * c + order[k]!) * d;
      for (let j = 0; j < d; j++) s += wDec_FCD[o + j]! ** 2;
      norms[k] = Math.sqrt(s);
    }
    const max = Math.max(...norms);
    for (let k = 0; k < c; k++) {
      if (!(max > 0) || norms[k]! < absentBelow * max) continue;
      mask_F[i]! |= 1 << k;
      const from = (i * c + order[k]!) * d;
      const to = (i * c + k) * d;
      for (let j = 0; j < d; j++) unit_FK[to + j] = wDec_FCD[from + j]! / norms[k]!;
    }
  }
  return { unit_FK, mask_F };
}

const popcount = (x: number): number => {
  let n = 0;
  for (let y = x; y; y &= y - 1) n++;
  return n;
};

/** S(a, b) of the header for two runs' W_dec [F_A, C, D] and [F_B, C, D]. */
export function crosscoderSimilarity(
  wDecA_FCD: Float32Array,
  wDecB_FCD: Float32Array,
  shape: { nCheckpoints: number; dModel: number; map?: readonly number[]; absentBelow?: number },
): SimilaritySource {
  const { nCheckpoints: c, dModel: d } = shape;
  const a = presentUnitDecoders(wDecA_FCD, c, d, undefined, shape.absentBelow);
  const b = presentUnitDecoders(wDecB_FCD, c, d, shape.map, shape.absentBelow);
  const cols = b.mask_F.length;
  return {
    rows: a.mask_F.length,
    cols,
    fill(start, end, out) {
      dotBlock(a.unit_FK, b.unit_FK, c * d, start, end, out);
      for (let i = start; i < end; i++) {
        for (let j = 0; j < cols; j++) {
          const union = popcount(a.mask_F[i]! | b.mask_F[j]!);
          const o = (i - start) * cols + j;
          out[o] = union === 0 ? 0 : out[o]! / union;
        }
      }
    },
  };
}

/** A run for decoder matching: W_dec [F, C, D] and its checkpoint names in W_dec's order. */
export interface DecoderRun {
  wDec_FCD: Float32Array;
  checkpoints: readonly string[];
  dModel: number;
}

/** Optimal one-to-one matching of two runs' features on S (run B un-permuted into A's order). */
export function matchCrosscoders(
  a: DecoderRun,
  b: DecoderRun,
  options: MatchOptions & { absentBelow?: number } = {},
): MatchResult & { map: number[] } {
  if (a.dModel !== b.dModel) throw new Error(`runs differ in d: ${a.dModel} vs ${b.dModel}`);
  const map = checkpointMap(a.checkpoints, b.checkpoints);
  const src = crosscoderSimilarity(a.wDec_FCD, b.wDec_FCD, {
    nCheckpoints: a.checkpoints.length,
    dModel: a.dModel,
    map,
    absentBelow: options.absentBelow,
  });
  return { ...matchBySimilarity(src, options), map };
}
