import { openActivationStore, type ActivationStore } from '../core/activations/activation-store';
import { corpusWindows, resolveSeparatorId } from '../core/activations/corpus';
import { spliceCrossEntropy, type CheckpointCe } from '../core/crosscoder/ce-eval';
import type { Crosscoder } from '../core/crosscoder/crosscoder';
import { loadLanguageModel, type LoadedLanguageModel } from '../core/lm/load';
import { selectBackend } from '../core/backend';
import { selectEngine } from '../core/engine';
import type { CrosscoderConfigInput } from '../core/crosscoder/config';
import { evaluateCrosscoder, type EvaluationMetrics } from '../core/crosscoder/evaluate';
import { normalizedRows, summarizeEvaluation } from '../core/crosscoder/evaluation-summary';
import { loadRun } from '../core/crosscoder/run-files';
import { trainCrosscoderRun } from '../core/crosscoder/train-run';
import type { BackendPreference, EnginePreference } from '../shared/domain';

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
  engine?: EnginePreference | undefined;
  threads?: number;
}): Promise<void> {
  const backend = await selectBackend(options.backend ?? 'auto');
  // Fails early, with the reason, when an explicit engine is unavailable.
  const engine = selectEngine(options.engine ?? 'auto', backend.backend);
  process.stderr.write(`engine: ${engine.engine} (${engine.reason})\n`);
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
      engine: engine.engine,
      backend: backend.backend,
      ...(options.threads === undefined ? {} : { threads: options.threads }),
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
      `trained ${result.config.type} crosscoder F=${result.config.nFeatures} for ${result.steps} steps${from} on ${result.engine.engine} → ${options.out}`,
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}

function summary(metrics: EvaluationMetrics, isPerFeature: boolean) {
  const { firingRate, relDec, decoderCosine } = metrics;
  return { ...summarizeEvaluation(metrics), ...(isPerFeature ? { firingRate, relDec, decoderCosine } : {}) };
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
  console.log(`tokens ${metrics.tokens}`);
  console.log(
    `MSE ${metrics.mse.toFixed(5)} (per checkpoint ${metrics.msePerCheckpoint.map((x) => x.toFixed(5)).join(', ')})`,
  );
  console.log(
    `FVU ${metrics.fvu.toFixed(4)}, explained variance ${metrics.explainedVariance.toFixed(4)} (ratio of sums); per-token mean EV ${metrics.explainedVariancePerTokenMean.toFixed(4)}`,
  );
  console.log(
    `L0 ${metrics.l0.toFixed(2)}, L1 ${metrics.l1.toFixed(4)}, dead ${pct(metrics.deadFraction)}, dense ${pct(metrics.denseFraction)}`,
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
