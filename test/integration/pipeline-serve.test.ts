import { spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtRendererDir } from '../../src/cli/serve-command';
import { createStore } from '../../src/main/store/store';
import { demoCorpus, demoFamily, demoRoot } from '../helpers/activation-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// `npm run demo` is `ctt serve --demo --pipeline resources/demo/study.config.json`: the pipeline runs into
// the data folder with progress per stage, its study is imported, then the server prints its URL. When
// the pipeline cannot run, the shipped demo study opens instead and the output says so.

const tmp = createTmpDirs('ctt-pipeline-serve-');
afterAll(() => tmp.cleanup());
const isBuilt = existsSync(join(builtRendererDir, 'index.html'));

/** Starts `ctt serve` and resolves with its output once it prints the URL, then stops it. */
async function serveUntilOpen(args: string[]): Promise<string> {
  const child = spawn(process.execPath, ['bin/ctt.mjs', 'serve', '--port', '0', ...args], {
    env: { ...process.env, CTT_BACKEND: 'wasm' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 50_000;
  while (!/Open: \S+/.test(output) && child.exitCode === null && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  child.kill('SIGTERM');
  await exited;
  return output;
}

const tinyConfig = {
  name: 'tiny-serve',
  model: { folder: demoFamily },
  revisions: ['step100', 'step1600'],
  layer: 1,
  accuracy: { limit: 10 },
  activations: { corpus: demoCorpus, tokens: 1550, context: 32 },
  crosscoder: { nFeatures: 16, batchSize: 64, steps: 40, learningRate: 0.001, l1Coeff: 1 },
  evaluation: { ceWindows: 0 },
  tasks: [join(demoRoot, 'tasks', 'sv_pp_attractor.eng.jsonl')],
  attribution: { steps: 2, limit: 4 },
};

describe.skipIf(!isBuilt)('ctt serve --demo --pipeline (skipped without a built UI: npm run build)', () => {
  it('runs the pipeline into the data folder, imports its study and prints the URL', async () => {
    const dataDir = tmp.make();
    const config = join(dataDir, 'study.json');
    writeFileSync(config, JSON.stringify(tinyConfig));
    const output = await serveUntilOpen(['--data-dir', dataDir, '--demo', '--pipeline', config]);
    expect(output).toContain(`into ${join(dataDir, 'pipelines', 'tiny-serve')}`);
    expect(output).toMatch(/\[8\/8\] study done in/);
    expect(output).toMatch(
      /Study: run \S+ \(16 features, 1 attributions, \d+ dashboards\) .* ready to annotate/,
    );
    expect(output).not.toContain('Demo study:');
    expect(output).toMatch(/Open: http:\/\/127\.0\.0\.1:\d+\/\?token=/);
    const store = createStore(join(dataDir, 'workbench.sqlite'));
    try {
      expect(store.runs.list(1).map((r) => r.name)).toEqual([
        'tiny-serve: demo-lm step100 / step1600, layer 1',
      ]);
    } finally {
      store.close();
    }
  }, 60_000);

  it('opens the shipped demo study when the pipeline cannot run, and says so', async () => {
    const dataDir = tmp.make();
    const config = join(dataDir, 'study.json');
    writeFileSync(config, JSON.stringify({ ...tinyConfig, layer: 'one' }));
    const output = await serveUntilOpen(['--data-dir', dataDir, '--demo', '--pipeline', config]);
    expect(output).toMatch(
      /Pipeline failed: .*study\.json: field layer: .*Opening the shipped demo study \(resources\/demo\/study\) instead\./s,
    );
    expect(output).toMatch(/Demo study: run \S+ \(256 features, 3 attributions, 60 dashboards\)/);
    expect(output).toMatch(/Open: http/);
  }, 60_000);
});
