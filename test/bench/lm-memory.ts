// `npm run bench -- lm-memory [pythia-1b|olmo-1b|bloom-1b1 …]`: peak memory and speed of a 1B-shaped
// model of each family in the runtime, loaded the way `loadLanguageModel` loads a checkpoint (one block
// of host weights at a time; random weights made in memory, nothing written to disk), then a forward
// and a forward+backward (the gradient of the next-token loss w.r.t. the residual entering block 0, as
// attribution needs) on a short sequence, on each backend of BENCH_BACKENDS (default native,cpu: the
// wasm heap cannot hold 1B float32 weights, and the runtime refuses them there; native runs OpenBLAS
// with 2 threads). Each model and backend runs in its own process, so its peak RSS (the kernel's
// ru_maxrss, which also sees peaks inside synchronous kernels) is its own. With /usr/bin/python3
// (python3-torch), PyTorch CPU runs the same shapes as a reference (scripts/bench/lm_family_reference.py).
// Prints numbers and ratios, not pass/fail.
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import { expectedWeights, type FamilyConfig } from '../../src/core/hf/architectures';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { padBatch, type TokenBatch } from '../../src/core/lm/batch';
import { buildLanguageModel } from '../../src/core/lm/load';
import { nextTokenLogProbs } from '../../src/core/lm/log-probs';
import { nativeAddon } from '../../src/core/native/native-addon';
import { SeededRandom } from '../../src/core/random';

const shapes: Record<string, { label: string; family: FamilyConfig }> = {
  'pythia-1b': {
    label: 'Pythia-1B-shaped GPT-NeoX: 16 layers, d 2048, 8 heads, mlp 8192, V 50304, untied',
    family: {
      architecture: 'gpt_neox',
      config: {
        vocabSize: 50304,
        dModel: 2048,
        nLayers: 16,
        nHeads: 8,
        headSize: 256,
        rotaryDims: 64,
        rotaryBase: 10000,
        dMlp: 8192,
        maxPositions: 2048,
        layerNormEps: 1e-5,
        hiddenAct: 'gelu',
        isParallelResidual: true,
        isTiedEmbeddings: false,
        torchDtype: 'float16',
      },
    },
  },
  'olmo-1b': {
    label: 'OLMo-1B-shaped: 16 layers, d 2048, 16 heads, SwiGLU mlp 8192, V 50304, tied',
    family: {
      architecture: 'olmo',
      config: {
        vocabSize: 50304,
        dModel: 2048,
        nLayers: 16,
        nHeads: 16,
        headSize: 128,
        rotaryDims: 128,
        rotaryBase: 10000,
        dMlp: 8192,
        maxPositions: 4096,
        layerNormEps: 1e-5,
        clipQkv: null,
        isTiedEmbeddings: true,
        torchDtype: 'float32',
      },
    },
  },
  'bloom-1b1': {
    label: 'BLOOM-1b1-shaped: 24 layers, d 1536, 16 heads, mlp 6144, V 250880, tied',
    family: {
      architecture: 'bloom',
      config: {
        vocabSize: 250880,
        dModel: 1536,
        nLayers: 24,
        nHeads: 16,
        headSize: 96,
        dMlp: 6144,
        layerNormEps: 1e-5,
        isTiedEmbeddings: true,
        torchDtype: 'float16',
      },
    },
  },
};

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
/** The process's peak resident set so far (ru_maxrss, KiB on Linux). */
const peakRss = (): number => process.resourceUsage().maxRSS * 1024;
const tokens = Number(process.env.BENCH_TOKENS ?? 8);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);

interface Measurement {
  backend: string;
  parameters: number;
  loadS: number;
  tfjsBytes: number;
  peakAfterLoad: number;
  forwardTokensPerS: number;
  peakAfterForward: number;
  backwardTokensPerS: number;
  peakAfterBackward: number;
}

