import { extractActivations } from '../core/activations/extract';
import { selectBackend } from '../core/backend';
import { extractActivationsParamsSchema, type ExtractActivationsResult } from '../shared/domain';
import type { ComputeContext } from './jobs';

/*
 * The extractActivations job: residuals of M checkpoints on the same corpus windows into a store folder
 * (docs/decisions/0005). Progress counts the rows of this run, so the runner's ETA stays right when a
 * run resumes a partly written store; the message carries the overall count.
 */
export async function runExtractActivations(
  rawParams: unknown,
  context: ComputeContext,
): Promise<ExtractActivationsResult> {
  const params = extractActivationsParamsSchema.parse(rawParams);
  const backend = await selectBackend(params.backendPreference ?? context.defaultBackend);
  context.onProgress({
    step: 0,
    total: params.tokens,
    message: `loading ${params.checkpoints.length} checkpoints`,
  });
  const result = await extractActivations({
    checkpoints: params.checkpoints,
    model: params.model,
    layer: params.layer,
    corpus: params.corpusFile,
    context: params.context,
    tokens: params.tokens,
    dtype: params.dtype,
    outDir: params.outDir,
    batchSize: params.batchSize,
    shardRows: params.shardRows,
    excludeFirstPosition: params.excludeFirstPosition,
    modelResidency: params.modelResidency,
    signal: context.signal,
    onProgress: context.onProgress,
  });
  const { manifest } = result;
  return {
    outDir: result.outDir,
    totalRows: manifest.totalRows,
    shape: manifest.shape,
    shards: manifest.shards.length,
    resumedRows: result.resumedRows,
    extractedRows: result.extractedRows,
    tokensPerSecond: result.tokensPerSecond,
    scale: manifest.scale,
    complete: manifest.complete,
    corpusExhausted: manifest.corpusExhausted,
    backend: backend.backend,
  };
}
