// `npm run bench -- crosscoder`: crosscoder training steps/s and tokens/s at B=4096, M=3 on the backend in
// use, against a PyTorch CPU reference of the same step (scripts/bench/crosscoder_reference.py) measured
// in the same run. GFLOP/s counts 10·B·M·d·F per step; "of peak" divides by the best matmul rate this
// backend reaches (ctt self-test) and by PyTorch's sgemm rate. Prints numbers; never pass/fail.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import { crosscoderConfigSchema } from '../../src/core/crosscoder/config';
import { Crosscoder } from '../../src/core/crosscoder/crosscoder';
import { CrosscoderTrainer } from '../../src/core/crosscoder/trainer';
import { measureMatmul } from '../../src/core/matmul-benchmark';

const B = 4096;
const M = 3;
const shapes = (process.env.BENCH_SHAPES ?? '128x4096,512x4096,512x16384,2048x16384').split(',').map((s) => {
  const [d, f] = s.split('x').map(Number);
  return { d: d!, f: f! };
});
const repeats = Number(process.env.BENCH_REPEATS ?? 5);
const flopsPerStep = (d: number, f: number): number => 10 * B * M * d * f;

/** One shape in this process; prints a JSON line. Run in a child: wasm aborts are fatal. */
async function measure(d: number, f: number): Promise<void> {
  await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto');
  const config = crosscoderConfigSchema.parse({
    nCheckpoints: M,
    dModel: d,
    nFeatures: f,
    steps: 1_000_000,
    batchSize: B,
  });
  const cc = Crosscoder.create(config);
  const trainer = new CrosscoderTrainer(cc);
  const x = tf.randomNormal([B, M, d]) as tf.Tensor3D;
  await trainer.trainStep(x);
  await trainer.trainStep(x);
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await trainer.trainStep(x);
    times.push((performance.now() - start) / 1000);
  }
  const seconds = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  console.log(JSON.stringify({ stepsPerSecond: 1 / seconds, gflops: flopsPerStep(d, f) / seconds / 1e9 }));
  tf.dispose(x);
  trainer.dispose();
  cc.dispose();
}

function child(d: number, f: number): { stepsPerSecond?: number; gflops?: number; failure?: string } {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/bench/crosscoder-bench.ts', '--shape', `${d}x${f}`],
    {
      encoding: 'utf8',
      maxBuffer: 64 << 20,
    },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (run.status === 0 && line) return JSON.parse(line) as { stepsPerSecond: number; gflops: number };
  const reason =
    `${run.stderr}`
      .split('\n')
      .find((l) => l.length < 300 && /XNN status|RuntimeError|out of bounds|Error/.test(l)) ??
    `exit ${run.status}`;
  return { failure: reason.slice(0, 140) };
}

function reference(
  d: number,
  f: number,
): { steps_per_s: number; gflops: number; sgemm_peak_gflops: number } | string {
  if (!existsSync('/usr/bin/python3')) return 'no /usr/bin/python3';
  const run = spawnSync(
    '/usr/bin/python3',
    ['scripts/bench/crosscoder_reference.py', JSON.stringify({ B, M, d, F: f, repeats, threads: 2 })],
    {
      encoding: 'utf8',
    },
  );
  if (run.status !== 0)
    return `PyTorch reference failed (install python3-torch): ${(run.stderr || '').trim().split('\n').at(-1) ?? ''}`;
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    steps_per_s: number;
    gflops: number;
    sgemm_peak_gflops: number;
  };
}

async function main(): Promise<void> {
  const shapeArg = process.argv.indexOf('--shape');
  if (shapeArg >= 0) {
    const [d, f] = process.argv[shapeArg + 1]!.split('x').map(Number);
    return measure(d!, f!);
  }
  const backend = await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto');
  const peakRows = await measureMatmul({ sizes: [512, 1024], repeats: 3 });
  const backendPeak = Math.max(...peakRows.map((r) => r.gflopsPerSecond));
  console.log(
    `Crosscoder L1 training step, B=${B}, M=${M}, float32; backend ${backend.backend} (matmul peak ${backendPeak.toFixed(1)} GFLOP/s)`,
  );
  console.log('GFLOP/s = 10·B·M·d·F per step; medians of', repeats, 'steps after 2 warm-ups\n');
  for (const { d, f } of shapes) {
    const ours = child(d, f);
    const ref = reference(d, f);
    const head = `d=${d} F=${f}:`;
    const oursText =
      ours.stepsPerSecond === undefined
        ? `tfjs-${backend.backend} failed (${ours.failure})`
        : `tfjs-${backend.backend} ${ours.stepsPerSecond.toFixed(3)} steps/s (${(ours.stepsPerSecond * B).toFixed(0)} tokens/s, ${ours.gflops!.toFixed(1)} GFLOP/s, ${((100 * ours.gflops!) / backendPeak).toFixed(0)}% of its matmul peak)`;
    console.log(`${head} ${oursText}`);
    if (typeof ref === 'string') {
      console.log(`  PyTorch: ${ref}`);
    } else {
      console.log(
        `  PyTorch CPU ${ref.steps_per_s.toFixed(3)} steps/s (${ref.gflops.toFixed(1)} GFLOP/s, sgemm peak ${ref.sgemm_peak_gflops.toFixed(0)} GFLOP/s)`,
      );
      if (ours.stepsPerSecond !== undefined) {
        console.log(
          `  ratio ours/PyTorch ${(ours.stepsPerSecond / ref.steps_per_s).toFixed(3)}; ours reach ${((100 * ours.gflops!) / ref.sgemm_peak_gflops).toFixed(0)}% of the machine's sgemm peak`,
        );
      }
    }
  }
}

await main();