/** Loads one shape and measures it in this process; prints one JSON line. */
async function measure(name: string): Promise<void> {
  const { family } = shapes[name]!;
  const preference = parseBackendPreference(process.env.CTT_BACKEND) ?? 'cpu';
  const backend = await selectBackend(preference);
  if (preference !== 'auto' && backend.backend !== preference) {
    const reason = backend.attempts.find((a) => a.backend === preference)?.reason ?? 'unavailable';
    throw new Error(`${preference} unavailable: ${reason}`);
  }
  if (backend.backend === 'native') nativeAddon()!.setThreads(2);
  const expected = new Map(expectedWeights(family).map((w) => [w.name, w.shape]));
  const parameters = [...expected.values()].reduce((n, s) => n + s.reduce((a, b) => a * b, 1), 0);
  const random = new SeededRandom(1);
  /** Stands in for reading one group from safetensors: fresh host arrays of small random values. */
  const loadGroup = async (names: readonly string[]): Promise<Map<string, HostTensor>> => {
    const group = new Map<string, HostTensor>();
    for (const weightName of names) {
      const shape = expected.get(weightName)!;
      const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
      for (let i = 0; i < data.length; i += 97) data[i] = (random.next() - 0.5) * 0.04;
      if (/(norm|layernorm|ln_f)\.weight$/.test(weightName)) data.fill(1);
      group.set(weightName, { shape, data, storedDtype: 'F16' });
    }
    return group;
  };
  const start = performance.now();
  const model = await buildLanguageModel(family, loadGroup);
  const loadS = (performance.now() - start) / 1000;
  const peakAfterLoad = peakRss();
  const tfjsBytes = tf.memory().numBytes;
  const batchOf = (n: number) =>
    padBatch([Array.from({ length: n }, (_, i) => (i * 7919) % family.config.vocabSize)]);
  const forward = async (batch: TokenBatch): Promise<void> => {
    const out = model.forward(batch);
    await out.logits_BTV!.data();
    out.logits_BTV!.dispose();
  };
  const forwardBackward = async (batch: TokenBatch): Promise<void> => {
    const context = model.createContext(batch);
    const h0 = model.embed(batch);
    const grad = tf.grad((h: tf.Tensor) =>
      tf.neg(tf.mean(nextTokenLogProbs(model.forwardFrom(0, h as tf.Tensor3D, context), batch))),
    )(h0);
    await grad.data();
    tf.dispose([h0, grad]);
    model.disposeContext(context);
  };
  /** Median seconds of `repeats` runs on `tokens`, after a warm-up on 2 tokens (first-touch allocations). */
  const timeIt = async (fn: (batch: TokenBatch) => Promise<void>): Promise<number> => {
    await fn(batchOf(2));
    const times: number[] = [];
    for (let r = 0; r < repeats; r++) {
      const begin = performance.now();
      await fn(batchOf(tokens));
      times.push((performance.now() - begin) / 1000);
    }
    return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
  };
  const forwardS = await timeIt(forward);
  const peakAfterForward = peakRss();
  const backwardS = await timeIt(forwardBackward);
  const result: Measurement = {
    backend: backend.backend,
    parameters,
    loadS,
    tfjsBytes,
    peakAfterLoad,
    forwardTokensPerS: tokens / forwardS,
    peakAfterForward,
    backwardTokensPerS: tokens / backwardS,
    peakAfterBackward: peakRss(),
  };
  model.dispose();
  console.log(JSON.stringify(result));
}

function pytorchReference(
  family: FamilyConfig,
): { forward: number; backward: number; peakRss: number } | string {
  const python = '/usr/bin/python3';
  if (!existsSync(python)) return 'no /usr/bin/python3';
  const c = family.config;
  const args = JSON.stringify({
    family: family.architecture,
    d: c.dModel,
    layers: c.nLayers,
    heads: c.nHeads,
    mlp: c.dMlp,
    vocab: c.vocabSize,
    tied: c.isTiedEmbeddings,
    rotary_pct: family.architecture === 'gpt_neox' ? family.config.rotaryDims / c.headSize : 1,
    tokens,
    repeats,
    threads: 2,
  });
  const run = spawnSync(python, ['scripts/bench/lm_family_reference.py', args], { encoding: 'utf8' });
  if (run.status !== 0) {
    const last = (run.stderr || '').trim().split('\n').at(-1) ?? 'unknown';
    return `PyTorch reference failed: ${last} (install python3-torch)`;
  }
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as {
    forward_tokens_per_s: number;
    backward_tokens_per_s: number;
    peak_rss_bytes: number;
  };
  return {
    forward: out.forward_tokens_per_s,
    backward: out.backward_tokens_per_s,
    peakRss: out.peak_rss_bytes,
  };
}

