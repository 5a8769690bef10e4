import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FeatureDashboardData } from '../../src/shared/annotation';
import type { AttributeResult, AttributionSummary } from '../../src/shared/attribution';
import type { Run } from '../../src/shared/domain';
import type { StudyManifest } from '../../src/shared/study';
import type { TrainingRunConfig } from '../../src/shared/training';
import type { Store } from '../../src/main/store/store';

/*
 * Hand-made attribution results, runs and study folders for the annotation workbench tests. The IE
 * table below has hand-computed RelIE, buckets and categories (thresholds 0.3 / 0.7):
 *
 *   feature  IE (A, B, C)     shares            bucket  category       |IE|max  selected (top 2)
 *   0        1, 0, 0          1, 0, 0           A       discontinued   1        yes (A)
 *   1        0, 0, 2          0, 0, 1           C       emerged-late   2        yes (C)
 *   2        0, -3, 0         0, 1, 0           B       emerged-mid    3        yes (B)
 *   3        1, 1, 1          ⅓, ⅓, ⅓           A-B-C   maintained     1        yes (A, tie by index)
 *   4        0, 0, 0          undefined         –       undefined      0        no
 *   5        .5, 0, .5        .5, 0, .5         A-C     transient-gap  .5       no
 *   6        0, 4, 4          0, .5, .5         B-C     emerged-mid    4        yes (B, C)
 *   7        .2, .1, .1       .5, .25, .25      other   other          .2       no
 */
export const handIe: number[][] = [
  [1, 0, 0, 1, 0, 0.5, 0, 0.2],
  [0, 0, -3, 1, 0, 0, 4, 0.1],
  [0, 2, 0, 1, 0, 0.5, 4, 0.1],
];
export const handCategories = [
  'discontinued',
  'emerged-late',
  'emerged-mid',
  'maintained',
  'undefined',
  'transient-gap',
  'emerged-mid',
  'other',
];
export const handSelected = [0, 1, 2, 3, 6];

/** An `attribute` result over `ie` [M][F], with task items whose top lists are given. */
export function attributeResult(
  runId: string,
  ie: number[][],
  items?: AttributeResult['items'],
): AttributeResult {
  const nFeatures = ie[0]!.length;
  const m = ie.length;
  return {
    runId,
    ie,
    errorIe: new Array<number>(m).fill(0),
    metricClean: new Array<number>(m).fill(1),
    metricAblated: new Array<number>(m).fill(0),
    n: items?.length ?? 4,
    skipped: 0,
    relDec: Array.from({ length: nFeatures }, () => new Array<number>(m).fill(1 / m)),
    decoderNorms: Array.from({ length: nFeatures }, (_, i) => new Array<number>(m).fill(i + 1)),
    ...(items === undefined ? {} : { items }),
    provenance: {
      runDir: '/somewhere',
      revisions: Array.from({ length: m }, (_, k) => ({
        revision: `step${(k + 1) * 100}`,
        tokensSeen: (k + 1) * 1e6,
      })),
      layer: 1,
      task: '/tasks/sv_pp_attractor.eng.jsonl',
      method: 'ig',
      steps: 4,
      threshold: null,
      metric: 'logit(wrong) − logit(right)',
      backend: 'cpu',
      createdAt: new Date(0).toISOString(),
    },
  };
}

export function attributionSummary(
  jobId: string,
  result: AttributeResult,
  finishedAt = new Date(0).toISOString(),
): AttributionSummary {
  return {
    jobId,
    runId: result.runId,
    taskFile: result.provenance.task,
    method: 'ig',
    steps: 4,
    finishedAt,
    result,
  };
}

/** Writes a result where the attribution service lists it: `<runDir>/attribution/<jobId>.json`. */
export function writeAttributionFile(runDir: string, summary: AttributionSummary): void {
  mkdirSync(join(runDir, 'attribution'), { recursive: true });
  writeFileSync(join(runDir, 'attribution', `${summary.jobId}.json`), JSON.stringify(summary));
}

