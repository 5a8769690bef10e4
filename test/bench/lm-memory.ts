// `npm run bench -- lm-memory`: peak memory of a Pythia-1B-shaped GPT-NeoX in the runtime, loaded the
// way `loadLanguageModel` loads a checkpoint (one block of host weights at a time), then one short
// forward, on the chosen backend (CTT_BACKEND, default cpu here: the wasm heap cannot hold 1B float32
// weights). Random weights; prints numbers, not pass/fail.
import * as tf from '@tensorflow/tfjs';
import { parseBackendPreference, selectBackend } from '../../src/core/backend';
import type { GptNeoxConfig } from '../../src/core/hf/gpt-neox-config';
import { padBatch } from '../../src/core/lm/batch';
import { GptNeoxModel } from '../../src/core/lm/gpt-neox-model';
import { gptNeoxWeightNames } from '../../src/core/hf/model-folder';
import type { HostTensor } from '../../src/core/hf/host-tensor';
import { SeededRandom } from '../../src/core/random';

const pythia1b: GptNeoxConfig = {
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
};

const gib = (bytes: number): string => `${(bytes / 2 ** 30).toFixed(2)} GiB`;
let peakRss = 0;
const sample = (): number => {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  return rss;
};
const timer = setInterval(sample, 50);

const backend = await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'cpu');
const tokens = Number(process.env.BENCH_TOKENS ?? 8);
console.log(
  `Pythia-1B-shaped GPT-NeoX on ${backend.backend}: d=2048, 16 layers, V=50304, forward of ${tokens} tokens`,
);
console.log(`baseline RSS ${gib(sample())}`);
const shapes = new Map(gptNeoxWeightNames(pythia1b).map((w) => [w.name, w.shape]));
const parameters = [...shapes.values()].reduce((n, shape) => n + shape.reduce((a, b) => a * b, 1), 0);
console.log(`${(parameters / 1e9).toFixed(3)} B parameters = ${gib(parameters * 4)} as float32`);
const random = new SeededRandom(1);
/** Stands in for reading one group from safetensors: fresh host arrays of small random values. */
const loadGroup = async (names: readonly string[]): Promise<Map<string, HostTensor>> => {
  const group = new Map<string, HostTensor>();
  for (const name of names) {
    const shape = shapes.get(name)!;
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i += 97) data[i] = (random.next() - 0.5) * 0.04;
    group.set(name, { shape, data, storedDtype: 'F16' });
  }
  sample();
  return group;
};
let model: GptNeoxModel;
try {
  model = await GptNeoxModel.load(pythia1b, loadGroup);
} catch (error) {
  console.log(
    `loading into tfjs-${backend.backend} failed: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(0);
}
console.log(
  `tfjs weights: ${gib(tf.memory().numBytes)} in tfjs; RSS ${gib(sample())} (peak so far ${gib(peakRss)})`,
);
const start = performance.now();
const out = model.forward(padBatch([Array.from({ length: tokens }, (_, i) => (i * 7919) % 50304)]), {
  readLayers: [8],
});
await out.logits_BTV!.data();
const seconds = (performance.now() - start) / 1000;
tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
console.log(
  `forward: ${seconds.toFixed(1)} s (${(tokens / seconds).toFixed(2)} tok/s); RSS ${gib(sample())}`,
);
console.log(`peak RSS ${gib(peakRss)}`);
model.dispose();
clearInterval(timer);
