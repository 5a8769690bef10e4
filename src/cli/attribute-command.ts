import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { resolveCheckpoints } from '../core/activations/checkpoint-source';
import { ablationEffects, spearman } from '../core/attribution/ablation';
import { attributedItems, computeIe, itemTopFeatures, metricItemsOf } from '../core/attribution/attribute';
import { attributeResultSchema } from '../shared/attribution';
import { assertThresholds, lifecycleOf, relativeShares, selectTopFeatures } from '../shared/lifecycle';
import { selectBackend } from '../core/backend';
import { decoderStatistics } from '../core/crosscoder/evaluate';
import { loadRun } from '../core/crosscoder/run-files';
import { loadLanguageModel, type LoadedLanguageModel } from '../core/lm/load';
import { importTaskFile } from '../core/tasks/importers';
import { appVersion } from '../main/workbench';
import type { BackendPreference } from '../shared/domain';

/** ie.json: signed IE [M][F] with the provenance needed to reproduce it. */
export const ieFileSchema = z.object({
  ie: z.array(z.array(z.number())).min(2).max(3),
  errorIe: z.array(z.number()),
  metricClean: z.array(z.number()),
  metricAblated: z.array(z.number()),
  n: z.number().int(),
  skipped: z.number().int(),
  isComplete: z.boolean(),
  /** Per pair: its metric and top features by |IE| per checkpoint (files written before had none). */
  items: attributeResultSchema.shape.items,
  provenance: z.looseObject({
    run: z.string(),
    model: z.string(),
    revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
    layer: z.number().int(),
    task: z.string(),
    method: z.enum(['ig', 'atp']),
    steps: z.number().int(),
    threshold: z.number().nullable(),
  }),
});
export type IeFile = z.infer<typeof ieFileSchema>;

interface AttributionInputs {
  run: string;
  model: string;
  revisions: string[];
  layer: number;
  task: string;
  limit: number | undefined;
  backend: BackendPreference | undefined;
}

/** Loads the run and the M checkpoints, checks they fit together, and reduces the task to metric items. */
async function prepareAttribution(options: AttributionInputs) {
  const run = await loadRun(options.run);
  const models: LoadedLanguageModel[] = [];
  try {
    if (options.revisions.length !== run.config.nCheckpoints) {
      throw new Error(
        `the run is a crosscoder over ${run.config.nCheckpoints} checkpoints; --revisions names ${options.revisions.length}`,
      );
    }
    const imported = await importTaskFile(
      options.task,
      options.limit === undefined ? {} : { limit: options.limit },
    );
    if (imported.pairs.length === 0) throw new Error(`${options.task}: no minimal pairs to attribute`);
    const { checkpoints } = await resolveCheckpoints(options.model, options.revisions);
    await selectBackend(options.backend ?? 'auto');
    for (const c of checkpoints) models.push(await loadLanguageModel(c.path, { isTokenizerRequired: true }));
    for (const [i, m] of models.entries()) {
      if (m.folder.config.dModel !== run.config.dModel) {
        throw new Error(
          `${checkpoints[i]!.path}: d_model ${m.folder.config.dModel} does not match the run's ${run.config.dModel}`,
        );
      }
    }
    const tokenizer = models[0]!.tokenizer!;
    const encode = (text: string) => tokenizer.encode(text, { addSpecialTokens: false });
    const { items, pairIndices, dropped } = metricItemsOf(imported.pairs, encode);
    const skipped = imported.skipped.length + dropped;
    if (items.length === 0) {
      throw new Error(
        `${options.task}: no pair has answers that differ at one token position under the stated rule`,
      );
    }
    return { run, models, checkpoints, items, skipped, pairs: imported.pairs, pairIndices };
  } catch (error) {
    run.crosscoder.dispose();
    models.forEach((m) => m.model.dispose());
    throw error;
  }
}

export async function runAttribute(
  options: AttributionInputs & {
    method: 'ig' | 'atp';
    steps: number;
    threshold: number | null;
    out: string;
  },
): Promise<void> {
  const { run, models, checkpoints, items, skipped, pairs, pairIndices } = await prepareAttribution(options);
  try {
    const controller = new AbortController();
    const onSigint = (): void => controller.abort();
    process.once('SIGINT', onSigint);
    const steps = options.method === 'atp' ? 1 : options.steps;
    const started = performance.now();
    let isComplete = true;
    let result;
    try {
      result = await computeIe({
        models: models.map((m) => m.model),
        layer: options.layer,
        crosscoder: run.crosscoder,
        scale: run.scale,
        items,
        steps,
        threshold: options.threshold,
        itemTop: itemTopFeatures,
        signal: controller.signal,
        onProgress: (p) => {
          const eta = ((performance.now() - started) / 1000 / p.step) * (p.total - p.step);
          process.stderr.write(`\rattributing ${p.step}/${p.total} pairs, ETA ${eta.toFixed(0)} s   `);
        },
      });
    } finally {
      process.off('SIGINT', onSigint);
      process.stderr.write('\n');
    }
    isComplete = result.n === items.length;
    const { items: perItem = [], ...totals } = result;
    const file: IeFile = {
      ...totals,
      skipped,
      isComplete,
      items: attributedItems(pairs, pairIndices, perItem),
      provenance: {
        run: resolve(options.run),
        runConfig: run.config,
        model: resolve(options.model),
        revisions: checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen ?? null })),
        layer: options.layer,
        task: resolve(options.task),
        method: options.method,
        steps,
        threshold: options.threshold,
        metric:
          'logit(wrong) − logit(right) at the first differing answer token; positive IE supports the right answer',
        aggregation: 'per example: sum over real tokens; then mean over examples',
        appVersion,
        createdAt: new Date().toISOString(),
      },
    };
    writeFileSync(options.out, JSON.stringify(file));
    console.log(
      `IE over ${result.n} pairs (${skipped} skipped) for ${run.config.nFeatures} features × ${models.length} checkpoints → ${options.out}`,
    );
  } finally {
    run.crosscoder.dispose();
    models.forEach((m) => m.model.dispose());
  }
}

