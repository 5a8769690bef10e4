// Builds the embedded demo family (resources/demo/): a two-language agreement grammar, its BLiMP-format
// tasks, a word-level tokenizer, and a tiny GPT-NeoX trained from scratch with the project's own
// runtime, saved as Hugging Face checkpoints on a log-spaced schedule. Deterministic from --seed.
//
//   node --import tsx scripts/make-demo.ts                 full build into resources/demo (minutes)
//   node --import tsx scripts/make-demo.ts --smoke --out D a few steps, for CI
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { parseBackendPreference, selectBackend } from '../src/core/backend';
import { toGptNeoxConfigJson, type GptNeoxConfig } from '../src/core/hf/gpt-neox-config';
import { writeSafetensors } from '../src/core/hf/safetensors';
import { padBatch } from '../src/core/lm/batch';
import { GptNeoxModel } from '../src/core/lm/gpt-neox-model';
import { initGptNeoxWeights } from '../src/core/lm/init';
import { LmTrainer } from '../src/core/lm/lm-trainer';
import { scorePairs } from '../src/core/lm/task-scoring';
import { SeededRandom } from '../src/core/random';
import { tokenizePairs } from '../src/core/tasks/answer-tokens';
import { importTaskFile } from '../src/core/tasks/importers';
import { buildDemoCorpusWithStats, documentText } from './demo/corpus';
import { generateTasks, taskSentences } from './demo/tasks';
import { buildTokenizerJson, demoTokenizerConfig, demoVocabulary, END_OF_TEXT_ID } from './demo/tokenizer';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: 'resources/demo' },
    seed: { type: 'string', default: '20251' },
    steps: { type: 'string', default: '1600' },
    batch: { type: 'string', default: '16' },
    context: { type: 'string', default: '32' },
    'pairs-per-task': { type: 'string', default: '200' },
    'eval-pairs': { type: 'string', default: '200' },
    'corpus-sample-tokens': { type: 'string', default: '200000' },
    smoke: { type: 'boolean', default: false },
  },
});

const seed = Number(args.seed);
const isSmoke = args.smoke === true;
const totalSteps = isSmoke ? 6 : Number(args.steps);
const batchSize = Number(args.batch);
const context = Number(args.context);
const outDir = args.out!;
/** Checkpoint steps: log-spaced (doubling) up to the last step, as pretraining suites save them. */
const checkpointSteps = isSmoke
  ? [2, 6]
  : Array.from({ length: 7 }, (_, i) => Math.round(totalSteps / 2 ** (6 - i)));

const vocabulary = demoVocabulary();
const tokenizerJson = buildTokenizerJson(vocabulary);
const vocabIds = tokenizerJson.model.vocab;
const config: GptNeoxConfig = {
  vocabSize: Object.keys(vocabIds).length,
  dModel: 64,
  nLayers: 4,
  nHeads: 4,
  headSize: 16,
  rotaryDims: 4,
  rotaryBase: 10000,
  dMlp: 256,
  maxPositions: 128,
  layerNormEps: 1e-5,
  hiddenAct: 'gelu',
  isParallelResidual: true,
  isTiedEmbeddings: false,
  torchDtype: 'float32',
};
const configJson = toGptNeoxConfigJson(config, {
  bos_token_id: END_OF_TEXT_ID,
  eos_token_id: END_OF_TEXT_ID,
});

const encodeWords = (text: string): number[] =>
  text
    .split(/\s+/)
    .filter((w) => w.length > 0)
    .map((w) => {
      const id = vocabIds[w];
      if (id === undefined) throw new Error(`demo corpus word "${w}" is not in the vocabulary`);
      return id;
    });

