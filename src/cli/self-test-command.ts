import { backendChain } from '../core/backend';
import { selfTestResultSchema, type BackendPreference, type SelfTestResult } from '../shared/domain';
import { createWorkerExecutor } from '../main/jobs/compute-worker-host';
import { JobRunner } from '../main/jobs/job-runner';
import { createStore } from '../main/store/store';
import { createProgressPrinter } from './job-progress';

interface SelfTestOptions {
  backend: BackendPreference | undefined;
  isAllBackends: boolean;
  sizes: number[];
  repeats: number;
  isJson: boolean;
}

/** Runs the self-test job through the real job runner and compute worker, with terminal progress. */
async function runOne(
  preference: BackendPreference,
  options: SelfTestOptions,
): Promise<SelfTestResult | string> {
  const store = createStore(':memory:');
  const runner = new JobRunner({
    jobs: store.jobs,
    execute: createWorkerExecutor(() => preference),
    emit: createProgressPrinter(),
    maxConcurrent: () => 1,
  });
  const onSigint = (): void => {
    for (const job of runner.list()) if (job.finishedAt === null) runner.cancel(job.id);
  };
  process.once('SIGINT', onSigint);
  try {
    const job = runner.start(
      'selfTest',
      { sizes: options.sizes, repeats: options.repeats, backendPreference: preference },
      'self-test',
    );
    await runner.idle();
    const done = runner.get(job.id);
    if (done.state !== 'succeeded') return `${done.state}${done.error ? `: ${done.error}` : ''}`;
    return selfTestResultSchema.parse(done.result);
  } finally {
    process.off('SIGINT', onSigint);
    store.close();
  }
}

export async function runSelfTest(options: SelfTestOptions): Promise<void> {
  const preferences: BackendPreference[] = options.isAllBackends
    ? [...backendChain]
    : [options.backend ?? 'auto'];
  const report: { requested: BackendPreference; result: SelfTestResult | null; note: string }[] = [];
  for (const preference of preferences) {
    const outcome = await runOne(preference, options);
    if (typeof outcome === 'string') {
      report.push({ requested: preference, result: null, note: outcome });
      if (outcome.startsWith('cancelled')) break;
    } else if (preference !== 'auto' && outcome.backend.backend !== preference) {
      const reason = outcome.backend.attempts.find((a) => a.backend === preference)?.reason ?? 'unavailable';
      report.push({ requested: preference, result: null, note: `unavailable: ${reason}` });
    } else {
      report.push({ requested: preference, result: outcome, note: outcome.backend.reason });
    }
  }
  if (options.isJson) {
    console.log(JSON.stringify(report, null, 2));
    return;
  }
  for (const entry of report) {
    if (entry.result === null) {
      console.log(`${entry.requested}: ${entry.note}`);
      continue;
    }
    console.log(`${entry.result.backend.backend} (${entry.note})`);
    for (const row of entry.result.rows) {
      console.log(
        `  matmul ${String(row.size).padStart(4)}²  ${row.medianMs.toFixed(2).padStart(9)} ms  ${row.gflopsPerSecond.toFixed(2).padStart(8)} GFLOP/s`,
      );
    }
  }
  if (report.some((r) => r.note.startsWith('cancelled') || r.note.startsWith('failed'))) process.exitCode = 1;
}
