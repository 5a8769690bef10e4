// `npm run bench -- crosscoder`: crosscoder L1 training steps/s at B=4096, M=3, float32, for the native
// engine (fused step: OpenBLAS sgemm + OpenMP loops), tfjs on wasm (CTT_BACKEND picks another) and a PyTorch CPU
// reference of the same step (scripts/bench/crosscoder_reference.py), all in one run, in the same
// environment (OPENBLAS_* as set) and with the same thread count (BENCH_THREADS, default 2).
// GFLOP/s counts 10·B·M·d·F per step (two forward, three backward matmuls). The native sgemm peak is
// measured in this run (4096³, OpenBLAS's own threads) and on the step's five matmul shapes.
// Each engine and shape runs in its own child process (wasm aborts are fatal). Filters: BENCH_SHAPES
// (e.g. 128x4096,512x16384), BENCH_ENGINES (native,tfjs,pytorch), BENCH_REPEATS (timed steps, default 5),
// BENCH_ROUNDS (alternating native/PyTorch rounds, best kept; default 1), BENCH_MEMORY=0 skips
// the memory check (d=2048 F=16384 BatchTopK: 2 steps and a resumable save; peak RSS).
// CTT_NATIVE_PROFILE=1 prints the native step's phases. Prints numbers; never pass/fail.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import { crosscoderConfigSchema } from '../../src/core/crosscoder/config';
import { Crosscoder } from '../../src/core/crosscoder/crosscoder';
import { NativeCrosscoderTrainer } from '../../src/core/crosscoder/native-trainer';
import { loadRunHost, saveRun } from '../../src/core/crosscoder/run-files';
import { CrosscoderTrainer } from '../../src/core/crosscoder/trainer';
import { requireNativeAddon } from '../../src/core/native/native-addon';
import { SeededRandom } from '../../src/core/random';

const B = 4096;
const M = 3;
const shapes = (process.env.BENCH_SHAPES ?? '128x4096,512x4096,512x16384,2048x16384').split(',').map((s) => {
  const [d, f] = s.split('x').map(Number);
  return { d: d!, f: f! };
});
const engines = new Set((process.env.BENCH_ENGINES ?? 'native,tfjs,pytorch').split(','));
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const rounds = Number(process.env.BENCH_ROUNDS ?? 1);
const threads = Number(process.env.BENCH_THREADS ?? 2);
const flopsPerStep = (d: number, f: number): number => 10 * B * M * d * f;
/** The tfjs engine's backend: wasm unless CTT_BACKEND names another (the issue compares tfjs-wasm). */
const tfjsBackend = parseBackendPreference(process.env.CTT_BACKEND) ?? 'wasm';

