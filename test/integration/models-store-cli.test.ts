import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/main/store/store';
import { databasePath } from '../../src/main/workbench';
import { modelWithCheckpointsSchema } from '../../src/shared/domain';
import { fakeSha, writeFakeHfCache } from '../helpers/hf-cache';
import { writeTinyModelFolder } from '../helpers/tiny-model-folder';
import { createTmpDirs } from '../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-models-store-cli-');
afterAll(() => tmp.cleanup());

const repoRoot = join(import.meta.dirname, '..', '..');
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });

describe('ctt models add | list | validate', () => {
  it('adds families from a folder and the HF cache into the store serve mode uses, lists and validates them', async () => {
    const dataDir = tmp.make();
    const root = tmp.make();
    await writeTinyModelFolder(join(root, 'step100'));
    await writeTinyModelFolder(join(root, 'step20'), { seed: 2 });
    const cacheDir = tmp.make();
    const repoDir = await writeFakeHfCache(cacheDir, 'EleutherAI/pythia-tiny', [
      { ref: 'step1000', sha: fakeSha('a') },
    ]);

    const folder = ctt([
      'models',
      'add',
      '--name',
      'demo',
      '--folder',
      root,
      '--tokens-per-step',
      '4096',
      '--data-dir',
      dataDir,
    ]);
    expect(folder.status, folder.stderr).toBe(0);
    expect(folder.stdout).toMatch(/Added 2 checkpoint\(s\)/);
    expect(folder.stdout).toMatch(/step20\s+20\s+81,920\s+\S+step20/);

    const hf = ctt([
      'models',
      'add',
      '--name',
      'pythia-tiny',
      '--hf-repo',
      'EleutherAI/pythia-tiny',
      '--cache-dir',
      cacheDir,
      '--data-dir',
      dataDir,
      '--json',
    ]);
    expect(hf.status, hf.stderr).toBe(0);
    const added = modelWithCheckpointsSchema.parse(JSON.parse(hf.stdout));
    expect(added.checkpoints).toEqual([
      expect.objectContaining({ revision: 'step1000', tokensSeen: 2_097_152_000 }),
    ]);

    // The same SQLite file serve mode opens.
    const store = createStore(databasePath(dataDir));
    expect(store.projects.list().map((p) => p.name)).toEqual(['Default project']);
    store.close();

    const list = ctt(['models', 'list', '--data-dir', dataDir]);
    expect(list.status, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/demo\s+\(gpt_neox, folder .*, 4096 tokens\/step\)/);
    expect(list.stdout).toMatch(/step1000\s+1000\s+2,097,152,000/);
    const json = JSON.parse(ctt(['models', 'list', '--json', '--data-dir', dataDir]).stdout) as unknown[];
    expect(json.map((m) => modelWithCheckpointsSchema.parse(m).name)).toEqual(['demo', 'pythia-tiny']);

    const valid = ctt(['models', 'validate', '--model', 'demo', '--data-dir', dataDir]);
    expect(valid.status, valid.stderr).toBe(0);
    expect(valid.stdout).toMatch(/✓ step20: complete \(2 layers, d_model 16, F32/);
    expect(valid.stdout).toMatch(/✓ step100: complete/);

    rmSync(join(repoDir, 'snapshots', fakeSha('a'), 'model.safetensors'));
    const broken = ctt([
      'models',
      'validate',
      '--model',
      'pythia-tiny',
      '--revision',
      'step1000',
      '--data-dir',
      dataDir,
    ]);
    expect(broken.status).toBe(1);
    expect(broken.stdout).toMatch(/✗ step1000: 1 problem\(s\)/);
    expect(broken.stdout).toMatch(/no model.safetensors or model.safetensors.index.json/);
    expect(broken.stderr).toMatch(/ctt: 1 of 1 checkpoint\(s\) of pythia-tiny are incomplete/);
  });

  it('adds a study preset (--preset bloom-1b1) before download, prints the hook point and the downloads', async () => {
    const dataDir = tmp.make();
    const cacheDir = tmp.make();
    await writeFakeHfCache(cacheDir, 'bigscience/bloom-1b1-intermediate', [
      { ref: 'global_step10000', sha: fakeSha('e') },
    ]);
    const add = ctt([
      'models',
      'add',
      '--preset',
      'bloom-1b1',
      '--cache-dir',
      cacheDir,
      '--data-dir',
      dataDir,
    ]);
    expect(add.status, add.stderr).toBe(0);
    expect(add.stdout).toMatch(/Added 3 checkpoint\(s\)/);
    expect(add.stdout).toMatch(/bloom-1b1\s+\(bloom, hfCache bigscience\/bloom-1b1-intermediate\)/);
    expect(add.stdout).toMatch(/global_step10000\s+10000\s+5,500,000,000\s+\S+snapshots/);
    expect(add.stdout).toMatch(/global_step100000\s+100000\s+55,000,000,000\s+\(not on this machine\)/);
    expect(add.stdout).toMatch(/main\s+-\s+341,000,000,000\s+\(not on this machine\)/);
    expect(add.stdout).toMatch(/Hook point: block 12 output .*use --layer 12/);
    expect(add.stdout).toContain('npx ctt models download --repo bigscience/bloom-1b1 --revision main');
    const unknown = ctt(['models', 'add', '--preset', 'gpt2', '--data-dir', dataDir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/unknown preset "gpt2" \(known: pythia-1b, olmo-1b, bloom-1b1\)/);
  });

  it('exits 1 with a clear message for a missing folder, both sources at once, and an unknown family', () => {
    const dataDir = tmp.make();
    const missing = ctt([
      'models',
      'add',
      '--name',
      'x',
      '--folder',
      '/no/such/folder',
      '--data-dir',
      dataDir,
    ]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/ctt: There is no folder at \/no\/such\/folder/);
    const both = ctt([
      'models',
      'add',
      '--name',
      'x',
      '--folder',
      '/a',
      '--hf-repo',
      'a/b',
      '--data-dir',
      dataDir,
    ]);
    expect(both.status).toBe(1);
    expect(both.stderr).toMatch(/exactly one of --folder DIR, --hf-repo ORG\/NAME or --preset ID/);
    const unknown = ctt(['models', 'validate', '--model', 'nope', '--data-dir', dataDir]);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/No model family named "nope"/);
    expect(ctt(['models', 'list', '--data-dir', dataDir]).stdout).toMatch(/No model families yet/);
  });
});
