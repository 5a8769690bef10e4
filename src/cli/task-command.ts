import { selectBackend } from '../core/backend';
import { loadLanguageModel } from '../core/lm/load';
import { scorePairs } from '../core/lm/task-scoring';
import { tokenizePairs } from '../core/tasks/answer-tokens';
import { importTaskFile } from '../core/tasks/importers';
import type { BackendPreference } from '../shared/domain';

/**
 * `ctt task accuracy`: share of minimal pairs whose good answer gets the higher summed log-probability.
 * `skipped` counts pairs the importer skipped plus, with --single-token-only, multi-token pairs.
 */
export async function runTaskAccuracy(options: {
  model: string;
  task: string;
  limit: number | undefined;
  isSingleTokenOnly: boolean;
  isJson: boolean;
  backend: BackendPreference | undefined;
}): Promise<void> {
  const imported = await importTaskFile(
    options.task,
    options.limit === undefined ? {} : { limit: options.limit },
  );
  await selectBackend(options.backend ?? 'auto');
  const loaded = await loadLanguageModel(options.model, { isTokenizerRequired: true });
  try {
    const encode = (text: string): number[] => loaded.tokenizer!.encode(text, { addSpecialTokens: false });
    const tokenized = tokenizePairs(
      imported.pairs,
      encode,
      options.isSingleTokenOnly ? 'singleTokenOnly' : 'multiToken',
    );
    const isTty = process.stderr.isTTY && !options.isJson;
    const scores = await scorePairs(
      loaded.model,
      tokenized.items.map((i) => i.tokens),
      {
        onProgress: (p) => {
          if (isTty) process.stderr.write(`\r\x1b[2Kscoring ${p.step}/${p.total}`);
        },
      },
    );
    if (isTty) process.stderr.write('\n');
    const correct = scores.filter((s) => s.isCorrect).length;
    const result = {
      n: scores.length,
      accuracy: scores.length === 0 ? null : correct / scores.length,
      skipped: imported.skipped.length + tokenized.skipped.length,
    };
    if (options.isJson) {
      console.log(JSON.stringify(result));
    } else {
      console.log(
        `${options.task}: ${correct}/${result.n} correct (accuracy ${result.accuracy?.toFixed(4) ?? 'n/a'}), ${result.skipped} skipped`,
      );
      if (tokenized.counts.boundaryMerged > 0) {
        console.log(
          `  ${tokenized.counts.boundaryMerged} pairs merged across the prefix/answer boundary (scored on encode(answer))`,
        );
      }
    }
  } finally {
    loaded.model.dispose();
  }
}
