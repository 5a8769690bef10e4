import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tinyConfig } from '../../../helpers/random-gpt-neox';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';

const tmp = createTmpDirs('ctt-models-cli-');
afterAll(() => tmp.cleanup());

const repoRoot = join(import.meta.dirname, '..', '..', '..', '..');

async function ctt(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/ctt.mjs', ...args], {
      cwd: repoRoot,
      env: { ...process.env, NO_COLOR: '1' },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('ctt models', () => {
  it('inspect prints what a model folder holds', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { config: tinyConfig({ nLayers: 2 }), dtype: 'BF16' });
    const text = await ctt(['models', 'inspect', dir]);
    expect(text.stderr).toBe('');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/Architecture\s+gpt_neox/);
    expect(text.stdout).toMatch(/Layers\s+2\n/);
    expect(text.stdout).toMatch(/d_model\s+16\n/);
    expect(text.stdout).toMatch(/Heads\s+2 × 8/);
    expect(text.stdout).toMatch(/d_mlp\s+32\n/);
    expect(text.stdout).toMatch(/Vocab size\s+23\n/);
    expect(text.stdout).toMatch(/Stored dtype\s+BF16/);
    expect(text.stdout).toMatch(/Rotary dims\s+4 of 8/);
    expect(text.stdout).toMatch(/Parallel resid\.\s+yes/);
    expect(text.stdout).toMatch(/Tokenizer\s+tokenizer.json/);
    expect(text.stdout).toMatch(/Weight files\s+model.safetensors/);
    expect(text.stdout).toMatch(/Weights\s+match config.json/);

    const json = await ctt(['models', 'inspect', dir, '--json']);
    expect(json.code).toBe(0);
    const summary = JSON.parse(json.stdout) as Record<string, unknown>;
    const perLayer = 4 * 16 + 48 * 16 + 48 + 16 * 16 + 16 + 32 * 16 + 32 + 16 * 32 + 16;
    expect(summary).toMatchObject({
      architecture: 'gpt_neox',
      layers: 2,
      dModel: 16,
      heads: 2,
      dMlp: 32,
      vocabSize: 23,
      storedDtype: 'BF16',
      parameterCount: 2 * 23 * 16 + 2 * perLayer + 2 * 16,
      rotaryDims: 4,
      isParallelResidual: true,
      hasTokenizer: true,
      weightFiles: ['model.safetensors'],
    });
  });

  it('inspect exits 1 with the message when the folder is broken', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, {
      config: tinyConfig({ nLayers: 1, dMlp: 24 }),
      weightConfig: tinyConfig({ nLayers: 1, dMlp: 32 }),
    });
    const mismatch = await ctt(['models', 'inspect', dir]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(
      /^ctt: .*model.safetensors: tensor ".*" has shape .* \(header disagrees with config.json\)/,
    );

    const empty = tmp.make();
    const missing = await ctt(['models', 'inspect', empty]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`ctt: ${join(empty, 'config.json')}: missing config.json`);
  });

  it('revisions lists cached revisions with Pythia tokens seen', async () => {
    const cacheDir = tmp.make();
    const repoDir = join(cacheDir, 'models--EleutherAI--pythia-tiny');
    mkdirSync(join(repoDir, 'refs'), { recursive: true });
    writeFileSync(join(repoDir, 'refs', 'main'), 'a'.repeat(40));
    writeFileSync(join(repoDir, 'refs', 'step1000'), 'b'.repeat(40));
    const out = await ctt([
      'models',
      'revisions',
      '--repo',
      'EleutherAI/pythia-tiny',
      '--cache-dir',
      cacheDir,
    ]);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/main\s+aaaaaaaaaaaa\s+299,892,736,000/);
    expect(out.stdout).toMatch(/step1000\s+bbbbbbbbbbbb\s+2,097,152,000/);
    const none = await ctt(['models', 'revisions', '--repo', 'EleutherAI/absent', '--cache-dir', cacheDir]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/ctt: no cached revisions of EleutherAI\/absent/);
  });
});
