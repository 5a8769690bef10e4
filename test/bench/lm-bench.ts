// `npm run bench -- lm`: GPT-NeoX forward and forward+backward tokens/s in the project's runtime,
// against the PyTorch CPU reference (scripts/bench/lm_reference.py) measured in the same run.
// "Backward" is what attribution needs: the gradient of the next-token loss with respect to the
// residual stream entering block 0, through the whole model (no weight gradients: at Pythia-160M
// size those would not fit tfjs-wasm's heap). Prints numbers and ratios; it is not a pass/fail test.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import type { GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import { padBatch } from '../../src/core/lm/batch';
import { GptNeoxModel } from '../../src/core/lm/gpt-neox-model';
import { initGptNeoxWeights } from '../../src/core/lm/init';
import { nextTokenLogProbs } from '../../src/core/lm/log-probs';

interface Shape {
  name: string;
  config: GptNeoxConfig;
  batch: number;
  tokens: number;
}

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

function pytorchReference(shape: Shape, repeats: number): { forward: number; backward: number } | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'no /usr/bin/python3';
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
    threads: 2,
  });
  const run = spawnSync(python, ['scripts/bench/lm_reference.py', args], { encoding: 'utf8' });
  if (run.status !== 0)
    return `PyTorch reference failed: ${(run.stderr || '').trim().split('\n').at(-1) ?? 'unknown'} (install python3-torch)`;
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    forward_tokens_per_s: number;
    backward_tokens_per_s: number;
  };
  return { forward: out.forward_tokens_per_s, backward: out.backward_tokens_per_s };
}

/** Measures one shape in this process and prints one JSON line (run in a child: wasm aborts are fatal). */
async function measure(shape: Shape, repeats: number): Promise<void> {
  const { config } = shape;
  await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto');
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

function measureInChild(
  index: number,
  repeats: number,
): { forward?: number; backward?: number; failure?: string } {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'test/bench/lm-bench.ts', '--shape', String(index)],
    {
      encoding: 'utf8',
      env: { ...process.env, BENCH_REPEATS: String(repeats) },
      maxBuffer: 64 << 20,
    },
  );
  const result: { forward?: number; backward?: number; failure?: string } = {};
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

async function main(): Promise<void> {
  const repeats = Number(process.env.BENCH_REPEATS ?? 5);
  const shapeArg = process.argv.indexOf('--shape');
  if (shapeArg >= 0) return measure(shapes[Number(process.argv[shapeArg + 1])]!, repeats);
  const backend = await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto');
  console.log(
    `LM benchmark — backend ${backend.backend} (${backend.reason}); medians of ${repeats} after a warm-up`,
  );
  console.log(
    'backward = gradient of the next-token loss w.r.t. the residual entering block 0 (attribution)\n',
  );
  for (const [index, shape] of shapes.entries()) {
    const ours = measureInChild(index, repeats);
    const reference = pytorchReference(shape, repeats);
    const fmt = (x: number | undefined): string => (x === undefined ? 'n/a' : `${x.toFixed(1)} tok/s`);
    const ratio = (a: number | undefined, b: number): string =>
      a === undefined ? 'n/a' : (a / b).toFixed(3);
    console.log(`${shape.name}, batch ${shape.batch}×${shape.tokens} tokens`);
    console.log(
      `  tfjs-${backend.backend}: forward ${fmt(ours.forward)}, forward+backward ${fmt(ours.backward)}`,
    );
    if (ours.failure) console.log(`  tfjs-${backend.backend} failed: ${ours.failure}`);
    if (typeof reference === 'string') {
      console.log(`  PyTorch CPU: ${reference}`);
    } else {
      console.log(
        `  PyTorch CPU: forward ${fmt(reference.forward)}, forward+backward ${fmt(reference.backward)}`,
      );
      console.log(
        `  ratio ours/PyTorch: forward ${ratio(ours.forward, reference.forward)}, forward+backward ${ratio(ours.backward, reference.backward)}`,
      );
    }
    console.log('');
  }
}

await main();