function main(): void {
  const shapeArg = process.argv.indexOf('--shape');
  if (shapeArg >= 0) {
    void measure(process.argv[shapeArg + 1]!);
    return;
  }
  const asked = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = asked.length > 0 ? asked : Object.keys(shapes);
  for (const name of names) {
    if (!shapes[name]) {
      console.error(`unknown shape "${name}" (known: ${Object.keys(shapes).join(', ')})`);
      process.exit(2);
    }
  }
  console.log(
    `LM memory and speed, 1B-shaped random models, float32, one sequence of ${tokens} tokens; ` +
      `medians of ${repeats} runs after a warm-up`,
  );
  console.log(
    'forward+backward = forward and the gradient of the next-token loss w.r.t. the block-0 input\n',
  );
  const backends = (process.env.BENCH_BACKENDS ?? 'native,cpu').split(',').filter((b) => b !== '');
  for (const name of names) {
    const { label, family } = shapes[name]!;
    console.log(label);
    const measured = new Map<string, Measurement>();
    for (const backend of backends) {
      const m = measureInChild(name, backend);
      if (typeof m === 'string') {
        console.log(`  tfjs-${backend} failed: ${m}`);
        continue;
      }
      measured.set(backend, m);
      printMeasurement(m);
    }
    const reference = pytorchReference(family);
    if (typeof reference === 'string') {
      console.log(`  PyTorch CPU: ${reference}`);
    } else {
      console.log(
        `  PyTorch CPU (float32, 2 threads): forward ${reference.forward.toFixed(2)} tok/s, forward+backward ` +
          `${reference.backward.toFixed(2)} tok/s, peak RSS ${gib(reference.peakRss)}`,
      );
      for (const [backend, m] of measured) {
        console.log(
          `  ratio ${backend}/PyTorch: forward ${(m.forwardTokensPerS / reference.forward).toFixed(3)}, ` +
            `forward+backward ${(m.backwardTokensPerS / reference.backward).toFixed(3)}`,
        );
      }
    }
    console.log('');
  }
}

/** One shape on one backend in a child process (its own peak RSS); the measurement or the failure. */
function measureInChild(name: string, backend: string): Measurement | string {
  const run = spawnSync(
    process.execPath,
    ['--max-old-space-size=8192', '--import', 'tsx', 'test/bench/lm-memory.ts', '--shape', name],
    { encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, CTT_BACKEND: backend } },
  );
  const line = run.stdout.split('\n').find((l) => l.startsWith('{'));
  if (run.status === 0 && line !== undefined) return JSON.parse(line) as Measurement;
  const message =
    `${run.stderr}`.split('\n').find((l) => /Error/.test(l)) ?? `exit ${run.status ?? run.signal}`;
  return message.slice(0, 300);
}

function printMeasurement(m: Measurement): void {
  console.log(
    `  tfjs-${m.backend}: ${(m.parameters / 1e9).toFixed(3)} B parameters = ${gib(m.parameters * 4)} float32; ` +
      `loaded in ${m.loadS.toFixed(1)} s; tfjs holds ${gib(m.tfjsBytes)}`,
  );
  console.log(
    `    peak RSS: after load ${gib(m.peakAfterLoad)}, after forward ${gib(m.peakAfterForward)}, ` +
      `after forward+backward ${gib(m.peakAfterBackward)}`,
  );
  console.log(
    `    tokens/s: forward ${m.forwardTokensPerS.toFixed(2)}, forward+backward ${m.backwardTokensPerS.toFixed(2)}`,
  );
}

main();
