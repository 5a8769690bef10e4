import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openActivationStore } from '../../core/activations/activation-store';
import { sha256File } from '../../core/activations/corpus';
import { extractActivations } from '../../core/activations/extract';
import { readRunConfig, loadRun } from '../../core/crosscoder/run-files';
import { trainCrosscoderRun } from '../../core/crosscoder/train-run';
import { crossEntropyOfStore } from '../../core/pipeline/store-cross-entropy';
import type { ProgressListener } from '../../core/progress';
import type { ComputeContext } from '../../compute/jobs';
import { runTaskAccuracy } from '../../compute/task-accuracy';
import { evaluateRunOnStore } from '../../compute/train-crosscoder';
import type { z } from 'zod';
import { type TaskAccuracyResult, type taskAccuracyParamsSchema } from '../../shared/domain';
import { checkpointFingerprint, partReporter, type Stage, type StageContext } from './stage';

// Stages 1–4: task accuracy per checkpoint, activation extraction, crosscoder training, evaluation.
// Outputs live under the pipeline's output folder: accuracy/, activations/, run/, evaluation.json.

export const actsDir = (ctx: StageContext): string => join(ctx.outDir, 'activations');
export const runDir = (ctx: StageContext): string => join(ctx.outDir, 'run');

export const computeContext = (ctx: StageContext, onProgress: ProgressListener): ComputeContext => ({
  signal: ctx.signal,
  defaultBackend: ctx.backend,
  onProgress,
});

export interface AccuracyTable {
  revisions: { revision: string; tokensSeen: number | null; isCrosscoderCheckpoint: boolean }[];
  /** Per task: accuracy per revision (null where no pair could be scored). */
  tasks: { id: string; file: string; pairs: number; accuracy: (number | null)[] }[];
}

export const accuracyStage: Stage = {
  name: 'accuracy',
  title: 'task accuracy per checkpoint',
  isEnabled: (plan) => plan.config.accuracy.enabled,
  inputs: async ({ plan }) => ({
    checkpoints: plan.accuracyCheckpoints.map(checkpointFingerprint),
    tasks: await Promise.all(plan.tasks.map(async (t) => ({ id: t.id, sha256: await sha256File(t.file) }))),
    limit: plan.config.accuracy.limit ?? null,
    policy: plan.config.accuracy.policy,
  }),
  clears: [],
  async run(ctx) {
    const { plan } = ctx;
    const checkpoints = plan.accuracyCheckpoints;
    mkdirSync(join(ctx.outDir, 'accuracy'), { recursive: true });
    const table: AccuracyTable = {
      revisions: checkpoints.map((c) => ({
        revision: c.revision,
        tokensSeen: c.tokensSeen,
        isCrosscoderCheckpoint: plan.checkpoints.some((x) => x.revision === c.revision),
      })),
      tasks: [],
    };
    for (const [i, task] of plan.tasks.entries()) {
      const file = join('accuracy', `${task.id}.json`);
      const inputs = {
        checkpoints: checkpoints.map(checkpointFingerprint),
        task: await sha256File(task.file),
        limit: plan.config.accuracy.limit ?? null,
        policy: plan.config.accuracy.policy,
      };
      await ctx.part(task.id, inputs, file, async () => {
        const result = await runTaskAccuracy(
          {
            checkpoints: checkpoints.map((c, id) => ({ ...c, checkpointId: id })),
            taskFile: task.file,
            policy: plan.config.accuracy.policy,
            ...(plan.config.accuracy.limit === undefined ? {} : { limit: plan.config.accuracy.limit }),
            backendPreference: ctx.backend,
          } satisfies z.input<typeof taskAccuracyParamsSchema>,
          computeContext(ctx, partReporter(ctx, i, plan.tasks.length, task.id)),
        );
        writeFileSync(join(ctx.outDir, file), JSON.stringify(result));
      });
      const result = JSON.parse(readFileSync(join(ctx.outDir, file), 'utf8')) as TaskAccuracyResult;
      table.tasks.push({
        id: task.id,
        file: task.file,
        pairs: result.pairs.length,
        accuracy: result.checkpoints.map((c) => c.accuracy),
      });
    }
    writeFileSync(join(ctx.outDir, 'accuracy', 'summary.json'), JSON.stringify(table, null, 2) + '\n');
    return { summary: 'accuracy/summary.json', table };
  },
  isIntact: (ctx) => existsSync(join(ctx.outDir, 'accuracy', 'summary.json')),
  describe: (outputs) => accuracyLines(outputs.table as AccuracyTable),
};

