import { describe, expect, it } from 'vitest';
import { cohenKappa } from '../../../src/core/faithfulness/agreement';
import { matchCrosscoders } from '../../../src/core/faithfulness/decoder-matching';
import { heldOutCheck } from '../../../src/core/faithfulness/held-out';
import { fitLatentScaling } from '../../../src/core/faithfulness/latent-scaling';
import {
  artifactEntry,
  checkComparable,
  faithfulnessReportSchema,
  matchSummary,
  saeSection,
  type FaithfulnessReport,
  type FaithfulnessRun,
} from '../../../src/core/faithfulness/report';
import { saeAgreement } from '../../../src/core/faithfulness/sae-agreement';

const base: FaithfulnessRun = {
  runId: 'pythia-1b-l8',
  model: 'EleutherAI/pythia-1b',
  layer: 8,
  dModel: 2048,
  nFeatures: 16384,
  checkpoints: ['step1000', 'step36000', 'step143000'],
  seed: 4352,
};

describe('checkComparable', () => {
  it('accepts a reordered run and returns the checkpoint map', () => {
    const reordered = { ...base, runId: 'reordered', checkpoints: ['step143000', 'step1000', 'step36000'] };
    expect(checkComparable(base, reordered)).toEqual({ checkpointMap: [1, 2, 0] });
    expect(checkComparable(base, { ...base, checkpoints: undefined })).toEqual({ checkpointMap: null });
  });

  it('refuses different models, layers, d, widths or checkpoint sets, naming the mismatch', () => {
    expect(() => checkComparable(base, { ...base, layer: 12 })).toThrow(/^runs differ in layer: 8 vs 12/);
    expect(() => checkComparable(base, { ...base, model: 'allenai/OLMo-1B-hf' })).toThrow(
      'runs differ in model: EleutherAI/pythia-1b vs allenai/OLMo-1B-hf',
    );
    expect(() => checkComparable(base, { ...base, dModel: 768 })).toThrow(/runs differ in d: 2048 vs 768/);
    expect(() => checkComparable(base, { ...base, nFeatures: 8192 })).toThrow(
      /runs differ in width: 16384 vs 8192/,
    );
    expect(() => checkComparable(base, { ...base, checkpoints: ['step1000', 'step36000'] })).toThrow(
      /runs differ in checkpoints/,
    );
  });
});

describe('heldOutCheck (Spearman of src/core/attribution/ablation.ts)', () => {
  it('3 checkpoints: every component, ties averaged; features with undefined values left out', () => {
    const r = heldOutCheck(
      [
        { feature: 1, relIE: [0.1, 0.2, 0.7], ablationShare: [0.05, 0.25, 0.7] },
        { feature: 2, relIE: [0.6, 0.3, 0.1], ablationShare: [0.5, 0.3, 0.2] },
        { feature: 3, relIE: null, ablationShare: [1, 0, 0] },
      ],
      3,
    );
    // By hand: RelIE ranks (1.5, 3, 6, 5, 4, 1.5), ablation ranks (1, 3, 6, 5, 4, 2);
    // centred products sum 17, squares 17 and 17.5 → ρ = 17 / √(17 · 17.5).
    expect(r.n).toBe(2);
    expect(r.values).toBe(6);
    expect(r.spearman).toBeCloseTo(17 / Math.sqrt(17 * 17.5), 12);
  });

  it('2 checkpoints: the later share only; reversed order → −1; < 3 values → null', () => {
    const features = [0.2, 0.5, 0.9].map((x, i) => ({
      feature: i,
      relIE: [1 - x, x],
      ablationShare: [x, 1 - x],
    }));
    expect(heldOutCheck(features, 2)).toEqual({ spearman: -1, n: 3, values: 3 });
    expect(heldOutCheck(features.slice(0, 2), 2).spearman).toBeNull();
    expect(() => heldOutCheck([{ feature: 0, relIE: [1], ablationShare: [1] }], 2)).toThrow(
      /expected 2 values/,
    );
  });
});