export function runLifecycle(options: {
  ie: string;
  low: number;
  high: number;
  top: number;
  isJson: boolean;
}): void {
  const thresholds = { low: options.low, high: options.high };
  assertThresholds(thresholds);
  let parsed: IeFile;
  try {
    parsed = ieFileSchema.parse(JSON.parse(readFileSync(options.ie, 'utf8')));
  } catch (error) {
    throw new Error(
      `${options.ie}: not an ie.json written by ctt attribute (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`,
    );
  }
  const selected = selectTopFeatures(parsed.ie, options.top).map((f) => {
    const l = lifecycleOf(parsed.ie, f, thresholds);
    return { feature: l.feature, ie: l.ie, relIE: l.relIE, category: l.category, bucket: l.bucket };
  });
  if (options.isJson) {
    console.log(JSON.stringify(selected));
    return;
  }
  if (!parsed.isComplete) console.log('note: this IE file comes from a cancelled run (partial)');
  for (const s of selected) {
    const rel =
      s.relIE === null
        ? 'undefined'
        : Array.isArray(s.relIE)
          ? s.relIE.map((v) => v.toFixed(2)).join('/')
          : s.relIE.toFixed(2);
    console.log(
      `feature ${String(s.feature).padStart(6)}  RelIE ${rel.padEnd(14)} ${s.category.padEnd(13)} IE ${s.ie.map((v) => v.toFixed(4)).join(', ')}`,
    );
  }
}

/**
 * `ctt ablation`: the paper's check of RelIE. Each selected feature is ablated in each checkpoint; the
 * drop in log p(right) − log p(wrong) gives per-checkpoint shares, compared by Spearman ρ with RelIE and
 * with RelDec (for 2 checkpoints the later share; for 3, all components).
 */
export async function runAblation(
  options: AttributionInputs & { ie: string; top: number; isJson: boolean },
): Promise<void> {
  const ieFile = ieFileSchema.parse(JSON.parse(readFileSync(options.ie, 'utf8')));
  const features = selectTopFeatures(ieFile.ie, options.top);
  if (features.length === 0) throw new Error(`${options.ie}: every feature has zero IE; nothing to ablate`);
  const { run, models, items } = await prepareAttribution(options);
  try {
    const effects = await ablationEffects({
      models: models.map((m) => m.model),
      layer: options.layer,
      crosscoder: run.crosscoder,
      scale: run.scale,
      items,
      features,
    });
    const { relDec } = await decoderStatistics(run.crosscoder);
    const m = run.config.nCheckpoints;
    const components = m === 2 ? [1] : [0, 1, 2];
    const rows = effects.map((e) => ({
      ...e,
      relIE: relativeShares(ieFile.ie.map((r) => r[e.feature]!)),
      relDec: relDec[e.feature]!,
    }));
    const usable = rows.filter((r) => r.share !== null && r.relIE !== null);
    const flat = (pick: (r: (typeof rows)[number]) => number[]): number[] =>
      usable.flatMap((r) => components.map((c) => pick(r)[c]!));
    const ablationShares = flat((r) => r.share!);
    const result = {
      n: items.length,
      features: rows,
      spearmanRelIE: spearman(
        ablationShares,
        flat((r) => r.relIE!),
      ),
      spearmanRelDec: spearman(
        ablationShares,
        flat((r) => r.relDec),
      ),
    };
    if (options.isJson) {
      console.log(JSON.stringify(result));
      return;
    }
    for (const r of rows) {
      console.log(
        `feature ${String(r.feature).padStart(6)} Δ ${r.delta.map((v) => v.toFixed(4)).join(', ')}  ablation share ${r.share?.map((v) => v.toFixed(2)).join('/') ?? 'undefined'}  RelIE ${r.relIE?.map((v) => v.toFixed(2)).join('/') ?? 'undefined'}`,
      );
    }
    const fmt = (x: number | null): string => (x === null ? 'undefined' : x.toFixed(3));
    console.log(
      `Spearman ρ(ablation share, RelIE) = ${fmt(result.spearmanRelIE)}; ρ(ablation share, RelDec) = ${fmt(result.spearmanRelDec)} over ${usable.length} features`,
    );
  } finally {
    run.crosscoder.dispose();
    models.forEach((x) => x.model.dispose());
  }
}
