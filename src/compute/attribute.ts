import { attributedItems, computeIe, itemTopFeatures, metricItemsOf } from '../core/attribution/attribute';
import { selectBackend } from '../core/backend';
import { decoderStatistics } from '../core/crosscoder/evaluate';
import { loadRun } from '../core/crosscoder/run-files';
import { loadLanguageModel, type LoadedLanguageModel } from '../core/lm/load';
import { throwIfAborted } from '../core/progress';
import { importTaskFile } from '../core/tasks/importers';
import { attributeParamsSchema, type AttributeResult } from '../shared/attribution';
import type { ComputeContext } from './jobs';

/*
 * The attribute job (issue 6): IE of every feature of a trained run on a minimal-pair task, per
 * checkpoint, as `ctt attribute` computes it, plus each feature's RelDec and decoder norms and, per pair,
 * the features with the largest |IE| (from the same pass). Progress counts pairs; loading
 * the M models comes first. A cancel throws out of computeIe, so a cancelled job has no result.
 */
export async function runAttributeJob(rawParams: unknown, context: ComputeContext): Promise<AttributeResult> {
  const params = attributeParamsSchema.parse(rawParams);
  const backend = await selectBackend(params.backendPreference ?? context.defaultBackend);
  const imported = await importTaskFile(
    params.taskFile,
    params.limit === undefined ? {} : { limit: params.limit },
  );
  if (imported.pairs.length === 0) throw new Error(`${params.taskFile}: no minimal pairs to attribute`);
  const total = imported.pairs.length;
  context.onProgress({ step: 0, total, message: 'loading the crosscoder' });
  const run = await loadRun(params.runDir);
  const models: LoadedLanguageModel[] = [];
  try {
    if (params.checkpoints.length !== run.config.nCheckpoints) {
      throw new Error(
        `the run is a crosscoder over ${run.config.nCheckpoints} checkpoints; ${params.checkpoints.length} were given`,
      );
    }
    for (const [i, c] of params.checkpoints.entries()) {
      throwIfAborted(context.signal);
      context.onProgress({
        step: 0,
        total,
        message: `loading checkpoint ${i + 1}/${params.checkpoints.length} (${c.revision})`,
      });
      const loaded = await loadLanguageModel(c.path, { isTokenizerRequired: true });
      models.push(loaded);
      if (loaded.folder.config.dModel !== run.config.dModel) {
        throw new Error(
          `${c.path}: d_model ${loaded.folder.config.dModel} does not match the run's ${run.config.dModel}`,
        );
      }
    }
    const tokenizer = models[0]!.tokenizer!;
    const encode = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false });
    const { items, pairIndices, dropped } = metricItemsOf(imported.pairs, encode);
    const skipped = imported.skipped.length + dropped;
    if (items.length === 0) {
      throw new Error(`${params.taskFile}: no pair has answers that differ at one token position`);
    }
    const steps = params.method === 'atp' ? 1 : params.steps;
    const result = await computeIe({
      models: models.map((m) => m.model),
      layer: params.layer,
      crosscoder: run.crosscoder,
      scale: run.scale,
      items,
      steps,
      threshold: params.threshold,
      itemTop: itemTopFeatures,
      signal: context.signal,
      onProgress: (p) =>
        context.onProgress({ step: p.step, total: items.length, message: `${p.step}/${items.length} pairs` }),
    });
    // Never return a partial result: a cancel that lands after the last batch still cancels.
    throwIfAborted(context.signal);
    const { relDec, decoderNorms } = await decoderStatistics(run.crosscoder);
    const { items: perItem = [], ...totals } = result;
    return {
      runId: params.runId,
      ...totals,
      skipped,
      relDec: relDec.map((row) => row.map((v) => (Number.isFinite(v) ? v : null))),
      decoderNorms,
      items: attributedItems(imported.pairs, pairIndices, perItem),
      provenance: {
        runDir: params.runDir,
        revisions: params.checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen })),
        layer: params.layer,
        task: params.taskFile,
        method: params.method,
        steps,
        threshold: params.threshold,
        metric:
          'logit(wrong) − logit(right) at the first differing answer token; positive IE supports the right answer',
        backend: backend.backend,
        createdAt: new Date().toISOString(),
      },
    };
  } finally {
    run.crosscoder.dispose();
    models.forEach((m) => m.model.dispose());
  }
}