/** The accuracy table: one row per task, one column per checkpoint (* marks the crosscoder's). */
export function accuracyLines(table: AccuracyTable): string[] {
  const heads = table.revisions.map((r) => `${r.revision}${r.isCrosscoderCheckpoint ? '*' : ''}`);
  const width = Math.max(4, ...table.tasks.map((t) => t.id.length));
  const cell = (text: string, i: number): string => text.padStart(Math.max(5, heads[i]!.length));
  return [
    `${''.padEnd(width)}  ${heads.map((h, i) => cell(h, i)).join(' ')}`,
    ...table.tasks.map(
      (t) =>
        `${t.id.padEnd(width)}  ${t.accuracy.map((a, i) => cell(a === null ? '–' : a.toFixed(2), i)).join(' ')}`,
    ),
    '(* the crosscoder’s checkpoints)',
  ];
}

export const extractStage: Stage = {
  name: 'extract',
  title: 'activation extraction',
  isEnabled: () => true,
  inputs: async ({ plan }) => {
    const a = plan.config.activations;
    return {
      checkpoints: plan.checkpoints.map(checkpointFingerprint),
      layer: plan.config.layer,
      corpus: { file: plan.corpus, sha256: await sha256File(plan.corpus) },
      context: a.context,
      tokens: a.tokens,
      dtype: a.dtype,
      batchSize: a.batchSize,
      shardRows: a.shardRows,
    };
  },
  clears: ['activations'],
  async run(ctx) {
    const { plan } = ctx;
    const a = plan.config.activations;
    const result = await extractActivations({
      checkpoints: plan.checkpoints,
      model: plan.model.source,
      layer: plan.config.layer,
      corpus: plan.corpus,
      context: a.context,
      tokens: a.tokens,
      dtype: a.dtype,
      outDir: actsDir(ctx),
      batchSize: a.batchSize,
      shardRows: a.shardRows,
      excludeFirstPosition: true,
      modelResidency: 'all',
      signal: ctx.signal,
      onProgress: (p) => ctx.report(p.total > 0 ? p.step / p.total : 0, p),
    });
    const m = result.manifest;
    return {
      dir: 'activations',
      rows: m.totalRows,
      shape: m.shape,
      scale: m.scale,
      resumedRows: result.resumedRows,
      tokensPerSecond: Math.round(result.tokensPerSecond),
      corpusExhausted: m.corpusExhausted,
    };
  },
  isIntact: (ctx) => existsSync(join(actsDir(ctx), 'manifest.json')),
  describe: (o) => [
    `${String(o.rows)} rows [${(o.shape as number[]).join(',')}]` +
      (Number(o.resumedRows) > 0 ? ` (${String(o.resumedRows)} resumed)` : '') +
      `, ${String(o.tokensPerSecond)} tokens/s, scale s_m ${(o.scale as number[]).map((s) => s.toPrecision(4)).join(', ')}` +
      (o.corpusExhausted === true ? ' (the corpus ran out)' : ''),
  ],
};

/** The crosscoder settings as the trainer takes them (shapes come from the activations). */
export function trainerConfigOf(ctx: Pick<StageContext, 'plan'>) {
  const x = ctx.plan.config.crosscoder;
  return {
    type: x.type,
    nFeatures: x.nFeatures,
    l1Coeff: x.l1Coeff,
    learningRate: x.learningRate,
    batchSize: x.batchSize,
    steps: ctx.plan.steps,
    seed: x.seed,
    ...(x.k === undefined ? {} : { k: x.k }),
    ...(x.kInit === undefined ? {} : { kInit: x.kInit }),
    ...(x.kAnnealSteps === undefined ? {} : { kAnnealSteps: x.kAnnealSteps }),
  };
}

