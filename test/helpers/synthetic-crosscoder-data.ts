import { SeededRandom } from '../../src/core/random';

/**
 * Activations from a known sparse dictionary over M checkpoints: features [0, only0) exist in
 * checkpoint 0 only, [only0, only0+only1) in checkpoint 1 only, the rest in both (with a different
 * unit direction per checkpoint). x_b = Σ_i s_bi · W_true[i] + noise, s_bi ≥ 0 sparse.
 */
export interface SyntheticDictionary {
  dModel: number;
  nCheckpoints: number;
  /** W_true [F,M,D], unit norm where a feature exists in a checkpoint, zero elsewhere. */
  directions: Float32Array;
  nFeatures: number;
  kind: ('only0' | 'only1' | 'shared')[];
}

export function makeDictionary(options: {
  dModel: number;
  only0: number;
  only1: number;
  shared: number;
  seed: number;
}): SyntheticDictionary {
  const random = new SeededRandom(options.seed);
  const m = 2;
  const d = options.dModel;
  const nFeatures = options.only0 + options.only1 + options.shared;
  const directions = new Float32Array(nFeatures * m * d);
  const kind: SyntheticDictionary['kind'] = [];
  for (let i = 0; i < nFeatures; i++) {
    const k = i < options.only0 ? 'only0' : i < options.only0 + options.only1 ? 'only1' : 'shared';
    kind.push(k);
    for (let c = 0; c < m; c++) {
      if ((k === 'only0' && c === 1) || (k === 'only1' && c === 0)) continue;
      let norm = 0;
      const base = (i * m + c) * d;
      for (let j = 0; j < d; j++) {
        const v = random.normal();
        directions[base + j] = v;
        norm += v * v;
      }
      for (let j = 0; j < d; j++) directions[base + j]! /= Math.sqrt(norm);
    }
  }
  return { dModel: d, nCheckpoints: m, directions, nFeatures, kind };
}

/** A batch [B·M·D] of activations; deterministic from `seed`. */
export function sampleBatch(
  dict: SyntheticDictionary,
  batch: number,
  seed: number,
  activeProbability = 0.05,
  noise = 0.01,
): Float32Array {
  const random = new SeededRandom(seed);
  const { dModel: d, nCheckpoints: m, nFeatures: f, directions } = dict;
  const x = new Float32Array(batch * m * d);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < f; i++) {
      if (random.next() >= activeProbability) continue;
      const s = 0.5 + random.next();
      for (let k = 0; k < m * d; k++) x[b * m * d + k]! += s * directions[i * m * d + k]!;
    }
    for (let k = 0; k < m * d; k++) x[b * m * d + k]! += noise * random.normal();
  }
  return x;
}
