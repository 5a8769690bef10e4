import { openActivationStore, type ActivationStore } from '../core/activations/activation-store';
import { corpusWindows, resolveSeparatorId } from '../core/activations/corpus';
import { spliceCrossEntropy, type CheckpointCe } from '../core/crosscoder/ce-eval';
import type { Crosscoder } from '../core/crosscoder/crosscoder';
import { loadLanguageModel, type LoadedLanguageModel } from '../core/lm/load';
import { selectBackend } from '../core/backend';
import type { CrosscoderConfigInput } from '../core/crosscoder/config';
import { evaluateCrosscoder, type EvaluationMetrics } from '../core/crosscoder/evaluate';
import { loadRun } from '../core/crosscoder/run-files';
import { trainCrosscoderRun } from '../core/crosscoder/train-run';
import type { BackendPreference } from '../shared/domain';

const chunkRows = 4096;

/** Rows of the store, at most `maxRows`, multiplied by the run's scale factors, in chunks. */
async function* normalizedRows(
  store: ActivationStore,
  scale: Float32Array,
  maxRows: number,
): AsyncGenerator<Float32Array> {
  const { nCheckpoints: m, dModel: d } = store;
  if (scale.length !== m)
    throw new Error(`the run has ${scale.length} scale factors, the activations ${m} checkpoints`);
  let left = maxRows;
  for (let s = 0; s < store.shardRows.length && left > 0; s++) {
    const rows = await store.readShard(s);
    const n = Math.min(rows.length / (m * d), left);
    for (let i = 0; i < n * m * d; i++) rows[i]! *= scale[Math.floor(i / d) % m]!;
    for (let start = 0; start < n; start += chunkRows) {
      yield rows.subarray(start * m * d, Math.min(n, start + chunkRows) * m * d);
    }
    left -= n;
  }
}

async function evaluateRun(run: string, acts: string, maxRows: number, ceWindows = 0) {
  const loaded = await loadRun(run);
  try {
    const store = await openActivationStore(acts);
    if (store.dModel !== loaded.config.dModel) {
      throw new Error(`${acts}: activations have d = ${store.dModel}, the run ${loaded.config.dModel}`);
    }
    const metrics = await evaluateCrosscoder(loaded.crosscoder, normalizedRows(store, loaded.scale, maxRows));
    const ce =
      ceWindows > 0 ? await crossEntropyOfStore(store, loaded.crosscoder, loaded.scale, ceWindows) : null;
    return { loaded, metrics, ce };
  } finally {
    loaded.crosscoder.dispose();
  }
}

/**
 * ΔCE and CE-recovered per checkpoint on the first `windows` windows of the store's own corpus, with the
 * checkpoints, layer and context its manifest names. Null for single-file activations (no provenance).
 */
async function crossEntropyOfStore(
  store: ActivationStore,
  crosscoder: Crosscoder,
  scale: Float32Array,
  windows: number,
): Promise<(CheckpointCe & { revision: string })[] | null> {
  const manifest = store.manifest;
  if (manifest === null) return null;
  const models: LoadedLanguageModel[] = [];
  try {
    for (const r of manifest.revisions)
      models.push(await loadLanguageModel(r.path, { isTokenizerRequired: true }));
    const first = models[0]!;
    const tokenizer = first.tokenizer!;
    const texts: number[][] = [];
    for await (const w of corpusWindows({
      file: manifest.corpus.file,
      encode: (t) => tokenizer.encode(t, { addSpecialTokens: false }),
      separatorId: resolveSeparatorId(tokenizer, first.folder.rawConfig),
      context: manifest.context,
    })) {
      texts.push(Array.from(w));
      if (texts.length >= windows) break;
    }
    const ce = await spliceCrossEntropy({
      models: models.map((m) => m.model),
      layer: manifest.layer,
      crosscoder,
      scale,
      windows: texts,
    });
    return ce.map((c, i) => ({ revision: manifest.revisions[i]!.revision, ...c }));
  } finally {
    for (const m of models) m.model.dispose();
  }
}

