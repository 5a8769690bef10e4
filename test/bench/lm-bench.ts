// `npm run bench -- lm`: GPT-NeoX forward and forward+backward tokens/s in the project's runtime on the
// native backend (tfjs cpu + OpenBLAS/native kernels) and on tfjs-wasm, against the PyTorch CPU
// reference (scripts/bench/lm_reference.py), all measured in the same run, with the sgemm peak of this
// machine measured in the same run too (OpenBLAS through the native addon, 2048³, best of 5, in every
// round and at the end; the highest is the peak). Implementations run interleaved for BENCH_ROUNDS
// rounds (default 3) and each reports its best round: on a shared machine a burst of load then hits
// all of them alike. Threads: native and PyTorch use 2; tfjs-wasm in Node runs on one thread (it cannot
// start workers there). The OPENBLAS_* environment is left as it is, for every implementation alike.
// "Backward" is what attribution needs: the gradient of the next-token loss with respect to the
// residual stream entering block 0, through the whole model (no weight gradients: at Pythia-160M size
// those would not fit tfjs-wasm's heap). Prints numbers and ratios; it is not a pass/fail test.
// BENCH_BACKENDS=native,wasm,cpu picks the tfjs backends (stock cpu takes minutes at 160M).
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import type { GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import { padBatch } from '../../src/core/lm/batch';
import { GptNeoxModel } from '../../src/core/lm/gpt-neox-model';
import { initGptNeoxWeights } from '../../src/core/lm/init';
import { nextTokenLogProbs } from '../../src/core/lm/log-probs';
import { measureSgemmPeak } from '../../src/core/matmul-benchmark';
import { nativeAddon, nativeAddonStatus } from '../../src/core/native/native-addon';

interface Shape {
  name: string;
  config: GptNeoxConfig;
  batch: number;
  tokens: number;
}

const threads = 2;
const base = {
  rotaryBase: 10000,
  maxPositions: 2048,
  layerNormEps: 1e-5,
  hiddenAct: 'gelu' as const,
  isParallelResidual: true,
  isTiedEmbeddings: false,
  torchDtype: null,
};
const shapes: Shape[] = [
  {
    name: 'demo-shaped (d=64, 4 layers, V=512)',
    config: {
      ...base,
      vocabSize: 512,
      dModel: 64,
      nLayers: 4,
      nHeads: 4,
      headSize: 16,
      rotaryDims: 4,
      dMlp: 256,
    },
    batch: 8,
    tokens: 64,
  },
  {
    name: 'Pythia-160M-shaped (d=768, 12 layers, V=50304)',
    config: {
      ...base,
      vocabSize: 50304,
      dModel: 768,
      nLayers: 12,
      nHeads: 12,
      headSize: 64,
      rotaryDims: 16,
      dMlp: 3072,
    },
    batch: 1,
    tokens: 128,
  },
];

/** Multiply-adds ×2 of one forward: the projections, the unembedding and attention's two products. */
function forwardFlops(shape: Shape): number {
  const { dModel: d, dMlp: m, nLayers: l, vocabSize: v } = shape.config;
  const n = shape.batch * shape.tokens;
  const projections = 2 * n * (l * (4 * d * d + 2 * d * m) + d * v);
  const attention = l * 2 * 2 * shape.batch * shape.tokens * shape.tokens * d;
  return projections + attention;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function timeIt(fn: () => Promise<void>, repeats: number): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await fn();
    times.push((performance.now() - start) / 1000);
  }
  return median(times);
}

interface Rates {
  forward?: number;
  backward?: number;
  failure?: string;
  /** PyTorch's version (the reference only). */
  torch?: string;
}

function pytorchReference(shape: Shape, repeats: number): Rates {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return { failure: 'no /usr/bin/python3' };
  const c = shape.config;
  const args = JSON.stringify({
    d: c.dModel,
    layers: c.nLayers,
    heads: c.nHeads,
    mlp: c.dMlp,
    vocab: c.vocabSize,
    rotary_pct: c.rotaryDims / c.headSize,
    batch: shape.batch,
    tokens: shape.tokens,
    repeats,
    threads,
  });
  const run = spawnSync(python, ['scripts/bench/lm_reference.py', args], { encoding: 'utf8' });
  if (run.status !== 0) {
    const last = (run.stderr || '').trim().split('\n').at(-1) ?? 'unknown';
    return { failure: `PyTorch reference failed: ${last} (install python3-torch)` };
  }
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    forward_tokens_per_s: number;
    backward_tokens_per_s: number;
    torch: string;
  };
  return { forward: out.forward_tokens_per_s, backward: out.backward_tokens_per_s, torch: out.torch };
}

