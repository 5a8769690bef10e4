// Builds the demo study (resources/demo/study/): a crosscoder over three checkpoints of the demo family
// (step100, step400, step1600, layer 1), its attribution results on three tasks as the attribution
// service writes them, feature dashboards of the selected features, and study.json. Activations are
// extracted to a temporary folder and not shipped; of the run only config.json and the final save's
// weights are kept (no optimizer state, no metrics). Numbers in the JSON files keep 7 significant digits
// (float32 precision) to keep the folder under 4 MB. Deterministic from --seed on one backend
// (timestamps are fixed).
//
//   node --import tsx scripts/make-demo-study.ts                 full build (a few minutes on 2 cores)
//   node --import tsx scripts/make-demo-study.ts --out D --features 32 --steps 30 --tokens 2000 --pairs 8
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { openActivationStore } from '../src/core/activations/activation-store';
import { resolveCheckpoints } from '../src/core/activations/checkpoint-source';
import { extractActivations } from '../src/core/activations/extract';
import { roundForFile, writeDashboardFiles } from '../src/core/attribution/dashboard-files';
import { computeDashboards } from '../src/core/attribution/dashboards';
import { parseBackendPreference, selectBackend } from '../src/core/backend';
import { loadRun, readRunConfig } from '../src/core/crosscoder/run-files';
import { trainCrosscoderRun } from '../src/core/crosscoder/train-run';
import { loadTokenizer } from '../src/core/hf/tokenizer';
import { runAttributeJob } from '../src/compute/attribute';
import { attributionSummarySchema, type AttributionSummary } from '../src/shared/attribution';
import { lifecycleOf, selectTopFeatures } from '../src/shared/lifecycle';
import { studyManifestFile, studyManifestSchema, type StudyManifest } from '../src/shared/study';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'resources/demo/study' },
    seed: { type: 'string', default: '4352' },
    features: { type: 'string', default: '256' },
    steps: { type: 'string', default: '600' },
    batch: { type: 'string', default: '512' },
    tokens: { type: 'string', default: '30000' },
    pairs: { type: 'string', default: '100' },
    'ig-steps': { type: 'string', default: '10' },
  },
});

const repoRoot = resolve(import.meta.dirname, '..');
// Paths inside the study are relative to the repository (the study is read from a checkout).
process.chdir(repoRoot);
const outDir = relative(repoRoot, resolve(args.out!)) || '.';
const family = 'resources/demo/models/demo-lm';
const revisions = ['step100', 'step400', 'step1600'];
const layer = 1;
const tasks = ['sv_pp_attractor.eng', 'det_noun.eng', 'sv_pp_attractor.fra'];
const top = 10;
/** Fixed so that a rebuild writes the same bytes; the study's content does not depend on the date. */
const studyTime = '2025-01-01T00:00:00.000Z';
const runId = 'demo-study';

const log = (text: string): void => void process.stderr.write(`${text}\n`);
const started = performance.now();
const seconds = (): string => ((performance.now() - started) / 1000).toFixed(0);

function writeJsonAtomic(path: string, value: unknown): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(
    temp,
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? roundForFile(v) : v)),
  );
  renameSync(temp, path);
}

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

