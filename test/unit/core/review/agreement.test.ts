import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  annotatorSummaries,
  icc21,
  krippendorffAlpha,
  type Rating,
  type RatingMatrix,
  unitDisagreement,
  unitsByDisagreement,
} from '../../../../src/core/review/agreement';

const N = null;
/** Coders as columns: zip the observers' rows of a published table into units × coders. */
const byUnit = (...coders: Rating[][]): Rating[][] => coders[0]!.map((_, u) => coders.map((c) => c[u]!));

// Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability" §C: 4 observers × 12 units with
// missing values (unit 12 has a single value and is not pairable).
const krippendorff2011 = byUnit(
  [1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
  [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N],
);

// Shrout & Fleiss (1979), Table 2: 6 targets × 4 judges.
const shroutFleiss = [
  [9, 2, 5, 8],
  [6, 1, 3, 2],
  [8, 4, 6, 8],
  [7, 1, 2, 6],
  [10, 5, 6, 9],
  [6, 2, 4, 7],
];

describe("Krippendorff's alpha against published examples", () => {
  it('4 coders × 12 units with missing data: nominal 0.743, interval 0.849 (Krippendorff 2011 §C)', () => {
    const nominal = krippendorffAlpha(krippendorff2011, 'nominal');
    const interval = krippendorffAlpha(krippendorff2011, 'interval');
    expect(nominal.value).toBeCloseTo(0.743, 3);
    expect(interval.value).toBeCloseTo(0.849, 3);
    // n = 40 pairable values in 11 units (unit 12 dropped), as in the paper's coincidence matrix.
    expect(nominal).toMatchObject({ pairableUnits: 11, pairableValues: 40 });
  });

  it('2 coders × 10 units, binary, no missing data: nominal 0.095 (Krippendorff 2011 §A)', () => {
    const mary = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0];
    const dave = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0];
    const result = krippendorffAlpha(byUnit(mary, dave), 'nominal');
    expect(result.value).toBeCloseTo(0.095, 3);
    // Exact: 1 − (n − 1) o_01+o_10 / (2 n_0 n_1) = 1 − 19·8 / (2·14·6) = 2/21.
    expect(result.value).toBeCloseTo(2 / 21, 12);
  });

  it('3 coders × 15 units (Wikipedia, "Krippendorff\'s alpha", computational example): 0.691, 0.811', () => {
    const m = byUnit(
      [N, N, N, N, N, 3, 4, 1, 2, 1, 1, 3, 3, N, 3],
      [1, N, 2, 1, 3, 3, 4, 3, N, N, N, N, N, N, N],
      [N, N, 2, 1, 3, 4, 4, N, 2, 1, 1, 3, 3, N, 4],
    );
    expect(krippendorffAlpha(m, 'nominal').value).toBeCloseTo(0.691, 3);
    expect(krippendorffAlpha(m, 'interval').value).toBeCloseTo(0.811, 3);
  });

  it('treats nominal values as categories (strings work as well as numbers)', () => {
    const asText = krippendorff2011.map((row) => row.map((v) => (v === null ? null : `c${v}`)));
    expect(krippendorffAlpha(asText, 'nominal').value).toBeCloseTo(0.743, 3);
  });
});

describe('undefined statistics are null with a reason, never NaN', () => {
  it('alpha: nothing pairable, or no variation', () => {
    const unpairable = krippendorffAlpha(
      [
        [1, N],
        [N, 2],
      ],
      'interval',
    );
    expect(unpairable.value).toBeNull();
    expect(unpairable).toHaveProperty('reason', expect.stringMatching(/2 or more/));
    expect(krippendorffAlpha([], 'nominal').value).toBeNull();
    const constant = krippendorffAlpha(
      [
        ['a', 'a'],
        ['a', N],
        ['a', 'a'],
      ],
      'nominal',
    );
    expect(constant).toHaveProperty('reason', expect.stringMatching(/same/));
  });

  it('ICC: fewer than 2 complete rows, 1 coder, zero variance, or the 0/0 of n = k = 2', () => {
    expect(
      icc21([
        [1, 2],
        [3, N],
      ]).value,
    ).toBeNull();
    expect(icc21([[1], [2], [3]]).value).toBeNull();
    expect(
      icc21([
        [4, 4],
        [4, 4],
        [4, 4],
      ]).value,
    ).toBeNull();
    // Row and column means all 0.5: BMS = JMS = 0 and the denominator EMS(k − 1 − k/n) = 0.
    expect(
      icc21([
        [0, 1],
        [1, 0],
      ]).value,
    ).toBeNull();
  });

  it('bias, spread and unit disagreement', () => {
    const [a, b] = annotatorSummaries([
      [1, N],
      [N, 2],
    ]);
    expect(a!.bias.value).toBeNull();
    expect(a!.spread.value).toBeNull();
    expect(b!.rated).toBe(1);
    expect(unitDisagreement([1, N, N], 'interval')).toBeNull();
  });

  it('malformed input throws (ragged rows, non-numbers on an interval scale)', () => {
    expect(() => krippendorffAlpha([[1, 2], [3]], 'nominal')).toThrow(/unit 1 has 1/);
    expect(() => krippendorffAlpha([['x', 1]], 'interval')).toThrow(/finite number/);
    expect(() => icc21([[1, Number.NaN]])).toThrow(/finite/);
  });
});