interface Measured {
  stepsPerSecond?: number;
  gflops?: number;
  /** Native: OpenBLAS sgemm on the step's five shapes, GFLOP/s. */
  stepShapesGflops?: number;
  phaseMs?: Record<string, number>;
  failure?: string;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function config(d: number, f: number, type: 'l1' | 'batchtopk' = 'l1') {
  // λ at its target from step 0 (no warm-up), as in the PyTorch reference.
  return crosscoderConfigSchema.parse({
    ...{ type, nCheckpoints: M, dModel: d, nFeatures: f, steps: 1_000_000, batchSize: B },
    l1WarmupFraction: 0,
  });
}

function randomBatch(d: number, seed = 1): Float32Array {
  const random = new SeededRandom(seed);
  return Float32Array.from({ length: B * M * d }, () => random.normal());
}

/** Seconds per call of `fn`: median of `repeats` after 2 warm-ups. */
async function timeSteps(fn: () => Promise<unknown>): Promise<number> {
  await fn();
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

/** GFLOP/s of OpenBLAS sgemm (its own threads) on C[m,n] = op(A)·op(B), best of `reps`. */
function sgemmGflops(shapesToTime: [boolean, boolean, number, number, number][], reps = 2): number {
  const addon = requireNativeAddon();
  let flops = 0;
  let seconds = 0;
  for (const [ta, tb, m, n, k] of shapesToTime) {
    const a = new Float32Array(m * k).fill(0.5);
    const b = new Float32Array(k * n).fill(0.25);
    const c = new Float32Array(m * n);
    addon.sgemm(ta, tb, m, n, k, 1, a, b, 0, c);
    let best = Infinity;
    for (let r = 0; r < reps; r++) {
      const start = performance.now();
      addon.sgemm(ta, tb, m, n, k, 1, a, b, 0, c);
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    flops += 2 * m * n * k;
    seconds += best;
  }
  return flops / seconds / 1e9;
}

async function measureNative(d: number, f: number): Promise<Measured> {
  requireNativeAddon().setThreads(threads);
  const trainer = NativeCrosscoderTrainer.create(config(d, f), { threads });
  const x = randomBatch(d);
  let phaseMs: Record<string, number> | undefined;
  const session = trainer.nativeSession;
  const seconds = await timeSteps(async () => {
    const options = trainer.stepOptions();
    phaseMs = session.step(x, options).phaseMs;
  });
  trainer.dispose();
  const k = M * d;
  // The step's matmuls: pre = x·W_enc, x̂ = f·W_dec, ∂f = e·W_decᵀ, ∂W_dec = fᵀ·e, ∂W_enc = xᵀ·∂pre.
  const stepShapesGflops = sgemmGflops(
    [
      [false, false, B, f, k],
      [false, false, B, k, f],
      [false, true, B, f, k],
      [true, false, f, k, B],
      [true, false, k, f, B],
    ],
    1,
  );
  return {
    stepsPerSecond: 1 / seconds,
    gflops: flopsPerStep(d, f) / seconds / 1e9,
    stepShapesGflops,
    ...(phaseMs ? { phaseMs } : {}),
  };
}

async function measureTfjs(d: number, f: number): Promise<Measured> {
  await selectBackend(tfjsBackend);
  const cc = Crosscoder.create(config(d, f));
  const trainer = new CrosscoderTrainer(cc);
  const x = tf.tensor3d(randomBatch(d), [B, M, d]);
  const seconds = await timeSteps(() => trainer.trainStep(x));
  tf.dispose(x);
  trainer.dispose();
  cc.dispose();
  return { stepsPerSecond: 1 / seconds, gflops: flopsPerStep(d, f) / seconds / 1e9 };
}

/** The paper's shape on the native engine: BatchTopK with AuxK active, 2 steps, a resumable save. */
async function memoryCheck(): Promise<void> {
  const [d, f] = [2048, 16384];
  requireNativeAddon().setThreads(threads);
  const c = { ...config(d, f, 'batchtopk'), deadTokens: B };
  const started = performance.now();
  const trainer = NativeCrosscoderTrainer.create(c, { threads });
  const createdS = (performance.now() - started) / 1000;
  const stepS: number[] = [];
  for (let s = 0; s < 2; s++) {
    const x = randomBatch(d, 10 + s);
    const t0 = performance.now();
    await trainer.trainBatch(x);
    stepS.push((performance.now() - t0) / 1000);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ctt-bench-memory-'));
  const t0 = performance.now();
  await saveRun(dir, {
    config: c,
    scale: new Float32Array(M).fill(1),
    weights: await trainer.weights(),
    theta: trainer.theta,
    state: await trainer.exportState(),
  });
  const saveS = (performance.now() - t0) / 1000;
  const dead = trainer.deadMask().reduce((n, v) => n + v, 0);
  trainer.dispose();
  // Resume from the save, as a restarted run would: weights, Adam state, counters.
  const t1 = performance.now();
  const loaded = await loadRunHost(dir);
  const resumed = NativeCrosscoderTrainer.fromHost(c, loaded.weights, loaded.theta, { threads });
  await resumed.importState(loaded.state!);
  const resumedStep = resumed.step;
  resumed.dispose();
  const resumeS = (performance.now() - t1) / 1000;
  rmSync(dir, { recursive: true, force: true });
  const maxRssGiB = (process.resourceUsage().maxRSS * 1024) / 2 ** 30;
  console.log(
    JSON.stringify({
      createdS,
      stepS,
      saveS,
      resumeS,
      resumedStep,
      maxRssGiB,
      dead,
    }),
  );
}

function child(mode: string, args: string[]): Measured {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/bench/crosscoder-bench.ts', mode, ...args],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (run.status === 0 && line) return JSON.parse(line) as Measured;
  const reason =
    `${run.stderr}`
      .split('\n')
      .find((l) => l.length < 300 && /XNN status|RuntimeError|out of bounds|Error/.test(l)) ??
    `exit ${run.status}`;
  return { failure: reason.slice(0, 140) };
}

function reference(d: number, f: number): Measured & { sgemmPeakGflops?: number } {
  if (!existsSync('/usr/bin/python3')) return { failure: 'no /usr/bin/python3' };
  const run = spawnSync(
    '/usr/bin/python3',
    ['scripts/bench/crosscoder_reference.py', JSON.stringify({ B, M, d, F: f, repeats, threads })],
    { encoding: 'utf8', maxBuffer: 64 << 20 },
  );
  if (run.status !== 0) {
    return { failure: `install python3-torch: ${(run.stderr || '').trim().split('\n').at(-1) ?? ''}` };
  }
  const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    steps_per_s: number;
    gflops: number;
    sgemm_peak_gflops: number;
  };
  return { stepsPerSecond: r.steps_per_s, gflops: r.gflops, sgemmPeakGflops: r.sgemm_peak_gflops };
}

/** The measurement with more steps/s (a failure only when both failed). */
function faster<T extends Measured>(a: T | undefined, b: T): T {
  if (a?.stepsPerSecond === undefined) return b;
  return b.stepsPerSecond !== undefined && b.stepsPerSecond > a.stepsPerSecond ? b : a;
}

const fmt = (m: Measured | undefined): string =>
  m === undefined
    ? '–'
    : m.stepsPerSecond === undefined
      ? `fails (${m.failure})`
      : `${m.stepsPerSecond.toFixed(3)} steps/s ${m.gflops!.toFixed(0)} GFLOP/s`;

async function main(): Promise<void> {
  const [mode, shapeArg] = process.argv.slice(2);
  if (mode === '--native' || mode === '--tfjs') {
    const [d, f] = shapeArg!.split('x').map(Number);
    const measured = mode === '--native' ? await measureNative(d!, f!) : await measureTfjs(d!, f!);
    console.log(JSON.stringify(measured));
    return;
  }
  if (mode === '--memory') return memoryCheck();

  const addon = requireNativeAddon();
  addon.setThreads(threads);
  const peak = sgemmGflops([[false, false, 4096, 4096, 4096]], 3);
  const backend = await selectBackend(tfjsBackend);
  const info = addon.info();
  console.log(
    `Crosscoder L1 training step, B=${B}, M=${M}, float32, ${threads} threads for native and PyTorch`,
  );
  console.log(
    `native: ${info.openblasConfig} (core ${info.coreName}); OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE ?? 'unset'} ` +
      `OPENBLAS_L2_SIZE=${process.env.OPENBLAS_L2_SIZE ?? 'unset'}; tfjs on ${backend.backend}`,
  );
  console.log(`native sgemm peak (4096³, OpenBLAS threads): ${peak.toFixed(0)} GFLOP/s`);
  console.log(
    `load average at start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (other work skews every number)`,
  );
  console.log(
    `GFLOP/s = 10·B·M·d·F per step; medians of ${repeats} steps after 2 warm-ups` +
      (rounds > 1 ? `, best of ${rounds} alternating rounds for native and PyTorch` : '') +
      '\n',
  );
  const rows: string[] = [];
  for (const { d, f } of shapes) {
    // Native and PyTorch alternate for BENCH_ROUNDS rounds, each keeping its best round: on a shared
    // machine, a burst of other work then skews one round, not one engine.
    let native: Measured | undefined;
    let torch: (Measured & { sgemmPeakGflops?: number }) | undefined;
    for (let round = 0; round < rounds; round++) {
      if (engines.has('native')) native = faster(native, child('--native', [`${d}x${f}`]));
      if (engines.has('pytorch')) torch = faster(torch, reference(d, f));
    }
    const tfjs = engines.has('tfjs') ? child('--tfjs', [`${d}x${f}`]) : undefined;
    console.log(`d=${d} F=${f}:`);
    console.log(`  native      ${fmt(native)}`);
    if (native?.gflops !== undefined) {
      console.log(
        `              ${((100 * native.gflops) / peak).toFixed(0)}% of the sgemm peak, ` +
          `${((100 * native.gflops) / native.stepShapesGflops!).toFixed(0)}% of OpenBLAS on the step's own shapes (${native.stepShapesGflops!.toFixed(0)} GFLOP/s)`,
      );
      if (native.phaseMs) {
        const phases = Object.entries(native.phaseMs).map(([k, v]) => `${k} ${v.toFixed(1)}`);
        console.log(`              phases (ms): ${phases.join(' | ')}`);
      }
    }
    console.log(`  tfjs-${backend.backend.padEnd(6)}${fmt(tfjs)}`);
    console.log(
      `  PyTorch CPU ${fmt(torch)}${torch?.sgemmPeakGflops ? ` (its sgemm 4096³: ${torch.sgemmPeakGflops.toFixed(0)} GFLOP/s)` : ''}`,
    );
    const ratio =
      native?.stepsPerSecond !== undefined && torch?.stepsPerSecond !== undefined
        ? native.stepsPerSecond / torch.stepsPerSecond
        : undefined;
    if (ratio !== undefined) console.log(`  native / PyTorch: ${ratio.toFixed(2)}×`);
    const cell = (m: Measured | undefined): string =>
      m?.stepsPerSecond === undefined
        ? m
          ? 'fails'
          : '–'
        : `${m.gflops!.toFixed(0)} (${m.stepsPerSecond.toFixed(3)})`;
    rows.push(
      `| d=${d} F=${f} | ${cell(native)} | ${cell(tfjs)} | ${cell(torch)} | ${ratio?.toFixed(2) ?? '–'} | ` +
        `${native?.gflops === undefined ? '–' : `${((100 * native.gflops) / peak).toFixed(0)}%`} |`,
    );
  }
  if (process.env.BENCH_MEMORY !== '0' && engines.has('native')) {
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'test/bench/crosscoder-bench.ts', '--memory'],
      {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      },
    );
    const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
    const m = line
      ? (JSON.parse(line) as {
          createdS: number;
          stepS: number[];
          saveS: number;
          resumeS: number;
          resumedStep: number;
          maxRssGiB: number;
          dead: number;
        })
      : null;
    console.log(
      m
        ? `\nMemory, d=2048 F=16384 M=3 B=4096 BatchTopK (AuxK on ${m.dead} dead features): created in ${m.createdS.toFixed(1)} s, ` +
            `steps ${m.stepS.map((s) => s.toFixed(1)).join(' s, ')} s, resumable save ${m.saveS.toFixed(1)} s, ` +
            `loaded and resumed at step ${m.resumedStep} in ${m.resumeS.toFixed(1)} s; peak RSS ${m.maxRssGiB.toFixed(2)} GiB (limit 24 GB)`
        : `\nMemory check failed: ${run.stderr.trim().split('\n').at(-1) ?? `exit ${run.status}`}`,
    );
  }
  console.log(
    `\n| shape | native GFLOP/s (steps/s) | tfjs-${backend.backend} | PyTorch CPU | native/PyTorch | native % of sgemm peak (${peak.toFixed(0)}) |`,
  );
  console.log('|---|---|---|---|---|---|');
  for (const row of rows) console.log(row);
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

await main();
