import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openActivationStore } from '../../core/activations/activation-store';
import { sha256File } from '../../core/activations/corpus';
import { writeDashboardFiles } from '../../core/attribution/dashboard-files';
import { computeDashboards } from '../../core/attribution/dashboards';
import { loadRun } from '../../core/crosscoder/run-files';
import { loadTokenizer } from '../../core/hf/tokenizer';
import {
  formatCounts,
  summarizeLifecycle,
  type LifecycleSummary,
} from '../../core/pipeline/lifecycle-summary';
import { writeStudyFolder } from '../../core/pipeline/study-folder';
import { throwIfAborted } from '../../core/progress';
import { runAttributeJob } from '../../compute/attribute';
import {
  attributionSummarySchema,
  type AttributeParams,
  type AttributionSummary,
} from '../../shared/attribution';
import { actsDir, computeContext, runDir } from './data-stages';
import { checkpointFingerprint, partReporter, type Stage, type StageContext } from './stage';

// Stages 5–8: IE per feature per checkpoint on each task, RelIE and lifecycle categories, dashboards of
// the selected features, and the study folder the workbench imports.

/** The attribution result ids, as the study lists them: `<name>-<task id>`. */
export const attributionIdOf = (ctx: StageContext, taskId: string): string =>
  `${ctx.plan.config.name}-${taskId}`;
const attributionFile = (ctx: StageContext, taskId: string): string =>
  join('attribution', `${attributionIdOf(ctx, taskId)}.json`);

/** The attribution results of the configured tasks, in task order. */
export function readAttributions(ctx: StageContext): AttributionSummary[] {
  return ctx.plan.tasks.map((t) => readAttribution(ctx, t.id));
}

const readAttribution = (ctx: StageContext, taskId: string): AttributionSummary =>
  attributionSummarySchema.parse(
    JSON.parse(readFileSync(join(ctx.outDir, attributionFile(ctx, taskId)), 'utf8')),
  );

export const attributeStage: Stage = {
  name: 'attribute',
  title: 'IE / RelIE per feature on the tasks',
  isEnabled: () => true,
  inputs: async (ctx) => ({
    train: ctx.hashes.train,
    tasks: await Promise.all(
      ctx.plan.tasks.map(async (t) => ({
        id: t.id,
        sha256: await sha256File(t.file),
        limit: t.limit ?? null,
      })),
    ),
    ...ctx.plan.config.attribution,
    limit: undefined,
  }),
  clears: [],
  async run(ctx) {
    const { plan } = ctx;
    const { method, steps, threshold } = plan.config.attribution;
    mkdirSync(join(ctx.outDir, 'attribution'), { recursive: true });
    const tasks = [];
    for (const [i, task] of plan.tasks.entries()) {
      const file = attributionFile(ctx, task.id);
      const inputs = {
        train: ctx.hashes.train,
        checkpoints: plan.checkpoints.map(checkpointFingerprint),
        layer: plan.config.layer,
        task: await sha256File(task.file),
        limit: task.limit ?? null,
        method,
        steps,
        threshold,
      };
      await ctx.part(task.id, inputs, file, async () => {
        const result = await runAttributeJob(
          {
            runId: `${plan.config.name}-study`,
            runDir: runDir(ctx),
            checkpoints: plan.checkpoints,
            layer: plan.config.layer,
            taskFile: task.file,
            method,
            steps,
            ...(task.limit === undefined ? {} : { limit: task.limit }),
            threshold,
            backendPreference: ctx.backend,
          } satisfies AttributeParams,
          computeContext(ctx, partReporter(ctx, i, plan.tasks.length, task.id)),
        );
        const time = ctx.now().toISOString();
        const summary = attributionSummarySchema.parse({
          jobId: attributionIdOf(ctx, task.id),
          runId: result.runId,
          taskFile: task.file,
          method,
          steps: result.provenance.steps,
          finishedAt: time,
          result: { ...result, provenance: { ...result.provenance, createdAt: time } },
        });
        writeFileSync(join(ctx.outDir, file), JSON.stringify(summary));
      });
      const { result } = readAttribution(ctx, task.id);
      tasks.push({ id: task.id, n: result.n, skipped: result.skipped });
    }
    // Results of tasks no longer configured go.
    const kept = new Set(plan.tasks.map((t) => `${attributionIdOf(ctx, t.id)}.json`));
    for (const name of readdirSync(join(ctx.outDir, 'attribution')))
      if (!kept.has(name)) rmSync(join(ctx.outDir, 'attribution', name), { force: true });
    return { dir: 'attribution', tasks };
  },
  isIntact: (ctx) => ctx.plan.tasks.every((t) => existsSync(join(ctx.outDir, attributionFile(ctx, t.id)))),
  describe: (o) =>
    (o.tasks as { id: string; n: number; skipped: number }[]).map(
      (t) => `${t.id}: IE over ${t.n} pairs (${t.skipped} skipped)`,
    ),
};