/** Measures one shape in this process and prints JSON lines (run in a child: wasm aborts are fatal). */
async function measure(shape: Shape, repeats: number): Promise<void> {
  const { config } = shape;
  const preference = parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto';
  const info = await selectBackend(preference);
  if (preference !== 'auto' && info.backend !== preference) {
    const reason = info.attempts.find((a) => a.backend === preference)?.reason ?? 'unavailable';
    console.log(JSON.stringify({ failure: `${preference} unavailable: ${reason}` }));
    return;
  }
  if (info.backend === 'native') nativeAddon()!.setThreads(threads);
  const model = GptNeoxModel.fromHostTensors(config, initGptNeoxWeights(config, 1));
  const sequences = Array.from({ length: shape.batch }, (_, b) =>
    Array.from({ length: shape.tokens }, (_, i) => (b * 7919 + i * 104729) % config.vocabSize),
  );
  const batch = padBatch(sequences);
  const tokens = shape.batch * shape.tokens;
  const forwardS = await timeIt(async () => {
    const out = model.forward(batch);
    await out.logits_BTV!.data();
    out.logits_BTV!.dispose();
  }, repeats);
  console.log(JSON.stringify({ forward: tokens / forwardS }));
  const context = model.createContext(batch);
  const backwardS = await timeIt(async () => {
    const h0 = model.embed(batch);
    const grad = tf.grad((h: tf.Tensor) =>
      tf.neg(tf.mean(nextTokenLogProbs(model.forwardFrom(0, h as tf.Tensor3D, context), batch))),
    )(h0);
    await grad.data();
    tf.dispose([h0, grad]);
  }, repeats);
  GptNeoxModel.disposeContext(context);
  model.dispose();
  console.log(JSON.stringify({ backward: tokens / backwardS }));
}

function measureInChild(index: number, backend: string, repeats: number): Rates {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/bench/lm-bench.ts', '--shape', String(index)],
    {
      encoding: 'utf8',
      env: { ...process.env, BENCH_REPEATS: String(repeats), CTT_BACKEND: backend },
      maxBuffer: 64 << 20,
    },
  );
  const result: Rates = {};
  for (const line of run.stdout.split('\n')) {
    if (line.startsWith('{')) Object.assign(result, JSON.parse(line) as object);
  }
  if (run.status !== 0) {
    const lines = `${run.stderr}`
      .split('\n')
      .filter((l) => l.length < 300 && /XNN status|RuntimeError|Error:/.test(l));
    result.failure = `exited with ${run.status ?? run.signal}: ${lines.map((l) => l.slice(0, 120)).join(' / ') || 'no message'}`;
  }
  return result;
}

/** The sgemm peak in GFLOP/s, measured now with the bench's thread count, or why there is none. */
function sgemmPeak(): number | string {
  const addon = nativeAddon();
  if (addon === null) {
    const status = nativeAddonStatus();
    return `no native addon (${status.ok ? 'unknown' : status.reason})`;
  }
  addon.setThreads(threads);
  return measureSgemmPeak(addon, { size: 2048, repeats: 5 }).gflopsPerSecond;
}

/** sgemm peaks measured during the run (one a round, and at the end). */
const peaks: (number | string)[] = [];

/** Best of a few rounds per implementation (each a median of `repeats`), the implementations interleaved. */
function measureRounds(
  index: number,
  names: readonly string[],
  rounds: number,
  repeats: number,
): Map<string, Rates> {
  const best = new Map<string, Rates>(names.map((n) => [n, {}]));
  const keepBest = (name: string, r: Rates): void => {
    const b = best.get(name)!;
    if (r.forward !== undefined) b.forward = Math.max(b.forward ?? 0, r.forward);
    if (r.backward !== undefined) b.backward = Math.max(b.backward ?? 0, r.backward);
    if (r.failure !== undefined) b.failure = r.failure;
    if (r.torch !== undefined) b.torch = r.torch;
  };
  for (let round = 0; round < rounds; round++) {
    peaks.push(sgemmPeak());
    for (const name of names) {
      keepBest(
        name,
        name === 'PyTorch' ? pytorchReference(shapes[index]!, repeats) : measureInChild(index, name, repeats),
      );
    }
  }
  return best;
}

