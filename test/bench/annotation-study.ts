// A generated study folder (src/shared/study.ts) the size of a paper-scale crosscoder: F = 65,536
// features over three Pythia-style checkpoints, attributed on two tasks (IE [3][F], RelDec and decoder
// norms [F][3], 100 task items with their top-10 lists per checkpoint), and dashboards for a few thousand
// features made from the demo study's dashboards (same sizes: 20 top contexts, 10×5 quantile samples, a
// 50-bin histogram, top/bottom logits), perturbed per feature. No weights: the study importer reads only
// config.json, the attribution results and the dashboards. Seeded, so every run builds the same study.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SeededRandom } from '../../src/core/random';
import type { FeatureDashboardData } from '../../src/shared/annotation';
import type { AttributeResult, AttributionSummary } from '../../src/shared/attribution';
import { selectTopFeatures } from '../../src/shared/lifecycle';
import type { StudyManifest } from '../../src/shared/study';

export interface StudyOptions {
  nFeatures: number;
  /** Features with a dashboard: every selected feature, then the largest max |IE| up to this count. */
  nDashboards: number;
  /** Top-k per checkpoint selected for annotation. */
  top: number;
  nItems: number;
  seed: number;
}

export interface GeneratedStudy {
  dir: string;
  tasks: string[];
  dashboardIndices: number[];
  bytes: number;
}

const demoDashboardsDir = 'resources/demo/study/dashboards';
const revisions = [1000, 16_000, 143_000].map((step) => ({
  revision: `step${step}`,
  tokensSeen: step * 2_097_152,
}));
const tasks = ['sv_pp_attractor.eng', 'det_noun.eng'];
/** Share patterns over checkpoints (before noise) and how often features follow them. */
const patterns: { shares: number[]; weight: number }[] = [
  { shares: [0, 0, 1], weight: 0.2 },
  { shares: [0, 1, 1], weight: 0.15 },
  { shares: [1, 0, 0], weight: 0.15 },
  { shares: [1, 1, 1], weight: 0.2 },
  { shares: [1, 0, 1], weight: 0.05 },
  { shares: [1, 1, 0], weight: 0.1 },
  { shares: [0.2, 0.5, 0.3], weight: 0.15 },
];
const round = (x: number): number => Number(x.toPrecision(5));

/** IE [M][F] of one task: a per-feature share pattern (shared by tasks) times a heavy-tailed size. */
function taskIe(random: SeededRandom, shapes: readonly number[][], signs: readonly number[]): number[][] {
  const nFeatures = shapes.length;
  const ie_MF = revisions.map(() => new Array<number>(nFeatures));
  for (let i = 0; i < nFeatures; i++) {
    const size = Math.exp(-7 + 1.8 * random.normal()); // most features barely matter; a few dominate
    shapes[i]!.forEach((share, m) => (ie_MF[m]![i] = round(signs[i]! * size * share)));
  }
  return ie_MF;
}

function taskItems(random: SeededRandom, ie_MF: number[][], nItems: number): AttributeResult['items'] {
  // Per checkpoint the 500 features of largest |IE|: an item's top 10 are drawn from them.
  const pools = ie_MF.map((row) =>
    row
      .map((v, i) => [Math.abs(v), i] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, 500)
      .map(([, i]) => i),
  );
  const nouns = ['key', 'author', 'dog', 'cabinet', 'teacher', 'pilot', 'senator', 'farmer'];
  return Array.from({ length: nItems }, (_, item) => {
    const subject = random.pick(nouns);
    const attractor = random.pick(nouns);
    return {
      item,
      good: `The ${subject}s near the ${attractor} are`,
      bad: `The ${subject}s near the ${attractor} is`,
      metricClean: revisions.map(() => round(random.normal() + 2)),
      top: pools.map((pool, m) => {
        const chosen = new Set<number>();
        while (chosen.size < 10) chosen.add(pool[Math.floor(pool.length * random.next() ** 2)]!);
        return [...chosen].map((feature) => ({
          feature,
          ie: round(ie_MF[m]![feature]! * (0.5 + random.next()) * 100),
        }));
      }),
    };
  });
}

function summary(task: string, ie_MF: number[][], decoder: Decoder, items: AttributeResult['items']) {
  const result: AttributeResult = {
    runId: 'bench-study',
    ie: ie_MF,
    errorIe: revisions.map(() => 0.01),
    metricClean: revisions.map(() => 2),
    metricAblated: revisions.map(() => 0.5),
    n: items?.length ?? 0,
    skipped: 0,
    relDec: decoder.relDec_FM,
    decoderNorms: decoder.norms_FM,
    items,
    provenance: {
      runDir: 'bench-study',
      revisions,
      layer: 8,
      task: `tasks/${task}.jsonl`,
      method: 'ig',
      steps: 10,
      threshold: null,
      metric: 'logit(wrong) − logit(right)',
      backend: 'cpu',
      createdAt: '2026-01-01T00:00:00.000Z',
    },
  };
  const attribution: AttributionSummary = {
    jobId: `bench-${task}`,
    runId: 'bench-study',
    taskFile: `tasks/${task}.jsonl`,
    method: 'ig',
    steps: 10,
    finishedAt: '2026-01-01T00:00:00.000Z',
    result,
  };
  return attribution;
}

interface Decoder {
  relDec_FM: number[][];
  norms_FM: number[][];
}

