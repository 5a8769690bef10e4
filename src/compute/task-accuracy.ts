import { selectBackend } from '../core/backend';
import { loadLanguageModel } from '../core/lm/load';
import { scorePairs } from '../core/lm/task-scoring';
import { throwIfAborted, type ProgressListener } from '../core/progress';
import { tokenizePairs, type AnswerTokenPolicy } from '../core/tasks/answer-tokens';
import { importTaskFile } from '../core/tasks/importers';
import type { MinimalPair } from '../core/tasks/minimal-pair';
import { taskAccuracyParamsSchema, type TaskAccuracyParams, type TaskAccuracyResult } from '../shared/domain';
import { accuracyByLanguage } from '../shared/language-accuracy';
import type { ComputeContext } from './jobs';

/*
 * The task-accuracy job: one minimal-pair task scored on each checkpoint of a family, one model in
 * memory at a time. A pair is right when its good answer gets the higher summed log-probability
 * (docs/decisions/0002). Progress counts pairs over all checkpoints; pairs a checkpoint's tokenizer
 * cannot score under the policy count as done at once. Accuracy is also given per language of the pairs
 * (a task file may mix languages, e.g. CLAMS en + fr rows with a `lang` field).
 */

type CheckpointParams = TaskAccuracyParams['checkpoints'][number];
type CheckpointResult = TaskAccuracyResult['checkpoints'][number];

export async function runTaskAccuracy(
  rawParams: unknown,
  context: ComputeContext,
): Promise<TaskAccuracyResult> {
  const params = taskAccuracyParamsSchema.parse(rawParams);
  await selectBackend(params.backendPreference ?? context.defaultBackend);
  const imported = await importTaskFile(
    params.taskFile,
    params.limit === undefined ? {} : { limit: params.limit },
  );
  const pairs = imported.pairs;
  if (pairs.length === 0) {
    throw new Error(`${params.taskFile}: no usable minimal pair (${imported.skipped.length} lines skipped)`);
  }
  const total = pairs.length * params.checkpoints.length;
  const results: CheckpointResult[] = [];
  for (const [i, checkpoint] of params.checkpoints.entries()) {
    throwIfAborted(context.signal);
    const label = `checkpoint ${i + 1}/${params.checkpoints.length} (${checkpoint.revision})`;
    const lastAccuracy = results.at(-1)?.accuracy;
    const metrics: Record<string, number> = lastAccuracy == null ? {} : { accuracy: lastAccuracy };
    context.onProgress({ step: i * pairs.length, total, message: `${label}: loading`, metrics });
    const result = await scoreCheckpoint(checkpoint, pairs, params.policy, {
      signal: context.signal,
      onProgress: (p) =>
        context.onProgress({
          step: i * pairs.length + p.step,
          total,
          message: `${label}: ${p.step}/${p.total} pairs`,
          metrics,
        }),
    });
    results.push(result);
  }
  return {
    task: {
      file: params.taskFile,
      format: imported.format,
      names: [...new Set(pairs.map((p) => p.taskName))],
      skippedLines: imported.skipped.length,
      languages: [...new Set(pairs.map((p) => p.language))].sort(),
    },
    pairs: pairs.map((p) => ({
      id: p.id,
      sentenceGood: p.sentenceGood,
      sentenceBad: p.sentenceBad,
      phenomenon: p.phenomenon ?? null,
      language: p.language,
    })),
    checkpoints: results,
  };
}

/** Loads one checkpoint, scores every pair its tokenizer keeps, and disposes the model. */
async function scoreCheckpoint(
  checkpoint: CheckpointParams,
  pairs: readonly MinimalPair[],
  policy: AnswerTokenPolicy,
  options: { signal: AbortSignal; onProgress: ProgressListener },
): Promise<CheckpointResult> {
  const loaded = await loadLanguageModel(checkpoint.path, { isTokenizerRequired: true });
  try {
    const tokenizer = loaded.tokenizer!;
    const encode = (text: string): number[] => tokenizer.encode(text, { addSpecialTokens: false });
    const tokenized = tokenizePairs(pairs, encode, policy);
    const vocabSize = loaded.model.config.vocabSize;
    for (const { tokens } of tokenized.items) {
      const outside = [...tokens.prefixIds, ...tokens.goodIds, ...tokens.badIds].find(
        (id) => id >= vocabSize,
      );
      if (outside !== undefined) {
        throw new Error(
          `${tokenizer.path}: token id ${outside} is outside the model's vocabulary (vocab_size ${vocabSize})`,
        );
      }
    }
    const skipped = tokenized.skipped.length;
    const scores = await scorePairs(
      loaded.model,
      tokenized.items.map((item) => item.tokens),
      {
        signal: options.signal,
        onProgress: (p) => options.onProgress({ step: skipped + p.step, total: pairs.length }),
      },
    );
    const marginByPair = new Map<MinimalPair, number>();
    const isCorrectByPair = new Map<MinimalPair, boolean>();
    tokenized.items.forEach((item, i) => {
      marginByPair.set(item.pair, scores[i]!.margin);
      isCorrectByPair.set(item.pair, scores[i]!.isCorrect);
    });
    const correct = scores.filter((s) => s.isCorrect).length;
    return {
      checkpointId: checkpoint.checkpointId,
      revision: checkpoint.revision,
      tokensSeen: checkpoint.tokensSeen,
      accuracy: scores.length === 0 ? null : correct / scores.length,
      // NaN or ±Infinity cannot travel as JSON; they become null like a skipped pair.
      margins: pairs.map((p) => {
        const margin = marginByPair.get(p);
        return margin === undefined || !Number.isFinite(margin) ? null : margin;
      }),
      skipped,
      byLanguage: accuracyByLanguage(
        pairs.map((p) => p.language),
        pairs.map((p) => isCorrectByPair.get(p) ?? null),
      ),
    };
  } finally {
    loaded.model.dispose();
  }
}
