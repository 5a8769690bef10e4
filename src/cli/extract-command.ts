import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { resolveCheckpoints } from '../core/activations/checkpoint-source';
import {
  extractActivationsResultSchema,
  type BackendPreference,
  type ExtractActivationsParams,
  type ExtractActivationsResult,
} from '../shared/domain';
import { createWorkerExecutor } from '../main/jobs/compute-worker-host';
import { JobRunner } from '../main/jobs/job-runner';
import { createStore } from '../main/store/store';
import { createProgressPrinter } from './job-progress';

/** The demo corpus, used when `--corpus` is not given. */
export const demoCorpusFile = fileURLToPath(new URL('../../resources/demo/corpus.txt', import.meta.url));

export interface ExtractCommandOptions {
  model: string;
  revisions: string[];
  layer: number;
  corpus: string | undefined;
  tokens: number;
  out: string;
  context: number;
  dtype: 'F16' | 'F32';
  batchSize: number;
  shardTokens: number;
  backend: BackendPreference | undefined;
  isJson: boolean;
}

/**
 * `ctt extract`: runs the extractActivations job through the job runner and a compute worker, with
 * progress and ETA on stderr. Ctrl-C cancels between batches and keeps every complete shard; the same
 * command again resumes after the last one.
 */
export async function runExtract(options: ExtractCommandOptions): Promise<void> {
  const resolved = await resolveCheckpoints(options.model, options.revisions);
  const params: ExtractActivationsParams = {
    model: resolved.model,
    checkpoints: resolved.checkpoints.map((c) => ({
      ...c,
      path: resolve(c.path),
      tokensSeen: c.tokensSeen ?? null,
    })),
    layer: options.layer,
    corpusFile: resolve(options.corpus ?? demoCorpusFile),
    context: options.context,
    tokens: options.tokens,
    dtype: options.dtype,
    outDir: resolve(options.out),
    batchSize: options.batchSize,
    shardRows: options.shardTokens,
    excludeFirstPosition: true,
    modelResidency: 'all',
    ...(options.backend === undefined ? {} : { backendPreference: options.backend }),
  };
  const store = createStore(':memory:');
  const runner = new JobRunner({
    jobs: store.jobs,
    execute: createWorkerExecutor(() => options.backend ?? 'auto'),
    emit: createProgressPrinter(),
    maxConcurrent: () => 1,
  });
  const onSigint = (): void => {
    for (const job of runner.list()) if (job.finishedAt === null) runner.cancel(job.id);
  };
  process.once('SIGINT', onSigint);
  try {
    const revisions = options.revisions.join(',');
    const job = runner.start('extractActivations', params, `extract ${revisions} layer ${options.layer}`);
    await runner.idle();
    const done = runner.get(job.id);
    if (done.state === 'cancelled') {
      process.stderr.write(
        `cancelled: the complete shards stay in ${params.outDir}; run the same command again to resume\n`,
      );
      process.exitCode = 130;
      return;
    }
    if (done.state !== 'succeeded') throw new Error(done.error ?? `extraction ${done.state}`);
    const result = extractActivationsResultSchema.parse(done.result);
    if (options.isJson) console.log(JSON.stringify(result, null, 2));
    else printResult(result, params);
  } finally {
    process.off('SIGINT', onSigint);
    store.close();
  }
}

function printResult(result: ExtractActivationsResult, params: ExtractActivationsParams): void {
  console.log(
    `${result.outDir}: ${result.totalRows} rows [${result.shape.join(',')}] ${params.dtype} in ${result.shards} shards` +
      (result.resumedRows > 0 ? ` (${result.resumedRows} rows resumed)` : ''),
  );
  const factors = params.checkpoints.map((c, i) => `${c.revision} ${result.scale[i]?.toPrecision(5)}`);
  console.log(`scale s_m: ${factors.join(', ')}`);
  console.log(`${Math.round(result.tokensPerSecond)} tokens/s on ${result.backend}`);
  if (result.corpusExhausted) {
    console.log(`note: the corpus ended after ${result.totalRows} of ${params.tokens} tokens`);
  }
}
