import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { createTmpDirs } from '../helpers/tmp-dir';
import { writeTinyModelFolder } from '../helpers/tiny-model-folder';

const fixture = join(import.meta.dirname, '..', 'golden', 'fixtures', 'gpt-neox-tiny-parallel-f32');
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CTT_BACKEND: 'cpu' },
  });

describe('ctt lm forward and ctt task accuracy', () => {
  const tmp = createTmpDirs();
  afterAll(() => tmp.cleanup());

  it('lm forward writes logits [T,V] and resid [T,d] matching the PyTorch reference', async () => {
    const out = join(tmp.make(), 'out.safetensors');
    const run = ctt([
      'lm',
      'forward',
      '--model',
      fixture,
      '--ids',
      '5,17,3,96,42,0,11',
      '--layer',
      '1',
      '--out',
      out,
    ]);
    expect(run.status, run.stderr).toBe(0);
    const written = await readSafetensors(out);
    const expected = await readSafetensors(join(fixture, 'expected.safetensors'));
    expect(written.get('logits')!.shape).toEqual([7, 97]);
    expect(written.get('resid')!.shape).toEqual([7, 32]);
    for (const [name, ref] of [
      ['logits', 'logits_0'],
      ['resid', 'resid_0_1'],
    ] as const) {
      const a = written.get(name)!.data;
      const b = expected.get(ref)!.data;
      const scale = Math.max(...Array.from(b, Math.abs));
      const diff = Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i]!)));
      expect(diff / scale).toBeLessThan(1e-4);
    }
  });

  it('lm forward refuses a layer out of range and token ids beyond the vocabulary, writing nothing', () => {
    const out = join(tmp.make(), 'never.safetensors');
    const layer = ctt(['lm', 'forward', '--model', fixture, '--ids', '1,2', '--layer', '3', '--out', out]);
    expect(layer.status).toBe(1);
    expect(layer.stderr).toMatch(/--layer 3 is out of range: the model has blocks 0…2/);
    const id = ctt(['lm', 'forward', '--model', fixture, '--ids', '1,200', '--out', out]);
    expect(id.stderr).toMatch(/token id 200 is outside the vocabulary/);
    const files = execFileSync('ls', [join(out, '..')], { encoding: 'utf8' });
    expect(files.trim()).toBe('');
  });

  it('task accuracy prints {"n","accuracy","skipped"} for a task in the model vocabulary', async () => {
    const dir = tmp.make();
    const model = join(dir, 'model');
    await writeTinyModelFolder(model, {});
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
    const noPrefix = JSON.stringify({
      sentence_good: 'the cat sat .',
      sentence_bad: 'the mat sat .',
      one_prefix_method: false,
      UID: 'toy',
      pairID: '9',
    });
    writeFileSync(
      task,
      [row('sat', 'on', 1), row('on', 'mat', 2), row('mat', 'sat', 3), noPrefix].join('\n'),
    );
    const run = ctt(['task', 'accuracy', '--model', model, '--task', task, '--json']);
    expect(run.status, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout.trim()) as { n: number; accuracy: number; skipped: number };
    expect(result.n).toBe(3);
    expect(result.skipped).toBe(1);
    expect([0, 1 / 3, 2 / 3, 1]).toContainEqual(result.accuracy);
    const limited = JSON.parse(
      ctt(['task', 'accuracy', '--model', model, '--task', task, '--limit', '2', '--json']).stdout,
    ) as { n: number };
    expect(limited.n).toBe(2);
  });

  it('task accuracy names the file and line of a malformed task line', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(join(dir, 'model'), {});
    const task = join(dir, 'bad.jsonl');
    writeFileSync(task, '{"sentence_good": "the cat sat ."\n');
    const run = ctt(['task', 'accuracy', '--model', join(dir, 'model'), '--task', task, '--json']);
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('bad.jsonl');
    expect(run.stderr).toMatch(/line 1/);
  });
});