describe('ICC(2,1)', () => {
  it('Shrout & Fleiss (1979) Table 2: ICC(2,1) = .29, with their mean squares BMS 11.24, JMS 32.49, EMS 1.02', () => {
    const result = icc21(shroutFleiss);
    expect(result.value).toBeCloseTo(0.29, 2);
    expect(result).toMatchObject({ units: 6, raters: 4 });
    if (result.value === null) throw new Error(result.reason);
    expect(result.bms).toBeCloseTo(11.24, 2);
    expect(result.jms).toBeCloseTo(32.49, 2);
    expect(result.ems).toBeCloseTo(1.02, 2);
  });

  it('uses only the units every annotator rated', () => {
    const withGaps = [...shroutFleiss, [1, N, 3, 4], [N, N, N, 9]];
    expect(icc21(withGaps).value).toBe(icc21(shroutFleiss).value);
  });
});

describe('bias, spread, disagreement by hand', () => {
  it('bias is the mean difference from the others on shared units; spread is the sample SD', () => {
    // Coder 0 rates +1 above coder 1 everywhere; coder 2 only rates unit 2.
    const m = [
      [3, 2, N],
      [5, 4, N],
      [1, 0, 0],
    ];
    const [c0, c1, c2] = annotatorSummaries(m);
    // Unit 2: coder 0 vs mean(0, 0) = +1 → bias 1 on 3 shared units.
    expect(c0!.bias).toEqual({ value: 1, sharedUnits: 3 });
    // Coder 1: −1, −1, 0 − mean(1, 0) = −0.5 → −2.5/3.
    expect(c1!.bias.value).toBeCloseTo(-2.5 / 3, 12);
    expect(c2!.bias.value).toBeCloseTo(-0.5, 12);
    expect(c0!.spread.value).toBeCloseTo(2, 12); // SD of 3, 5, 1 (divisor 2)
    expect(c2!.spread.value).toBeNull();
  });

  it('sorts units largest disagreement first, unpairable last', () => {
    const nominal: RatingMatrix = [
      ['a', 'a', 'a'],
      ['a', 'b', 'c'],
      ['a', N, N],
      ['a', 'b', 'b'],
    ];
    expect(unitDisagreement(nominal[1]!, 'nominal')).toBeCloseTo(2 / 3, 12);
    expect(unitsByDisagreement(nominal, 'nominal').map((u) => u.unit)).toEqual([1, 3, 0, 2]);
    const interval: RatingMatrix = [
      [0.5, 0.5],
      [0, 1],
      [N, 1],
      [0.2, 0.4],
    ];
    expect(unitsByDisagreement(interval, 'interval')).toEqual([
      { unit: 1, score: Math.SQRT1_2 },
      { unit: 3, score: expect.closeTo(0.2 * Math.SQRT1_2, 12) },
      { unit: 0, score: 0 },
      { unit: 2, score: null },
    ]);
  });
});

interface ReferenceCase {
  kind: string;
  matrix: (number | null)[][];
  alphaNominal: number | null;
  alphaInterval: number | null;
  icc21: number | null;
  coders: { bias: number | null; spread: number | null }[];
  unitNominal: (number | null)[];
  unitInterval: (number | null)[];
}

const fixture = JSON.parse(
  readFileSync(join(import.meta.dirname, 'fixtures', 'agreement-reference.json'), 'utf8'),
) as { cases: ReferenceCase[] };

const expectClose = (actual: number | null, expected: number | null): void => {
  if (expected === null) expect(actual).toBeNull();
  else expect(Math.abs(actual! - expected)).toBeLessThan(1e-9);
};

describe('parity with the numpy reference (scripts/golden/agreement_reference.py, coincidence matrix + ANOVA)', () => {
  it('has random cases with missing values and the undefined edge cases', () => {
    expect(fixture.cases.length).toBeGreaterThanOrEqual(20);
    expect(fixture.cases.some((c) => c.matrix.flat().includes(null))).toBe(true);
    expect(fixture.cases.some((c) => c.icc21 === null && c.alphaInterval === null)).toBe(true);
  });

  it.each(fixture.cases.map((c, i) => [i, c.kind, c] as const))('case %i (%s) to 1e-9', (_, __, c) => {
    expectClose(krippendorffAlpha(c.matrix, 'nominal').value, c.alphaNominal);
    expectClose(krippendorffAlpha(c.matrix, 'interval').value, c.alphaInterval);
    expectClose(icc21(c.matrix).value, c.icc21);
    annotatorSummaries(c.matrix).forEach((s, j) => {
      expectClose(s.bias.value, c.coders[j]!.bias);
      expectClose(s.spread.value, c.coders[j]!.spread);
    });
    c.matrix.forEach((row, u) => {
      expectClose(unitDisagreement(row, 'nominal'), c.unitNominal[u]!);
      expectClose(unitDisagreement(row, 'interval'), c.unitInterval[u]!);
    });
  });
});