export async function runTrain(options: {
  acts: string;
  config: Omit<CrosscoderConfigInput, 'nCheckpoints' | 'dModel'>;
  out: string;
  saveEvery: number;
  backend: BackendPreference | undefined;
}): Promise<void> {
  await selectBackend(options.backend ?? 'auto');
  const controller = new AbortController();
  const onSigint = (): void => controller.abort();
  process.once('SIGINT', onSigint);
  const started = performance.now();
  const isTty = process.stderr.isTTY;
  let firstStep: number | null = null;
  try {
    const result = await trainCrosscoderRun({
      acts: options.acts,
      config: options.config,
      out: options.out,
      saveEvery: options.saveEvery,
      signal: controller.signal,
      onStep: (m, total) => {
        firstStep ??= m.step - 1;
        const elapsed = (performance.now() - started) / 1000;
        const eta = (elapsed / (m.step - firstStep)) * (total - m.step);
        const line = `step ${m.step}/${total} loss ${m.loss.toFixed(4)} mse ${m.mse.toFixed(4)} l1 ${m.l1.toFixed(3)} l0 ${m.l0.toFixed(1)} dead ${(100 * m.deadFraction).toFixed(1)}% ETA ${eta.toFixed(0)} s`;
        if (isTty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (m.step % 50 === 0 || m.step === total) process.stderr.write(`${line}\n`);
      },
    });
    if (isTty) process.stderr.write('\n');
    const from = result.resumedFrom > 0 ? ` (resumed at step ${result.resumedFrom})` : '';
    console.log(
      `trained ${result.config.type} crosscoder F=${result.config.nFeatures} for ${result.steps} steps${from} → ${options.out}`,
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function histogram(values: number[], bins: number): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) if (Number.isFinite(v)) counts[Math.min(bins - 1, Math.floor(v * bins))]! += 1;
  return counts;
}

function summary(metrics: EvaluationMetrics, isPerFeature: boolean) {
  const { firingRate, relDec, decoderCosine, ...scalars } = metrics;
  const m = relDec[0]?.length ?? 0;
  const finiteMean = (xs: number[]): number | null => {
    const f = xs.filter(Number.isFinite);
    return f.length === 0 ? null : f.reduce((a, b) => a + b, 0) / f.length;
  };
  return {
    ...scalars,
    relDecHistogram: Array.from({ length: m }, (_, c) =>
      histogram(
        relDec.map((r) => r[c]!),
        50,
      ),
    ),
    decoderCosineMean: (decoderCosine[0] ?? []).map((_, p) => finiteMean(decoderCosine.map((r) => r[p]!))),
    ...(isPerFeature ? { firingRate, relDec, decoderCosine } : {}),
  };
}

export async function runEvaluate(options: {
  run: string;
  acts: string;
  maxRows: number;
  ceWindows: number;
  isJson: boolean;
  isPerFeature: boolean;
  backend: BackendPreference | undefined;
}): Promise<void> {
  await selectBackend(options.backend ?? 'auto');
  const { metrics, ce } = await evaluateRun(options.run, options.acts, options.maxRows, options.ceWindows);
  const out = { ...summary(metrics, options.isPerFeature), crossEntropy: ce };
  if (options.isJson) {
    console.log(JSON.stringify(out));
    return;
  }
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log(`tokens ${out.tokens}`);
  console.log(
    `MSE ${out.mse.toFixed(5)} (per checkpoint ${out.msePerCheckpoint.map((x) => x.toFixed(5)).join(', ')})`,
  );
  console.log(
    `FVU ${out.fvu.toFixed(4)}, explained variance ${out.explainedVariance.toFixed(4)} (ratio of sums); per-token mean EV ${out.explainedVariancePerTokenMean.toFixed(4)}`,
  );
  console.log(
    `L0 ${out.l0.toFixed(2)}, L1 ${out.l1.toFixed(4)}, dead ${pct(out.deadFraction)}, dense ${pct(out.denseFraction)}`,
  );
  if (ce === null) {
    console.log(
      'ΔCE: not computed (--ce-windows 0, or single-file activations without checkpoints and corpus)',
    );
    return;
  }
  for (const c of ce) {
    console.log(
      `${c.revision}: CE clean ${c.ceClean.toFixed(4)}, spliced ${c.ceSpliced.toFixed(4)}, zero ${c.ceZero.toFixed(4)}; ΔCE ${c.deltaCe.toFixed(4)}, CE recovered ${pct(c.ceRecovered)}`,
    );
  }
}

/** `ctt crosscoder loss`: {"mse","l1","loss","l0"} of the run's current weights on these activations. */
export async function runCrosscoderLoss(options: {
  run: string;
  acts: string;
  maxRows: number;
  backend: BackendPreference | undefined;
}): Promise<void> {
  await selectBackend(options.backend ?? 'auto');
  const { loaded, metrics } = await evaluateRun(options.run, options.acts, options.maxRows);
  const lambda = loaded.config.type === 'l1' ? loaded.config.l1Coeff : 0;
  console.log(
    JSON.stringify({
      mse: metrics.mse,
      l1: metrics.l1,
      loss: metrics.mse + lambda * metrics.l1,
      l0: metrics.l0,
    }),
  );
}
