import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FaithfulnessReport, FaithfulnessRun, MatchSummary } from '../../src/shared/faithfulness';

// A hand-made faithfulness report (src/shared/faithfulness.ts) of the demo study's run (F = 256,
// step100 / step400 / step1600): a reordered run and one seed matching `matched` but not `unmatched`,
// SAEs agreeing on `matched`, and latent scaling flagging `matched` on the activation target only.

export const demoRun: FaithfulnessRun = {
  runId: 'run',
  model: 'demo-lm',
  layer: 1,
  dModel: 64,
  nFeatures: 256,
  checkpoints: ['step100', 'step400', 'step1600'],
  seed: 4352,
  type: 'l1',
};

function summary(runId: string, checkpointMap: number[], matched: number, unmatched: number): MatchSummary {
  return {
    runId,
    checkpointMap,
    threshold: 0.7,
    matched: 200,
    shareMatched: 200 / 256,
    method: 'dense',
    isExact: true,
    kappa: { value: 0.5, reason: null, observed: 0.75, expected: 0.5, n: 1 },
    confusion: {
      rowLabels: ['emerged-late', 'discontinued'],
      colLabels: ['emerged-late', 'discontinued'],
      counts: [
        [1, 0],
        [0, 0],
      ],
    },
    items: [
      {
        task: 'sv_pp_attractor.eng',
        feature: matched,
        partner: 17,
        similarity: 0.93,
        isMatched: true,
        category: 'emerged-late',
        otherCategory: 'emerged-late',
      },
      {
        task: 'sv_pp_attractor.eng',
        feature: unmatched,
        partner: 40,
        similarity: 0.41,
        isMatched: false,
        category: 'discontinued',
        otherCategory: null,
      },
    ],
  };
}

export function demoReport(matched: number, unmatched: number): FaithfulnessReport {
  return {
    format: 'crosscoder-workbench faithfulness v1',
    createdAt: '2025-03-04T05:06:07.000Z',
    runs: [
      demoRun,
      { ...demoRun, runId: 'run/faithfulness/reordered', checkpoints: ['step1600', 'step400', 'step100'] },
      { ...demoRun, runId: 'run/faithfulness/seed-4353', seed: 4353 },
    ],
    reordered: summary('run/faithfulness/reordered', [2, 1, 0], matched, unmatched),
    seeds: [{ ...summary('run/faithfulness/seed-4353', [0, 1, 2], matched, unmatched), seed: 4353 }],
    sae: {
      source: 'run/faithfulness',
      threshold: 0.7,
      isOneToOne: false,
      table: [
        {
          category: 'emerged-late',
          n: 1,
          agrees: 1,
          presentInMore: 0,
          presentInFewer: 0,
          otherPattern: 0,
          agreementShare: 1,
        },
        {
          category: 'discontinued',
          n: 1,
          agrees: 0,
          presentInMore: 1,
          presentInFewer: 0,
          otherPattern: 0,
          agreementShare: 0,
        },
      ],
      skipped: {},
      overallShare: 0.5,
      items: [
        {
          task: 'sv_pp_attractor.eng',
          feature: matched,
          category: 'emerged-late',
          cosine: [0.1, 0.2, 0.9],
          outcome: 'agrees',
        },
        {
          task: 'sv_pp_attractor.eng',
          feature: unmatched,
          category: 'discontinued',
          cosine: [0.9, 0.8, 0.8],
          outcome: 'present-in-more',
        },
      ],
    },
    heldOut: {
      task: 'det_noun.eng',
      heldOutTask: 'irregular_plural.eng',
      spearman: 0.774,
      n: 16,
      values: 48,
    },
    ratioThreshold: 3 / 7,
    artifacts: [
      {
        feature: matched,
        category: 'emerged-late',
        target: 'activation',
        reference: 2,
        betas: [0.8, 0.9, 1],
        ratio: 0.9,
        flag: true,
      },
      {
        feature: matched,
        category: 'emerged-late',
        target: 'error',
        reference: 2,
        betas: [0.1, 0.2, 1],
        ratio: 0.2,
        flag: false,
      },
      {
        feature: unmatched,
        category: 'discontinued',
        target: 'activation',
        reference: 0,
        betas: [1, 0.1, 0.05],
        ratio: 0.1,
        flag: false,
      },
    ],
  };
}

/** Writes `report` where the runner writes it: `<runDir>/faithfulness/report.json`. */
export function writeReport(runDir: string, report: unknown): string {
  const file = `${runDir}/faithfulness/report.json`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, typeof report === 'string' ? report : JSON.stringify(report, null, 2));
  return file;
}
