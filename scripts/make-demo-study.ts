// Builds the demo study (resources/demo/study/) with the study pipeline (src/main/pipeline/) on
// resources/demo/study.config.json: a crosscoder over three checkpoints of the demo family (step100,
// step400, step1600, layer 1), its attribution results on three tasks, feature dashboards of the selected
// features and study.json. The pipeline's other outputs (activations, optimizer state, metrics) go to a
// temporary folder and are not shipped. Paths inside the study are relative to the repository (the study
// is read from a checkout) and timestamps are fixed, so a rebuild on one backend writes the same bytes.
//
//   node --import tsx scripts/make-demo-study.ts                 full build (about 30 s on 2 cores)
//   node --import tsx scripts/make-demo-study.ts --out D --features 32 --steps 30 --tokens 2000 --pairs 8
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createPipelinePrinter, stageTimesLine } from '../src/cli/pipeline-progress';
import { parseBackendPreference } from '../src/core/backend';
import { formatCounts, type LifecycleSummary } from '../src/core/pipeline/lifecycle-summary';
import { runPipeline } from '../src/main/pipeline/run-pipeline';
import { planStudy, readStudyConfig } from '../src/main/pipeline/study-plan';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'resources/demo/study' },
    seed: { type: 'string' },
    features: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    tokens: { type: 'string' },
    pairs: { type: 'string' },
    'ig-steps': { type: 'string' },
  },
});

const repoRoot = resolve(import.meta.dirname, '..');
const configFile = join(repoRoot, 'resources', 'demo', 'study.config.json');
/** Fixed so that a rebuild writes the same bytes; the study's content does not depend on the date. */
const studyTime = new Date('2025-01-01T00:00:00.000Z');

const base = readStudyConfig(configFile);
const number = (value: string | undefined, fallback: number): number =>
  value === undefined ? fallback : Number(value);
const steps = number(args.steps, base.crosscoder.steps ?? 600);
const config = {
  ...base,
  // The shipped study has no accuracy table; the demo pipeline (npm run demo) computes one.
  accuracy: { ...base.accuracy, enabled: false },
  activations: { ...base.activations, tokens: number(args.tokens, base.activations.tokens) },
  crosscoder: {
    ...base.crosscoder,
    nFeatures: number(args.features, base.crosscoder.nFeatures),
    steps,
    // One save at the end (the shipped study keeps only the final weights).
    saveEvery: steps,
    batchSize: number(args.batch, base.crosscoder.batchSize),
    seed: number(args.seed, base.crosscoder.seed),
  },
  evaluation: { ...base.evaluation, ceWindows: 0 },
  attribution: {
    ...base.attribution,
    steps: number(args['ig-steps'], base.attribution.steps),
    limit: number(args.pairs, base.attribution.limit ?? 100),
  },
};

const work = mkdtempSync(join(tmpdir(), 'ctt-demo-study-'));
const studyDir = resolve(args.out!);
try {
  const plan = await planStudy(config, {
    baseDir: dirname(configFile),
    configFile,
    dataDir: work,
    outDir: join(work, 'pipeline'),
  });
  const result = await runPipeline(plan, {
    onEvent: createPipelinePrinter(),
    backend: parseBackendPreference(process.env.CTT_BACKEND) ?? 'wasm',
    now: () => studyTime,
    study: {
      dir: studyDir,
      relativeTo: repoRoot,
      actsLabel: `activation store of ${basename(import.meta.filename)} (temporary, not shipped)`,
      shouldKeepMetrics: false,
      shouldWriteSummary: false,
    },
  });
  const lifecycle = JSON.parse(
    readFileSync(join(result.outDir, 'lifecycle.json'), 'utf8'),
  ) as LifecycleSummary;
  for (const t of lifecycle.tasks) process.stderr.write(`${t.task}: ${formatCounts(t.counts)}\n`);
  process.stderr.write(`${stageTimesLine(result)}\nstudy → ${studyDir}\n`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