export const lifecycleStage: Stage = {
  name: 'lifecycle',
  title: 'lifecycle categories of the top features',
  isEnabled: () => true,
  inputs: (ctx) => ({ attribute: ctx.hashes.attribute, ...ctx.plan.config.lifecycle }),
  clears: [],
  async run(ctx) {
    const { low, high, top } = ctx.plan.config.lifecycle;
    const summary = summarizeLifecycle(
      readAttributions(ctx).map((s, i) => ({ task: ctx.plan.tasks[i]!.id, n: s.result.n, ie: s.result.ie })),
      { low, high },
      top,
    );
    writeFileSync(join(ctx.outDir, 'lifecycle.json'), JSON.stringify(summary, null, 2) + '\n');
    return {
      file: 'lifecycle.json',
      selected: summary.selected,
      counts: Object.fromEntries(summary.tasks.map((t) => [t.task, t.counts])),
    };
  },
  isIntact: (ctx) => existsSync(join(ctx.outDir, 'lifecycle.json')),
  describe: (o) => [
    ...Object.entries(o.counts as Record<string, Record<string, number>>).map(
      ([task, counts]) => `${task}: ${formatCounts(counts)}`,
    ),
    `${(o.selected as number[]).length} features selected for annotation`,
  ],
};

export const dashboardsStage: Stage = {
  name: 'dashboards',
  title: 'dashboards of the selected features',
  isEnabled: () => true,
  inputs: (ctx) => ({
    train: ctx.hashes.train,
    extract: ctx.hashes.extract,
    features: ctx.outputs.lifecycle?.selected,
    maxRows: ctx.plan.config.dashboards.maxRows,
  }),
  clears: ['dashboards'],
  async run(ctx) {
    const features = ctx.outputs.lifecycle!.selected as number[];
    const store = await openActivationStore(actsDir(ctx));
    const manifest = store.manifest!;
    const run = await loadRun(runDir(ctx));
    let rows = 0;
    try {
      const tokenizer = await loadTokenizer(manifest.revisions[0]!.path);
      const dashboards = await computeDashboards({
        store,
        crosscoder: run.crosscoder,
        scale: run.scale,
        features,
        decodeToken: (id) => tokenizer.decode([id]),
        maxRows: ctx.plan.config.dashboards.maxRows,
        signal: ctx.signal,
        onProgress: (p) => ctx.report(p.total > 0 ? p.step / p.total : 0, p),
      });
      throwIfAborted(ctx.signal);
      rmSync(join(ctx.outDir, 'dashboards'), { recursive: true, force: true });
      writeDashboardFiles(
        join(ctx.outDir, 'dashboards'),
        dashboards,
        {
          run: runDir(ctx),
          acts: actsDir(ctx),
          revisions: manifest.revisions.map((r) => ({ revision: r.revision, tokensSeen: r.tokensSeen })),
          layer: manifest.layer,
        },
        { createdAt: ctx.now().toISOString() },
      );
      rows = dashboards[0]?.rows ?? 0;
    } finally {
      run.crosscoder.dispose();
    }
    return { dir: 'dashboards', features: features.length, rows };
  },
  isIntact: (ctx) => existsSync(join(ctx.outDir, 'dashboards', 'index.json')),
  describe: (o) => [`${String(o.features)} features over ${String(o.rows)} rows`],
};

export const studyDirOf = (ctx: Pick<StageContext, 'outDir' | 'study'>): string =>
  ctx.study.dir ?? join(ctx.outDir, 'study');

export const studyStage: Stage = {
  name: 'study',
  title: 'study folder for the workbench',
  isEnabled: () => true,
  inputs: (ctx) => ({
    hashes: ctx.hashes,
    title: ctx.plan.title,
    model: { name: ctx.plan.model.name, source: ctx.plan.model.source },
    top: ctx.plan.config.lifecycle.top,
    dir: studyDirOf(ctx),
    options: { ...ctx.study, dir: undefined },
  }),
  clears: [],
  async run(ctx) {
    const { plan } = ctx;
    const createdAt = ctx.now().toISOString();
    const lifecycle = JSON.parse(
      readFileSync(join(ctx.outDir, 'lifecycle.json'), 'utf8'),
    ) as LifecycleSummary;
    const readJson = (file: string): unknown =>
      existsSync(join(ctx.outDir, file)) ? JSON.parse(readFileSync(join(ctx.outDir, file), 'utf8')) : null;
    const written = writeStudyFolder({
      outDir: studyDirOf(ctx),
      runDir: runDir(ctx),
      attributions: readAttributions(ctx),
      dashboardsDir: join(ctx.outDir, 'dashboards'),
      ...(ctx.study.actsLabel === undefined ? {} : { actsLabel: ctx.study.actsLabel }),
      ...(ctx.study.relativeTo === undefined ? {} : { relativeTo: ctx.study.relativeTo }),
      shouldKeepMetrics: ctx.study.shouldKeepMetrics ?? true,
      manifest: {
        name: plan.title,
        model: { name: plan.model.name, source: plan.model.source },
        revisions: plan.checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen })),
        layer: plan.config.layer,
        top: plan.config.lifecycle.top,
        createdAt,
      },
      extras:
        ctx.study.shouldWriteSummary === false
          ? {}
          : {
              'pipeline.json': {
                format: 'ctt-pipeline-summary',
                config: plan.config,
                accuracy: readJson(join('accuracy', 'summary.json')),
                evaluation: readJson('evaluation.json'),
                lifecycle,
              },
            },
    });
    return {
      dir: studyDirOf(ctx),
      createdAt,
      bytes: written.bytes,
      attributions: written.manifest.attributions.length,
      features: lifecycle.selected.length,
    };
  },
  isIntact: (ctx) => existsSync(join(studyDirOf(ctx), 'study.json')),
  describe: (o) => [
    `${String(o.dir)}: ${(Number(o.bytes) / 1e6).toFixed(2)} MB, ${String(o.attributions)} attributions, ${String(o.features)} features`,
  ],
};