describe('faithfulnessReportSchema', () => {
  function report(): FaithfulnessReport {
    const reordered = { ...base, runId: 'reordered', checkpoints: ['step143000', 'step1000', 'step36000'] };
    const d = 2;
    const wA = Float32Array.from([1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1]);
    // B stores checkpoints in the order [C, A, B] and the features swapped.
    const wB = Float32Array.from([0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]);
    const match = matchCrosscoders(
      { wDec_FCD: wA, checkpoints: base.checkpoints, dModel: d },
      { wDec_FCD: wB, checkpoints: reordered.checkpoints, dModel: d },
    );
    const catA = ['maintained', 'maintained'];
    const catB = ['maintained', 'emerged-late'];
    const kappa = cohenKappa(
      match.pairs.map((p) => catA[p.row]!),
      match.pairs.map((p) => catB[p.col]!),
    );
    const sae = saeAgreement(
      [{ feature: 0, category: 'maintained', dec_CD: Float32Array.from([1, 0, 1, 0, 1, 0]) }],
      [0, 1, 2].map(() => ({ dec_SD: Float32Array.from([1, 0]) })),
      d,
    );
    const [scaled] = fitLatentScaling(
      [{ feature: 3, dec_CD: Float32Array.from([0, 0, 0, 0, 1, 0]), category: 'emerged-late' }],
      { acts_NCD: Float32Array.from([1, 0, 1, 0, 1, 0]), f_NK: Float32Array.of(2) },
      { nCheckpoints: 3, dModel: d },
    );
    return {
      format: 'crosscoder-workbench faithfulness v1',
      createdAt: '2025-05-12T10:00:00.000Z',
      runs: [base, reordered, { ...base, runId: 'seed-2', seed: 2 }],
      reordered: matchSummary('reordered', match, kappa),
      sae: saeSection('/data/saes', sae),
      heldOut: { task: 'sv_regular', heldOutTask: 'sv_irregular', ...heldOutCheck([], 3) },
      seeds: [{ ...matchSummary('seed-2', { ...match, map: [0, 1, 2] }, kappa), seed: 2 }],
      ratioThreshold: 3 / 7,
      artifacts: [artifactEntry(scaled!, 'emerged-late')],
    };
  }

  it('round-trips a report built from the core results', () => {
    const r = report();
    expect(r.reordered).toMatchObject({
      checkpointMap: [1, 2, 0],
      matched: 2,
      shareMatched: 1,
      isExact: true,
    });
    expect(r.reordered!.kappa).toMatchObject({ value: 0, observed: 0.5, expected: 0.5, n: 2 });
    expect(r.sae!.table).toEqual([
      {
        category: 'maintained',
        n: 1,
        agrees: 1,
        presentInMore: 0,
        presentInFewer: 0,
        otherPattern: 0,
        agreementShare: 1,
      },
    ]);
    expect(r.artifacts).toEqual([
      {
        feature: 3,
        category: 'emerged-late',
        target: 'activation',
        reference: 2,
        betas: [0.5, 0.5, 0.5],
        ratio: 1,
        flag: true,
      },
    ]);
    const parsed = faithfulnessReportSchema.parse(JSON.parse(JSON.stringify(r)));
    expect(parsed).toEqual(r);
  });

  it('refuses incomparable runs and references to runs it does not list', () => {
    const bad = { ...report(), runs: [base, { ...base, runId: 'reordered', layer: 12 }] };
    const result = faithfulnessReportSchema.safeParse(bad);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toMatch(/runs differ in layer: 8 vs 12/);
    expect(result.error?.issues.map((i) => i.message).join('; ')).toMatch(/run seed-2 is not among runs/);
    const undefinedKappa = {
      ...report().reordered!.kappa,
      value: null,
      reason: 'no items to compare',
      observed: null,
      expected: null,
    };
    expect(
      faithfulnessReportSchema.safeParse({
        ...report(),
        reordered: { ...report().reordered!, kappa: undefinedKappa },
      }).success,
    ).toBe(true);
    expect(faithfulnessReportSchema.safeParse({ ...report(), format: 'v0' }).success).toBe(false);
  });
});
