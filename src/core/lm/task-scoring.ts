import * as tf from '@tensorflow/tfjs';
import type { TokenizedPair } from '../tasks/answer-tokens';
import { throwIfAborted, yieldToEventLoop, type ProgressListener } from '../progress';
import { padBatch } from './batch';
import type { LanguageModel } from './language-model';
import { nextTokenLogProbs } from './log-probs';

export interface PairScore {
  /** Sum of the log-probabilities of the good answer's tokens after the prefix (nats). */
  goodLogProb: number;
  badLogProb: number;
  /** goodLogProb − badLogProb; the model prefers the good answer when > 0. */
  margin: number;
  isCorrect: boolean;
}

/**
 * Scores minimal pairs with one model: each pair becomes two sequences (prefix + good, prefix + bad),
 * run in right-padded batches; an answer's score is the sum of its teacher-forced token log-probs.
 */
export async function scorePairs(
  model: LanguageModel,
  pairs: readonly TokenizedPair[],
  options: { batchSize?: number; signal?: AbortSignal; onProgress?: ProgressListener } = {},
): Promise<PairScore[]> {
  const pairsPerBatch = Math.max(1, Math.floor((options.batchSize ?? 32) / 2));
  const scores: PairScore[] = [];
  for (let start = 0; start < pairs.length; start += pairsPerBatch) {
    throwIfAborted(options.signal);
    const chunk = pairs.slice(start, start + pairsPerBatch);
    const sequences = chunk.flatMap((p) => [
      [...p.prefixIds, ...p.goodIds],
      [...p.prefixIds, ...p.badIds],
    ]);
    const batch = padBatch(sequences);
    const logp_BT = tf.tidy(() => {
      const { logits_BTV } = model.forward(batch);
      return nextTokenLogProbs(logits_BTV!, batch);
    });
    const logp = (await logp_BT.data()) as Float32Array;
    logp_BT.dispose();
    const answerSum = (row: number, prefixLength: number, answerLength: number): number => {
      let sum = 0;
      // Position p predicts token p + 1: answer token j (at prefixLength + j) is read at prefixLength + j − 1.
      for (let j = 0; j < answerLength; j++) sum += logp[row * batch.length + prefixLength + j - 1]!;
      return sum;
    };
    chunk.forEach((p, i) => {
      if (p.prefixIds.length === 0)
        throw new Error('a pair has an empty prefix: nothing predicts its first answer token');
      const goodLogProb = answerSum(2 * i, p.prefixIds.length, p.goodIds.length);
      const badLogProb = answerSum(2 * i + 1, p.prefixIds.length, p.badIds.length);
      scores.push({
        goodLogProb,
        badLogProb,
        margin: goodLogProb - badLogProb,
        isCorrect: goodLogProb > badLogProb,
      });
    });
    options.onProgress?.({
      step: scores.length,
      total: pairs.length,
      message: `${scores.length}/${pairs.length} pairs`,
    });
    await yieldToEventLoop();
  }
  return scores;
}