const backend = await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'wasm');
log(`backend ${backend.backend}`);
const { checkpoints: resolved } = await resolveCheckpoints(family, revisions);
const checkpoints = resolved.map((c) => ({
  revision: c.revision,
  path: relative(repoRoot, c.path),
  tokensSeen: c.tokensSeen ?? null,
}));
const work = mkdtempSync(join(tmpdir(), 'ctt-demo-study-'));
try {
  // 1. Activations (temporary) and the crosscoder.
  const storeDir = join(work, 'acts');
  await extractActivations({
    checkpoints,
    model: family,
    layer,
    corpus: 'resources/demo/corpus.txt',
    context: 64,
    tokens: Number(args.tokens),
    outDir: storeDir,
    onProgress: (p) => process.stderr.write(`\rextracting ${p.step}/${p.total} rows   `),
  });
  log(`\nactivations: ${args.tokens} rows × ${revisions.length} checkpoints (${seconds()} s)`);
  const runDir = join(work, 'run');
  const trained = await trainCrosscoderRun({
    acts: storeDir,
    config: {
      nFeatures: Number(args.features),
      steps: Number(args.steps),
      batchSize: Number(args.batch),
      learningRate: 1e-3,
      l1Coeff: 1,
      seed: Number(args.seed),
    },
    out: runDir,
    saveEvery: Number(args.steps),
    onStep: (m, total) => {
      if (m.step % 50 === 0 || m.step === total)
        process.stderr.write(
          `\rtraining ${m.step}/${total}: mse ${m.mse.toFixed(3)}, L0 ${m.l0.toFixed(1)}   `,
        );
    },
  });
  log(`\ncrosscoder: F = ${trained.config.nFeatures}, ${trained.steps} steps (${seconds()} s)`);

  // 2. The run folder: config.json and the final save's weights only (no optimizer state, no metrics).
  rmSync(outDir, { recursive: true, force: true });
  const { latest } = readRunConfig(runDir);
  if (latest === null) throw new Error(`${runDir}: the run has no save`);
  mkdirSync(join(outDir, latest), { recursive: true });
  copyFileSync(join(runDir, 'config.json'), join(outDir, 'config.json'));
  copyFileSync(
    join(runDir, latest, 'crosscoder.safetensors'),
    join(outDir, latest, 'crosscoder.safetensors'),
  );

  // 3. Attribution: the attribute job itself, saved as the attribution service saves a result.
  const attributions: string[] = [];
  const results: AttributionSummary[] = [];
  for (const task of tasks) {
    const taskFile = `resources/demo/tasks/${task}.jsonl`;
    const result = await runAttributeJob(
      {
        runId,
        runDir: outDir,
        checkpoints,
        layer,
        taskFile,
        method: 'ig',
        steps: Number(args['ig-steps']),
        limit: Number(args.pairs),
        threshold: null,
        backendPreference: backend.preference,
      },
      {
        signal: new AbortController().signal,
        defaultBackend: backend.preference,
        onProgress: (p) => process.stderr.write(`\r${task}: ${p.message ?? ''}   `),
      },
    );
    const summary = attributionSummarySchema.parse({
      jobId: `demo-${task}`,
      runId,
      taskFile,
      method: 'ig',
      steps: result.provenance.steps,
      finishedAt: studyTime,
      result: { ...result, provenance: { ...result.provenance, createdAt: studyTime } },
    });
    mkdirSync(join(outDir, 'attribution'), { recursive: true });
    const file = join('attribution', `${summary.jobId}.json`);
    writeJsonAtomic(join(outDir, file), summary);
    attributions.push(file);
    results.push(summary);
    log(`\n${task}: IE over ${result.n} pairs (${result.skipped} skipped) (${seconds()} s)`);
  }

  // 4. Dashboards of the union of the selected features.
  const selected = [...new Set(results.flatMap((r) => selectTopFeatures(r.result.ie, top)))].sort(
    (a, b) => a - b,
  );
  const store = await openActivationStore(storeDir);
  const run = await loadRun(outDir);
  try {
    const tokenizer = await loadTokenizer(checkpoints[0]!.path);
    const dashboards = await computeDashboards({
      store,
      crosscoder: run.crosscoder,
      scale: run.scale,
      features: selected,
      decodeToken: (id) => tokenizer.decode([id]),
      onProgress: (p) => process.stderr.write(`\rdashboards: ${p.message ?? ''}   `),
    });
    writeDashboardFiles(
      join(outDir, 'dashboards'),
      dashboards,
      {
        run: outDir,
        acts: `activation store of ${basename(import.meta.filename)} (temporary, not shipped)`,
        revisions: checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen })),
        layer,
      },
      { createdAt: studyTime },
    );
    log(`\ndashboards: ${dashboards.length} features over ${dashboards[0]?.rows ?? 0} rows (${seconds()} s)`);
  } finally {
    run.crosscoder.dispose();
  }

  // 5. The manifest.
  const manifest: StudyManifest = studyManifestSchema.parse({
    format: 'ctt-study',
    version: 1,
    name: `Demo study: demo-lm ${revisions.join(' / ')}, layer ${layer}`,
    model: { name: 'demo-lm', source: family },
    revisions: checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen })),
    layer,
    attributions,
    dashboards: 'dashboards',
    top,
    createdAt: studyTime,
  });
  writeFileSync(join(outDir, studyManifestFile), JSON.stringify(manifest, null, 2) + '\n');

  // What came out: lifecycle categories of the selected features per task (thresholds 0.3 / 0.7).
  for (const r of results) {
    const counts = new Map<string, number>();
    for (const f of selectTopFeatures(r.result.ie, top)) {
      const { category } = lifecycleOf(r.result.ie, f);
      counts.set(category, (counts.get(category) ?? 0) + 1);
    }
    const text = [...counts].map(([c, n]) => `${n} ${c}`).join(', ');
    log(`${basename(r.taskFile, '.jsonl')}: ${text}`);
  }
  const bytes = folderBytes(outDir);
  log(
    `study → ${outDir}: ${(bytes / 1e6).toFixed(2)} MB, ${selected.length} dashboards, ${seconds()} s in all`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
