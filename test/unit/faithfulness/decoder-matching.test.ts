import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  checkpointMap,
  crosscoderSimilarity,
  matchCrosscoders,
  presentUnitDecoders,
  toOrderOf,
} from '../../../src/core/faithfulness/decoder-matching';
import { matchBySimilarity } from '../../../src/core/faithfulness/matching';
import { SeededRandom } from '../../../src/core/random';
import { randomMatrix } from './helpers';

interface CrosscoderCase {
  fA: number;
  fB: number;
  c: number;
  d: number;
  map: number[];
  wA: number[];
  wB: number[];
  similarity: number[];
  optimum: number;
}
const reference = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'faithfulness-reference.json'), 'utf8'),
) as { crosscoder: CrosscoderCase[] };

describe('checkpoint order', () => {
  it('maps A’s checkpoints to their positions in B, and puts B’s values back in A’s order', () => {
    const map = checkpointMap(['s100', 's400', 's1600'], ['s1600', 's100', 's400']);
    expect(map).toEqual([1, 2, 0]);
    expect(toOrderOf(['ie@1600', 'ie@100', 'ie@400'], map)).toEqual(['ie@100', 'ie@400', 'ie@1600']);
    expect(checkpointMap(['a', 'b'], ['a', 'b'])).toEqual([0, 1]);
  });

  it('refuses different checkpoint sets, naming both', () => {
    expect(() => checkpointMap(['s100', 's400'], ['s100', 's800'])).toThrow(
      'runs differ in checkpoints: [s100, s400] vs [s100, s800]',
    );
    expect(() => checkpointMap(['a', 'b'], ['a', 'b', 'c'])).toThrow(/differ in checkpoints/);
    expect(() => checkpointMap(['a', 'a'], ['a', 'b'])).toThrow(/differ in checkpoints/);
    expect(() => toOrderOf([1, 2, 3], [0, 1])).toThrow(/3 values for 2 checkpoints/);
  });
});

describe('decoder score S(a, b)', () => {
  it('equals the numpy loops (absent checkpoints, a dead feature, permuted checkpoints) and its optimum', () => {
    for (const c of reference.crosscoder) {
      const src = crosscoderSimilarity(Float32Array.from(c.wA), Float32Array.from(c.wB), {
        nCheckpoints: c.c,
        dModel: c.d,
        map: c.map,
      });
      const s = new Float32Array(c.fA * c.fB);
      src.fill(0, c.fA, s);
      s.forEach((x, i) => expect(x, `case ${c.fA}×${c.fB}, entry ${i}`).toBeCloseTo(c.similarity[i]!, 5));
      // Feature 2 of A is dead: 0 against everything, never matched.
      expect(Array.from(s.subarray(2 * c.fB, 3 * c.fB)).every((x) => x === 0)).toBe(true);
      const r = matchBySimilarity(src);
      expect(r.totalSimilarity).toBeCloseTo(c.optimum, 5);
      expect(r.pairs.some((p) => p.row === 2)).toBe(false);
    }
  });

  it('by hand: same direction everywhere → 1; present only where the other is → ½; skip where both are absent', () => {
    const d = 2;
    // Feature 0: [e1, e1]; feature 1: [e1, 0]; feature 2: [0, e2]; all vs B's feature [e1, e1] / [e1, 0].
    const wA = Float32Array.from([1, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 3]);
    const wB = Float32Array.from([2, 0, 2, 0, 5, 0, 0, 0]);
    const src = crosscoderSimilarity(wA, wB, { nCheckpoints: 2, dModel: d });
    const s = new Float32Array(3 * 2);
    src.fill(0, 3, s);
    expect(Array.from(s)).toEqual([1, 0.5, 0.5, 1, 0, 0]);
    const { mask_F } = presentUnitDecoders(wA, 2, d);
    expect(Array.from(mask_F)).toEqual([0b11, 0b01, 0b10]);
  });

  it('absentBelow decides presence relative to the feature’s largest decoder norm', () => {
    const w = Float32Array.from([1, 0, 0.05, 0]); // one feature, norms 1 and 0.05
    expect(presentUnitDecoders(w, 2, 2).mask_F[0]).toBe(0b01);
    expect(presentUnitDecoders(w, 2, 2, [0, 1], 0.01).mask_F[0]).toBe(0b11);
    expect(() => presentUnitDecoders(new Float32Array(5), 2, 2)).toThrow(/not \[F, 2, 2\]/);
  });
});

describe('matchCrosscoders on a simulated reordered run', () => {
  it('recovers the feature permutation through the checkpoint permutation', () => {
    const random = new SeededRandom(9);
    const [f, c, d] = [30, 3, 12];
    const wA = randomMatrix(random, f * c, d);
    for (let i = 0; i < 10; i++) wA.fill(0, i * c * d, (i * c + 1) * d); // 10 features absent at A's first checkpoint
    const featurePerm = Array.from({ length: f }, (_, i) => (i * 7) % f);
    const bOrder = [2, 0, 1]; // B stores A's checkpoint k at position bOrder[k]
    const wB = new Float32Array(wA.length);
    for (let i = 0; i < f; i++) {
      for (let k = 0; k < c; k++) {
        for (let t = 0; t < d; t++) {
          wB[(featurePerm[i]! * c + bOrder[k]!) * d + t] =
            wA[(i * c + k) * d + t]! * 1.5 + 0.02 * random.normal();
        }
      }
    }
    const names = ['s100', 's400', 's1600'];
    const bNames = names.map((_, pos) => names[bOrder.indexOf(pos)]!);
    const r = matchCrosscoders(
      { wDec_FCD: wA, checkpoints: names, dModel: d },
      { wDec_FCD: wB, checkpoints: bNames, dModel: d },
    );
    expect(r.map).toEqual(bOrder);
    expect(r.pairs.map((p) => p.col)).toEqual(featurePerm);
    expect(r.shareMatched).toBe(1);
    // Without un-permuting (pretending B has A's order) the same features no longer match.
    const naive = matchCrosscoders(
      { wDec_FCD: wA, checkpoints: names, dModel: d },
      { wDec_FCD: wB, checkpoints: names, dModel: d },
    );
    expect(naive.shareMatched).toBeLessThan(0.2);
  });

  it('refuses runs of different d', () => {
    const run = { wDec_FCD: new Float32Array(8), checkpoints: ['a', 'b'], dModel: 2 };
    expect(() => matchCrosscoders(run, { ...run, dModel: 4 })).toThrow('runs differ in d: 2 vs 4');
  });
});
