import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkWeightsAgainstConfig, readModelFolder } from '../../src/core/hf/model-folder';
import { loadTokenizer } from '../../src/core/hf/tokenizer';
import { importTaskFile } from '../../src/core/tasks/importers';
import { createTmpDirs } from '../helpers/tmp-dir';

// CI runs the demo builder for a few steps only; the committed family is checked in demo-family.test.ts.
describe('scripts/make-demo.ts --smoke', () => {
  const tmp = createTmpDirs();
  afterAll(() => tmp.cleanup());

  it('writes loadable HF checkpoints with tokens seen, tasks and a corpus sample, deterministically', async () => {
    const outs = [join(tmp.make(), 'demo'), join(tmp.make(), 'demo')];
    for (const out of outs) {
      const run = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'scripts/make-demo.ts', '--smoke', '--out', out],
        {
          encoding: 'utf8',
          env: { ...process.env, CTT_BACKEND: 'wasm' },
        },
      );
      expect(run.status, run.stderr).toBe(0);
    }
    const [out] = outs as [string, string];
    const family = JSON.parse(readFileSync(join(out, 'family.json'), 'utf8')) as {
      revisions: { revision: string; step: number; tokensSeen: number; path: string }[];
    };
    expect(family.revisions.map((r) => [r.revision, r.tokensSeen])).toEqual([
      ['step2', 2 * 16 * 32],
      ['step6', 6 * 16 * 32],
    ]);
    for (const revision of family.revisions) {
      const folder = await readModelFolder(join(out, revision.path));
      expect(() => checkWeightsAgainstConfig(folder)).not.toThrow();
      const tokenizer = await loadTokenizer(folder.dir);
      expect(tokenizer.decode(tokenizer.encode('the key is red .'))).toBe('the key is red .');
    }
    const taskFiles = readdirSync(join(out, 'tasks'));
    expect(taskFiles).toHaveLength(12);
    const fra = await importTaskFile(join(out, 'tasks', 'sv_pp_attractor.fra.jsonl'));
    expect(fra.pairs).toHaveLength(20);
    expect(new Set(fra.pairs.map((p) => p.language))).toEqual(new Set(['fra']));
    // Same seed, same bytes.
    const weights = (o: string) => readFileSync(join(o, family.revisions[1]!.path, 'model.safetensors'));
    expect(weights(outs[0]!).equals(weights(outs[1]!))).toBe(true);
  });
});