async function main(): Promise<void> {
  const started = performance.now();
  const backend = await selectBackend(parseBackendPreference(process.env.CTT_BACKEND) ?? 'auto');
  console.log(
    `make-demo: seed ${seed}, ${totalSteps} steps × ${batchSize}×${context} tokens, backend ${backend.backend}`,
  );
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'tasks'), { recursive: true });

  // Tasks first, so their sentences can be kept out of the training corpus.
  const tasks = generateTasks({ seed, pairsPerPhenomenon: isSmoke ? 20 : Number(args['pairs-per-task']) });
  for (const [name, text] of tasks) writeFileSync(join(outDir, 'tasks', name), text);

  const tokensNeeded = totalSteps * batchSize * context * 1.05 + 10_000;
  const { documents, stats } = buildDemoCorpusWithStats({
    seed,
    tokens: tokensNeeded,
    exclude: taskSentences(tasks),
  });
  const stream: number[] = [];
  for (const document of documents) stream.push(...encodeWords(documentText(document)), END_OF_TEXT_ID);
  const tokens = Int32Array.from(stream);
  console.log(`corpus: ${stats.documents} documents, ${stats.sentences} sentences, ${tokens.length} tokens`);
  // A sample of the corpus ships for activation extraction (regenerable from the seed).
  const sampleTokens = Number(args['corpus-sample-tokens']);
  const sample: string[] = [];
  let counted = 0;
  for (const document of documents) {
    if (counted >= sampleTokens) break;
    const text = documentText(document);
    sample.push(text);
    counted += text.split(' ').length;
  }
  writeFileSync(join(outDir, 'corpus.txt'), sample.join('\n') + '\n');

  const model = GptNeoxModel.fromHostTensors(config, initGptNeoxWeights(config, seed), { isTrainable: true });
  const trainer = new LmTrainer(model, { learningRate: 2e-3, warmupSteps: isSmoke ? 2 : 100, totalSteps });
  const random = new SeededRandom(seed + 1);
  const revisions: { revision: string; step: number; tokensSeen: number; path: string }[] = [];
  const accuracy: Record<string, Record<string, number>> = {};
  let loss = Number.NaN;
  for (let step = 1; step <= totalSteps; step++) {
    const windows = Array.from({ length: batchSize }, () => {
      const start = random.int(tokens.length - context);
      return Array.from(tokens.subarray(start, start + context));
    });
    loss = await trainer.trainStep(padBatch(windows));
    if (step % 50 === 0 || step === totalSteps) {
      const elapsedS = (performance.now() - started) / 1000;
      const etaS = (elapsedS / step) * (totalSteps - step);
      console.log(
        `step ${step}/${totalSteps} loss ${loss.toFixed(3)} (${elapsedS.toFixed(0)} s, ETA ${etaS.toFixed(0)} s)`,
      );
    }
    if (checkpointSteps.includes(step)) {
      const revision = `step${step}`;
      const path = join('models', 'demo-lm', revision);
      await saveCheckpoint(model, join(outDir, path));
      revisions.push({ revision, step, tokensSeen: step * batchSize * context, path });
      accuracy[revision] = await evaluate(model, join(outDir, 'tasks'), [...tasks.keys()]);
      const line = Object.entries(accuracy[revision]!).map(
        ([t, a]) => `${t.replace('.jsonl', '')} ${a.toFixed(2)}`,
      );
      console.log(`checkpoint ${revision} (loss ${loss.toFixed(3)}): ${line.join(', ')}`);
    }
  }
  trainer.dispose();
  model.dispose();
  const manifest = {
    name: 'demo-lm',
    description:
      'Tiny GPT-NeoX trained from scratch on a two-language agreement grammar (scripts/make-demo.ts).',
    seed,
    training: { steps: totalSteps, batchSize, context, tokensPerStep: batchSize * context, finalLoss: loss },
    corpus: { ...stats, sampleFile: 'corpus.txt', sampleTokens: counted },
    revisions,
    tasks: [...tasks.keys()].map((name) => join('tasks', name)),
  };
  writeFileSync(join(outDir, 'family.json'), JSON.stringify(manifest, null, 2) + '\n');
  writeFileSync(join(outDir, 'accuracy.json'), JSON.stringify(accuracy, null, 2) + '\n');
  console.log(
    `done in ${((performance.now() - started) / 1000).toFixed(0)} s; tf tensors left: ${tf.memory().numTensors}`,
  );
}

async function saveCheckpoint(model: GptNeoxModel, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  const weights = await model.toHostTensors();
  const tensors = Object.fromEntries(
    [...weights].map(([name, t]) => [name, { shape: t.shape, data: t.data }]),
  );
  await writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson, null, 2) + '\n');
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tokenizerJson));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(demoTokenizerConfig(), null, 2) + '\n');
}

/** Accuracy per task file on its first --eval-pairs pairs (sum of answer log-probs, as `ctt task accuracy`). */
async function evaluate(
  model: GptNeoxModel,
  taskDir: string,
  names: string[],
): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of names) {
    const imported = await importTaskFile(join(taskDir, name), { limit: Number(args['eval-pairs']) });
    const tokenized = tokenizePairs(imported.pairs, encodeWords, 'multiToken');
    const scores = await scorePairs(
      model,
      tokenized.items.map((i) => i.tokens),
      { batchSize: 64 },
    );
    out[name] = scores.filter((s) => s.isCorrect).length / Math.max(1, scores.length);
  }
  return out;
}

await main();
