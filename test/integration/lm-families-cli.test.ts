import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import type { FamilyConfig } from '../../src/core/hf/architectures';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { loadLanguageModel } from '../../src/core/lm/load';
import { scorePairs } from '../../src/core/lm/task-scoring';
import { tokenizePair } from '../../src/core/tasks/answer-tokens';
import { relativeError } from '../helpers/compare';
import { goldenFixtures } from '../helpers/lm-parity';
import { tinyBloomConfig, tinyOlmoConfig, writeFamilyFolder } from '../helpers/random-lm';
import { createTmpDirs } from '../helpers/tmp-dir';

// `ctt models inspect`, `ctt lm forward` and `ctt task accuracy` on OLMo and BLOOM folders: the golden
// fixtures (outputs checked against the PyTorch references) and tiny random folders with a tokenizer.

const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CTT_BACKEND: 'cpu' },
  });

const tmp = createTmpDirs('ctt-lm-families-');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await selectBackend('cpu');
});

const cases = [
  {
    fixture: 'olmo-tiny-tied-clip-bf16',
    inspect: [
      /Architecture\s+olmo\n/,
      /Heads\s+4 × 8/,
      /Rotary dims\s+8 of 8 per head \(base 1000\)/,
      /MLP\s+SwiGLU/,
      /Norm\s+LayerNorm without weights/,
      /Clip q\/k\/v\s+±2/,
      /Tied embeddings\s+yes/,
    ],
    json: {
      architecture: 'olmo',
      layers: 3,
      dModel: 32,
      dMlp: 88,
      positionEncoding: 'rotary',
      rotaryDims: 8,
      storedDtype: 'BF16',
    },
  },
  {
    fixture: 'bloom-tiny-12heads-prefixed-f16',
    inspect: [
      /Architecture\s+bloom\n/,
      /Heads\s+12 × 4/,
      /Positions\s+ALiBi/,
      /MLP\s+GELU \(tanh\)/,
      /d_mlp\s+192\n/,
      /Tied embeddings\s+yes/,
    ],
    json: {
      architecture: 'bloom',
      layers: 3,
      dModel: 48,
      heads: 12,
      positionEncoding: 'alibi',
      rotaryDims: null,
      storedDtype: 'F16',
    },
  },
];

describe('ctt on OLMo and BLOOM folders', () => {
  for (const c of cases) {
    it(`models inspect describes ${c.fixture}`, () => {
      const dir = join(goldenFixtures, c.fixture);
      const text = ctt(['models', 'inspect', dir]);
      expect(text.status, text.stderr).toBe(0);
      for (const line of [...c.inspect, /Weights\s+match config.json/]) expect(text.stdout).toMatch(line);
      const json = ctt(['models', 'inspect', dir, '--json']);
      expect(json.status, json.stderr).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject(c.json);
    });

    it(`lm forward on ${c.fixture} writes the reference's logits and residual`, async () => {
      const out = join(tmp.make(), 'out.safetensors');
      const run = ctt([
        'lm',
        'forward',
        '--model',
        join(goldenFixtures, c.fixture),
        '--ids',
        '5,17,3,96,42,0,11',
        '--layer',
        '2',
        '--out',
        out,
      ]);
      expect(run.status, run.stderr).toBe(0);
      const written = await readSafetensors(out);
      const expected = await readSafetensors(join(goldenFixtures, c.fixture, 'expected.safetensors'));
      expect(relativeError(written.get('logits')!.data, expected.get('logits_0')!.data)).toBeLessThan(1e-4);
      expect(relativeError(written.get('resid')!.data, expected.get('resid_0_2')!.data)).toBeLessThan(1e-4);
    });
  }

  const families: FamilyConfig[] = [
    { architecture: 'olmo', config: tinyOlmoConfig() },
    { architecture: 'bloom', config: tinyBloomConfig() },
  ];
  for (const family of families) {
    it(`lm forward --text and task accuracy run on a tiny ${family.architecture} folder with a tokenizer`, async () => {
      const dir = tmp.make();
      const model = join(dir, 'model');
      await writeFamilyFolder(model, family, { seed: 11 });
      const out = join(dir, 'out.safetensors');
      const forward = ctt([
        'lm',
        'forward',
        '--model',
        model,
        '--text',
        'the cat sat on the mat',
        '--out',
        out,
      ]);
      expect(forward.status, forward.stderr).toBe(0);
      expect((await readSafetensors(out)).get('logits')!.shape).toEqual([6, 23]);

      const task = join(dir, 'task.jsonl');
      const row = (good: string, bad: string, id: number) =>
        JSON.stringify({
          sentence_good: `the cat ${good} .`,
          sentence_bad: `the cat ${bad} .`,
          one_prefix_prefix: 'the cat',
          one_prefix_word_good: good,
          one_prefix_word_bad: bad,
          one_prefix_method: true,
          UID: 'toy',
          pairID: String(id),
        });
      writeFileSync(
        task,
        [row('sat', 'on', 1), row('on', 'mat', 2), row('mat', 'sat', 3), row('sat', 'mat', 4)].join('\n'),
      );
      const run = ctt(['task', 'accuracy', '--model', model, '--task', task, '--json']);
      expect(run.status, run.stderr).toBe(0);
      const result = JSON.parse(run.stdout.trim()) as { n: number; accuracy: number; skipped: number };
      expect(result).toMatchObject({ n: 4, skipped: 0 });

      // The same pairs scored in this process: the CLI's accuracy is the model's.
      const loaded = await loadLanguageModel(model);
      const encode = (text: string): number[] => loaded.tokenizer!.encode(text, { addSpecialTokens: false });
      const pairs = [
        ['sat', 'on'],
        ['on', 'mat'],
        ['mat', 'sat'],
        ['sat', 'mat'],
      ].map(([good, bad]) =>
        tokenizePair({ prefix: 'the cat', goodAnswer: ` ${good!}`, badAnswer: ` ${bad!}` }, encode),
      );
      const scores = await scorePairs(loaded.model, pairs);
      loaded.model.dispose();
      expect(result.accuracy).toBe(scores.filter((s) => s.isCorrect).length / 4);
    });
  }

  it('names the file and the supported families for an unconverted OLMo folder', async () => {
    const dir = tmp.make();
    await writeFamilyFolder(dir, { architecture: 'olmo', config: tinyOlmoConfig() });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ model_type: 'hf_olmo', d_model: 16, n_layers: 2, n_heads: 2 }),
    );
    for (const args of [
      ['models', 'inspect', dir],
      ['lm', 'forward', '--model', dir, '--ids', '1,2', '--out', join(dir, 'never.safetensors')],
    ]) {
      const run = ctt(args);
      expect(run.status).toBe(1);
      expect(run.stderr).toContain(
        `${join(dir, 'config.json')}: is an OLMo checkpoint in the original OLMo format`,
      );
      expect(run.stderr).toMatch(/supported: gpt_neox .*olmo .*bloom/);
    }
  });
});
