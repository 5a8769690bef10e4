import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest } from '../../src/core/activations/manifest';
import { demoCorpus, demoFamily } from '../helpers/activation-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// `ctt extract` as a subprocess: the real job runner, compute worker and demo checkpoints; Ctrl-C
// (SIGINT) keeps complete shards and the same command resumes.

const tmp = createTmpDirs('ctt-extract-cli-');
afterAll(() => tmp.cleanup());
const env = { ...process.env, CTT_BACKEND: 'wasm' };
const args = (out: string, tokens: number, extra: string[] = []): string[] => [
  'bin/ctt.mjs',
  'extract',
  '--model',
  demoFamily,
  '--revisions',
  'step100,step400,step1600',
  '--layer',
  '1',
  '--tokens',
  String(tokens),
  '--out',
  out,
  '--context',
  '32',
  '--shard-tokens',
  '620',
  ...extra,
];
const ctt = (argv: string[]) => spawnSync(process.execPath, argv, { encoding: 'utf8', env });

describe('ctt extract', () => {
  const out = join(tmp.make(), 'acts');

  it('extracts the demo corpus by default, with progress and ETA on stderr', async () => {
    const run = ctt(args(out, 2000));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('2000 rows [2000,3,64] F16 in 4 shards');
    expect(run.stdout).toMatch(/scale s_m: step100 \S+, step400 \S+, step1600 \S+/);
    expect(run.stdout).toMatch(/\d+ tokens\/s on wasm/);
    expect(run.stderr).toMatch(/ETA \d+s/);
    const manifest = (await readManifest(out))!;
    expect(manifest).toMatchObject({
      complete: true,
      shape: [2000, 3, 64],
      layer: 1,
      context: 32,
      dtype: 'F16',
    });
    expect(manifest.corpus.file).toBe(demoCorpus);
    expect(manifest.revisions.map((r) => r.tokensSeen)).toEqual([51_200, 204_800, 819_200]);
  });

  it('refuses other parameters for an existing store and unknown revisions, naming them', () => {
    const layer = ctt(args(out, 2000).map((a, i, all) => (all[i - 1] === '--layer' ? '2' : a)));
    expect(layer.status).toBe(1);
    expect(layer.stderr).toMatch(/was written with other parameters: layer is 1 there but 2 here/);
    const revision = ctt(
      args(join(tmp.make(), 'x'), 100).map((a) => (a === 'step100,step400,step1600' ? 'step100,step7' : a)),
    );
    expect(revision.status).toBe(1);
    expect(revision.stderr).toMatch(/ctt: .*demo-lm has no revision "step7"/);
  });

  it('keeps complete shards on Ctrl-C and resumes with the same command', async () => {
    const dir = join(tmp.make(), 'acts');
    const tokens = 12_400; // 20 shards of 620 rows
    const child = spawn(process.execPath, args(dir, tokens), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      const manifest = existsSync(join(dir, 'manifest.json'))
        ? await readManifest(dir).catch(() => null)
        : null;
      if (manifest !== null && manifest.shards.length >= 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(/cancelled: the complete shards stay in .*; run the same command again to resume/);
    const partial = (await readManifest(dir))!;
    expect(partial.complete).toBe(false);
    expect(partial.shards.length).toBeGreaterThanOrEqual(1);
    expect(partial.shards.length).toBeLessThan(20);
    const first = readFileSync(join(dir, 'shard-00000.safetensors'));

    const resumed = ctt(args(dir, tokens));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`${partial.totalRows} rows resumed`);
    const manifest = (await readManifest(dir))!;
    expect(manifest).toMatchObject({ complete: true, totalRows: tokens });
    expect(manifest.shards).toHaveLength(20);
    expect(readFileSync(join(dir, 'shard-00000.safetensors')).equals(first)).toBe(true);
  });
});