export function trainingConfig(nFeatures: number, activationStore = '/nowhere'): TrainingRunConfig {
  return {
    activationStore,
    store: { model: 'demo', revisions: ['a', 'b', 'c'], layer: 1, nCheckpoints: 3, dModel: 4, rows: 10 },
    crosscoder: { type: 'l1', nFeatures, steps: 10, batchSize: 8 },
    saveEvery: 10,
    evalRows: 10,
  };
}

/** A finished crosscoder run row (in a project of its own) whose folder is `dir`. */
export function finishedRun(
  store: Store,
  options: { id: string; dir: string; nFeatures: number; activationStore?: string },
): Run {
  const projectId =
    store.projects.findByName('Default')?.id ??
    store.projects.create({ name: 'Default', description: '' }).id;
  store.runs.create({
    id: options.id,
    projectId,
    name: `run ${options.id}`,
    kind: 'crosscoder',
    config: trainingConfig(options.nFeatures, options.activationStore),
    dir: options.dir,
  });
  return store.runs.setOutcome(options.id, { status: 'finished', error: null, result: null });
}

/** A dashboard of a feature that passes featureDashboardSchema. */
export function dashboardData(
  feature: number,
  density: number,
  revisions = ['a', 'b'],
): FeatureDashboardData {
  const token = (id: number, activation: number | null, isCenter = false) => ({
    id,
    text: `t${id}`,
    activation,
    isCenter,
  });
  return {
    feature,
    rows: 100,
    density,
    maxActivation: 2 * density + 1,
    histogram: { edges: [0, 1, 2], counts: [3, 4] },
    topContexts: [
      { activation: 2, window: 0, position: 1, tokens: [token(1, 0), token(2, 2, true), token(3, null)] },
    ],
    quantiles: [{ low: 0, high: 1, samples: [] }],
    checkpoints: revisions.map((revision) => ({
      revision,
      decoderNorm: 1,
      relDec: 0.5,
      cosineWithPrevious: null,
      topLogits: [{ id: 1, text: 'a', value: 1 }],
      bottomLogits: [],
    })),
  };
}

/** A study folder as src/shared/study.ts describes: config.json, attribution results, dashboards. */
export function writeStudyFolder(
  dir: string,
  options: {
    nFeatures: number;
    results: AttributionSummary[];
    dashboards: FeatureDashboardData[];
    manifest?: Partial<StudyManifest>;
  },
): StudyManifest {
  mkdirSync(join(dir, 'attribution'), { recursive: true });
  mkdirSync(join(dir, 'dashboards'), { recursive: true });
  writeFileSync(
    join(dir, 'config.json'),
    JSON.stringify({
      format: 'crosscoder-workbench run v1',
      step: 10,
      latest: null,
      scale: [1, 1],
      config: {
        type: 'l1',
        nCheckpoints: 2,
        dModel: 4,
        nFeatures: options.nFeatures,
        steps: 10,
        batchSize: 8,
      },
    }),
  );
  for (const summary of options.results) writeAttributionFile(dir, summary);
  for (const d of options.dashboards)
    writeFileSync(join(dir, 'dashboards', `feature-${d.feature}.json`), JSON.stringify(d));
  writeFileSync(
    join(dir, 'metrics.jsonl'),
    '{"step":10,"loss":0.5,"mse":0.4,"l1":0.1,"l0":3,"deadFraction":0}\n',
  );
  const manifest: StudyManifest = {
    format: 'ctt-study',
    version: 1,
    name: 'tiny study',
    model: { name: 'demo-lm', source: 'resources/demo/models/demo-lm' },
    revisions: [
      { revision: 'step100', tokensSeen: 1e6 },
      { revision: 'step200', tokensSeen: 2e6 },
    ],
    layer: 1,
    attributions: options.results.map((s) => `attribution/${s.jobId}.json`),
    dashboards: 'dashboards',
    top: 2,
    createdAt: '2024-05-01T00:00:00.000Z',
    ...options.manifest,
  };
  writeFileSync(join(dir, 'study.json'), JSON.stringify(manifest, null, 2));
  return manifest;
}