const fmt = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} tok/s`);
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined ? 'n/a' : (a / b).toFixed(3);

function printShape(
  shape: Shape,
  rates: Map<string, Rates>,
  backends: readonly string[],
  peak: number | string,
): void {
  const flops = forwardFlops(shape);
  const tokens = shape.batch * shape.tokens;
  /** Forward GFLOP/s as a fraction of the sgemm peak. */
  const ofPeak = (tokensPerS: number | undefined): string =>
    tokensPerS === undefined || typeof peak === 'string'
      ? 'n/a'
      : `${(((flops / tokens) * tokensPerS) / 1e9 / peak).toFixed(3)} of sgemm peak`;
  console.log(
    `${shape.name}, batch ${shape.batch}×${shape.tokens} tokens, ${(flops / 1e9).toFixed(2)} GFLOP a forward`,
  );
  for (const [name, r] of rates) {
    const label = name === 'PyTorch' ? `PyTorch ${r.torch ?? ''} CPU` : `tfjs-${name}`;
    if (r.forward !== undefined || r.backward !== undefined) {
      console.log(
        `  ${label}: forward ${fmt(r.forward)} (${ofPeak(r.forward)}), forward+backward ${fmt(r.backward)}`,
      );
    }
    if (r.failure !== undefined) console.log(`  ${label} failed: ${r.failure}`);
  }
  const reference = rates.get('PyTorch')!;
  for (const backend of backends) {
    const r = rates.get(backend)!;
    console.log(
      `  ratio ${backend}/PyTorch: forward ${ratio(r.forward, reference.forward)}, ` +
        `forward+backward ${ratio(r.backward, reference.backward)}`,
    );
  }
  if (rates.has('native') && rates.has('wasm')) {
    const [n, w] = [rates.get('native')!, rates.get('wasm')!];
    console.log(
      `  ratio native/wasm: forward ${ratio(n.forward, w.forward)}, forward+backward ${ratio(n.backward, w.backward)}`,
    );
  }
  console.log('');
}

async function main(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
  const shapeArg = process.argv.indexOf('--shape');
  if (shapeArg >= 0) return measure(shapes[Number(process.argv[shapeArg + 1])]!, repeats);
  const backends = (process.env.BENCH_BACKENDS ?? 'native,wasm').split(',').filter((b) => b !== '');
  const env = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'].map((k) => `${k}=${process.env[k] ?? '(unset)'}`);
  console.log(
    `LM benchmark: each number is the best of ${rounds} rounds (implementations interleaved, so load on a ` +
      `shared machine hits them alike), a round's number the median of ${repeats} runs after a warm-up; ${env.join(' ')}`,
  );
  console.log(
    `threads: native ${threads}, PyTorch ${threads}, tfjs-wasm 1 (no worker threads in Node)\n` +
      'backward = gradient of the next-token loss w.r.t. the residual entering block 0 (attribution)\n',
  );
  const results = shapes.map((_, index) => measureRounds(index, [...backends, 'PyTorch'], rounds, repeats));
  peaks.push(sgemmPeak());
  const measured = peaks.filter((p): p is number => typeof p === 'number');
  const peak = measured.length > 0 ? Math.max(...measured) : (peaks[0] ?? 'not measured');
  console.log(
    `sgemm peak (OpenBLAS through the native addon, 2048³, ${threads} threads, best of 5): ` +
      (typeof peak === 'string'
        ? peak
        : `${peak.toFixed(1)} GFLOP/s, the highest of ${measured.length} measurements during the run ` +
          `(lowest ${Math.min(...measured).toFixed(1)})`) +
      '\n',
  );
  shapes.forEach((shape, index) => printShape(shape, results[index]!, backends, peak));
}

await main();