export const trainStage: Stage = {
  name: 'train',
  title: 'crosscoder training',
  isEnabled: () => true,
  inputs: (ctx) => ({ extract: ctx.hashes.extract, crosscoder: trainerConfigOf(ctx) }),
  clears: ['run'],
  async run(ctx) {
    const trained = await trainCrosscoderRun({
      acts: actsDir(ctx),
      config: trainerConfigOf(ctx),
      out: runDir(ctx),
      saveEvery: ctx.plan.config.crosscoder.saveEvery,
      signal: ctx.signal,
      engine: ctx.engine,
      onStep: (m, total) =>
        ctx.report(m.step / total, {
          step: m.step,
          total,
          message: `step ${m.step}/${total} mse ${m.mse.toFixed(4)} L0 ${m.l0.toFixed(1)}`,
        }),
    });
    const last = trained.last;
    return {
      dir: 'run',
      engine: trained.engine.engine,
      steps: trained.steps,
      resumedFrom: trained.resumedFrom,
      final:
        last === null
          ? null
          : { loss: last.loss, mse: last.mse, l0: last.l0, deadFraction: last.deadFraction },
    };
  },
  isIntact: (ctx, outputs) => {
    if (!existsSync(join(runDir(ctx), 'config.json'))) return false;
    return readRunConfig(runDir(ctx)).step === outputs.steps;
  },
  describe: (o) => {
    const f = o.final as { mse: number; l0: number; deadFraction: number } | null;
    const resumed = Number(o.resumedFrom) > 0 ? ` (resumed at step ${String(o.resumedFrom)})` : '';
    return [
      `${String(o.steps)} steps${resumed}${typeof o.engine === 'string' ? ` on ${o.engine}` : ''}` +
        (f === null
          ? ''
          : `: mse ${f.mse.toFixed(4)}, L0 ${f.l0.toFixed(1)}, dead ${(100 * f.deadFraction).toFixed(1)}%`),
    ];
  },
};

export const evaluateStage: Stage = {
  name: 'evaluate',
  title: 'evaluation (MSE, EV, L0, dead, ΔCE)',
  isEnabled: () => true,
  inputs: (ctx) => ({ train: ctx.hashes.train, ...ctx.plan.config.evaluation }),
  clears: [],
  async run(ctx) {
    const { maxRows, ceWindows } = ctx.plan.config.evaluation;
    const summary = await evaluateRunOnStore(runDir(ctx), actsDir(ctx), maxRows, {
      signal: ctx.signal,
      onProgress: (p) => ctx.report(0.3, { ...p, message: `reconstruction: ${p.metrics?.tokens ?? 0} rows` }),
    });
    const store = await openActivationStore(actsDir(ctx));
    const run = await loadRun(runDir(ctx));
    let crossEntropy;
    try {
      crossEntropy = await crossEntropyOfStore({
        store,
        crosscoder: run.crosscoder,
        scale: run.scale,
        windows: ceWindows,
        signal: ctx.signal,
        onProgress: (p) => ctx.report(0.5 + (0.5 * p.step) / Math.max(1, p.total), { ...p, message: 'ΔCE' }),
      });
    } finally {
      run.crosscoder.dispose();
    }
    writeFileSync(
      join(ctx.outDir, 'evaluation.json'),
      JSON.stringify({ summary, crossEntropy }, null, 2) + '\n',
    );
    const { tokens, mse, fvu, explainedVariance, l0, deadFraction, denseFraction } = summary;
    return {
      file: 'evaluation.json',
      tokens,
      mse,
      fvu,
      explainedVariance,
      l0,
      deadFraction,
      denseFraction,
      crossEntropy:
        crossEntropy?.map((c) => ({
          revision: c.revision,
          deltaCe: c.deltaCe,
          ceRecovered: c.ceRecovered,
        })) ?? null,
    };
  },
  isIntact: (ctx) => existsSync(join(ctx.outDir, 'evaluation.json')),
  describe: (o) => {
    const n = (x: unknown, digits: number): string => (typeof x === 'number' ? x.toFixed(digits) : '–');
    const pct = (x: unknown): string => (typeof x === 'number' ? `${(100 * x).toFixed(1)}%` : '–');
    const ce = (o.crossEntropy as { revision: string; deltaCe: number; ceRecovered: number }[] | null) ?? [];
    return [
      `${String(o.tokens)} rows: MSE ${n(o.mse, 4)}, FVU ${n(o.fvu, 3)}, EV ${n(o.explainedVariance, 3)}, L0 ${n(o.l0, 1)}, dead ${pct(o.deadFraction)}, dense ${pct(o.denseFraction)}`,
      ...(ce.length === 0
        ? []
        : [
            `ΔCE ${ce.map((c) => `${c.revision} ${c.deltaCe.toFixed(3)} (recovered ${pct(c.ceRecovered)})`).join(', ')}`,
          ]),
    ];
  },
};