function decoderOf(random: SeededRandom, shapes: readonly number[][]): Decoder {
  const norms_FM = shapes.map((shares) => shares.map((s) => round(0.05 + s * (0.5 + random.next()))));
  const relDec_FM = norms_FM.map((norms) => {
    const total = norms.reduce((a, b) => a + b, 0);
    return norms.map((n) => round(n / total));
  });
  return { relDec_FM, norms_FM };
}

/** A demo dashboard re-labelled as feature `index`: activations scaled, density moved, our checkpoints. */
function dashboardOf(
  template: FeatureDashboardData,
  index: number,
  decoder: Decoder,
  random: SeededRandom,
): FeatureDashboardData {
  const scale = Math.exp(0.3 * random.normal());
  const act = (a: number | null): number | null => (a === null ? null : round(a * scale));
  const sample = (s: FeatureDashboardData['topContexts'][number]) => ({
    ...s,
    activation: round(s.activation * scale),
    window: random.int(20_000),
    tokens: s.tokens.map((t) => ({ ...t, activation: act(t.activation) })),
  });
  return {
    ...template,
    feature: index,
    density: round(Math.min(1, template.density * Math.exp(0.8 * random.normal()))),
    maxActivation: round(template.maxActivation * scale),
    histogram: { ...template.histogram, edges: template.histogram.edges.map((e) => round(e * scale)) },
    topContexts: template.topContexts.map(sample),
    quantiles: template.quantiles.map((q) => ({
      low: round(q.low * scale),
      high: round(q.high * scale),
      samples: q.samples.map(sample),
    })),
    checkpoints: revisions.map((r, m) => ({
      ...template.checkpoints[Math.min(m, template.checkpoints.length - 1)]!,
      revision: r.revision,
      decoderNorm: decoder.norms_FM[index]![m]!,
      relDec: decoder.relDec_FM[index]![m]!,
      cosineWithPrevious: m === 0 ? null : round(0.5 + 0.5 * random.next()),
    })),
  };
}

function readTemplates(): FeatureDashboardData[] {
  return readdirSync(demoDashboardsDir)
    .filter((name) => /^feature-\d+\.json$/.test(name))
    .sort()
    .map((name) => JSON.parse(readFileSync(join(demoDashboardsDir, name), 'utf8')) as FeatureDashboardData);
}

/** Writes the study folder; returns what was written and its size on disk. */
export function writeBenchStudy(dir: string, options: StudyOptions): GeneratedStudy {
  const random = new SeededRandom(options.seed);
  const { nFeatures } = options;
  const shapes = Array.from({ length: nFeatures }, () => {
    const { shares } = random.weighted(
      patterns,
      patterns.map((p) => p.weight),
    );
    return shares.map((s) => s + 0.12 * random.next());
  });
  const signs = Array.from({ length: nFeatures }, () => (random.next() < 0.7 ? 1 : -1));
  const decoder = decoderOf(random, shapes);
  let bytes = 0;
  const write = (path: string, text: string): void => {
    writeFileSync(path, text);
    bytes += Buffer.byteLength(text);
  };
  mkdirSync(join(dir, 'attribution'), { recursive: true });
  mkdirSync(join(dir, 'dashboards'), { recursive: true });

  const maxAbs_F = new Float64Array(nFeatures);
  const selected = new Set<number>();
  for (const task of tasks) {
    const ie_MF = taskIe(random, shapes, signs);
    for (const i of selectTopFeatures(ie_MF, options.top)) selected.add(i);
    ie_MF.forEach((row) => row.forEach((v, i) => (maxAbs_F[i] = Math.max(maxAbs_F[i]!, Math.abs(v)))));
    const items = taskItems(random, ie_MF, options.nItems);
    write(
      join(dir, 'attribution', `bench-${task}.json`),
      JSON.stringify(summary(task, ie_MF, decoder, items)),
    );
  }

  const byIe = Array.from({ length: nFeatures }, (_, i) => i).sort((a, b) => maxAbs_F[b]! - maxAbs_F[a]!);
  const withDashboard = new Set(selected);
  for (const i of byIe) {
    if (withDashboard.size >= options.nDashboards) break;
    withDashboard.add(i);
  }
  const templates = readTemplates();
  const dashboardIndices = [...withDashboard].sort((a, b) => a - b);
  for (const i of dashboardIndices) {
    const data = dashboardOf(templates[i % templates.length]!, i, decoder, random);
    write(join(dir, 'dashboards', `feature-${i}.json`), JSON.stringify(data));
  }

  write(
    join(dir, 'config.json'),
    JSON.stringify({
      format: 'crosscoder-workbench run v1',
      step: 100_000,
      latest: null,
      scale: [1, 1, 1],
      config: { type: 'l1', nCheckpoints: 3, dModel: 2048, nFeatures, steps: 100_000, batchSize: 4096 },
    }),
  );
  write(
    join(dir, 'metrics.jsonl'),
    '{"step":100000,"loss":0.5,"mse":0.4,"l1":0.1,"l0":60,"deadFraction":0}\n',
  );
  const manifest: StudyManifest = {
    format: 'ctt-study',
    version: 1,
    name: `Bench study: F=${nFeatures}, 3 checkpoints, layer 8`,
    model: { name: 'pythia-1b', source: 'EleutherAI/pythia-1b' },
    revisions,
    layer: 8,
    attributions: tasks.map((t) => `attribution/bench-${t}.json`),
    dashboards: 'dashboards',
    top: options.top,
    createdAt: '2026-01-01T00:00:00.000Z',
  };
  write(join(dir, 'study.json'), JSON.stringify(manifest, null, 2));
  return { dir, tasks, dashboardIndices, bytes };
}
