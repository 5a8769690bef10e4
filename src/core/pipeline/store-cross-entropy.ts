import type { ActivationStore } from '../activations/activation-store';
import { corpusWindows, resolveSeparatorId } from '../activations/corpus';
import { spliceCrossEntropy, type CheckpointCe } from '../crosscoder/ce-eval';
import type { Crosscoder } from '../crosscoder/crosscoder';
import { loadLanguageModel, type LoadedLanguageModel } from '../lm/load';
import { throwIfAborted, type ProgressListener } from '../progress';

/**
 * ΔCE and CE-recovered per checkpoint on the first `windows` windows of the store's own corpus, with the
 * checkpoints, layer and context its manifest names (as `ctt evaluate --ce-windows`). Null for a
 * single-file store (no provenance). All M models are loaded, then disposed.
 */
export async function crossEntropyOfStore(options: {
  store: ActivationStore;
  crosscoder: Crosscoder;
  scale: Float32Array;
  windows: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<(CheckpointCe & { revision: string })[] | null> {
  const manifest = options.store.manifest;
  if (manifest === null || options.windows <= 0) return null;
  const models: LoadedLanguageModel[] = [];
  try {
    for (const r of manifest.revisions) {
      throwIfAborted(options.signal);
      models.push(await loadLanguageModel(r.path, { isTokenizerRequired: true }));
    }
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
      if (texts.length >= options.windows) break;
    }
    const ce = await spliceCrossEntropy({
      models: models.map((m) => m.model),
      layer: manifest.layer,
      crosscoder: options.crosscoder,
      scale: options.scale,
      windows: texts,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    });
    return ce.map((c, i) => ({ revision: manifest.revisions[i]!.revision, ...c }));
  } finally {
    for (const m of models) m.model.dispose();
  }
}
