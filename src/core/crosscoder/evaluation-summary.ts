import type { ActivationStore } from '../activations/activation-store';
import type { EvaluationMetrics } from './evaluate';
import type { EvaluationSummary } from '../../shared/training';

// Feeding a store to evaluateCrosscoder and shrinking its metrics to what a run record keeps.
// Legend: M=checkpoints D=dModel.

const chunkRows = 4096;

/** The first `maxRows` rows of the store, multiplied by the run's scale factors, in chunks [n·M·D]. */
export async function* normalizedRows(
  store: ActivationStore,
  scale: Float32Array,
  maxRows: number,
  signal?: AbortSignal,
): AsyncGenerator<Float32Array> {
  const { nCheckpoints: m, dModel: d } = store;
  if (scale.length !== m) {
    throw new Error(`the run has ${scale.length} scale factors, the activations ${m} checkpoints`);
  }
  let left = maxRows;
  for (let s = 0; s < store.shardRows.length && left > 0; s++) {
    if (signal?.aborted) return;
    const rows = await store.readShard(s);
    const n = Math.min(rows.length / (m * d), left);
    for (let i = 0; i < n * m * d; i++) rows[i]! *= scale[Math.floor(i / d) % m]!;
    for (let start = 0; start < n; start += chunkRows) {
      yield rows.subarray(start * m * d, Math.min(n, start + chunkRows) * m * d);
    }
    left -= n;
  }
}

/** Counts of `values` in `bins` equal bins over [0, 1] (1 falls in the last); non-finite values skipped. */
export function histogram01(values: readonly number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.max(0, Math.floor(v * bins)))]! += 1;
  }
  return counts;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

function finiteMean(xs: readonly number[]): number | null {
  const finite = xs.filter(Number.isFinite);
  return finite.length === 0 ? null : finite.reduce((a, b) => a + b, 0) / finite.length;
}

/** The scalars of an evaluation, RelDec histograms per checkpoint and mean decoder cosines per pair. */
export function summarizeEvaluation(metrics: EvaluationMetrics, bins = 50): EvaluationSummary {
  const m = metrics.msePerCheckpoint.length;
  const pairs = metrics.decoderCosine[0]?.length ?? 0;
  return {
    tokens: metrics.tokens,
    mse: finiteOrNull(metrics.mse),
    msePerCheckpoint: metrics.msePerCheckpoint.map(finiteOrNull),
    fvu: finiteOrNull(metrics.fvu),
    explainedVariance: finiteOrNull(metrics.explainedVariance),
    explainedVariancePerCheckpoint: metrics.explainedVariancePerCheckpoint.map(finiteOrNull),
    explainedVariancePerTokenMean: finiteOrNull(metrics.explainedVariancePerTokenMean),
    l1: finiteOrNull(metrics.l1),
    l0: finiteOrNull(metrics.l0),
    deadFraction: finiteOrNull(metrics.deadFraction),
    denseFraction: finiteOrNull(metrics.denseFraction),
    relDecBins: bins,
    relDecHistogram: Array.from({ length: m }, (_, c) =>
      histogram01(
        metrics.relDec.map((row) => row[c] ?? Number.NaN),
        bins,
      ),
    ),
    decoderCosineMean: Array.from({ length: pairs }, (_, p) =>
      finiteMean(metrics.decoderCosine.map((row) => row[p] ?? Number.NaN)),
    ),
  };
}
