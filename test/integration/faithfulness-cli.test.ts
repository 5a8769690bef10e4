import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRunConfig } from '../../src/core/crosscoder/run-files';
import { faithfulnessReportSchema, type FaithfulnessReport } from '../../src/core/faithfulness/report';
import { runFaithfulness } from '../../src/core/faithfulness/runner';
import { CancelledError } from '../../src/core/progress';
import { demoCorpus, demoFamily, demoRoot } from '../helpers/activation-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// `ctt faithfulness` on a tiny study of the demo family (2 checkpoints, F = 32): a cancelled run keeps
// its partial training and the next one resumes it; --train makes every section of a schema-valid
// report; a rerun reuses the trained runs and their IE; a run of another width is refused by name.

const tmp = createTmpDirs('ctt-faithfulness-cli-');
afterAll(() => tmp.cleanup());
const env = { ...process.env, CTT_BACKEND: 'wasm' };
const root = tmp.make();
const out = join(root, 'out');
const run = join(out, 'run');
const faith = join(run, 'faithfulness');
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], { encoding: 'utf8', env });

const study = {
  name: 'tiny',
  model: { folder: demoFamily },
  revisions: ['step100', 'step1600'],
  layer: 1,
  accuracy: { enabled: false },
  activations: { corpus: demoCorpus, tokens: 1550, context: 32, shardRows: 310 },
  crosscoder: { nFeatures: 32, batchSize: 64, steps: 150, saveEvery: 50, learningRate: 0.001, l1Coeff: 1 },
  evaluation: { ceWindows: 0 },
  tasks: [
    join(demoRoot, 'tasks', 'sv_pp_attractor.eng.jsonl'),
    join(demoRoot, 'tasks', 'det_noun.eng.jsonl'),
  ],
  attribution: { steps: 2, limit: 6 },
  lifecycle: { top: 5 },
  dashboards: { maxRows: 1550 },
};

beforeAll(() => {
  writeFileSync(join(root, 'study.json'), JSON.stringify(study));
  const made = ctt(['pipeline', '--config', join(root, 'study.json'), '--out', out]);
  expect(made.status, made.stderr).toBe(0);
}, 120_000);

const stripTime = (r: FaithfulnessReport) => ({ ...r, createdAt: '' });

describe('ctt faithfulness', () => {
  it('refuses a run of another width, naming the mismatch', () => {
    const other = join(root, 'narrow');
    const args = ['--acts', join(out, 'activations'), '--features', '16', '--steps', '3', '--batch', '64'];
    expect(ctt(['train', ...args, '--out', other]).status).toBe(0);
    const refused = ctt(['faithfulness', '--run', run, '--reordered', other]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/^ctt: runs differ in width: 32 vs 16 \(run vs .*narrow\)$/m);
    expect(existsSync(join(faith, 'report.json'))).toBe(false);
  });

  it('cancels cleanly mid-training, keeping the last save of the run it was training', async () => {
    const controller = new AbortController();
    const parts: string[] = [];
    const cancelled = runFaithfulness({
      runDir: run,
      shouldTrain: true,
      signal: controller.signal,
      onProgress: (part, p) => {
        parts.push(part);
        if (part === 'train reordered' && p.step >= 20) controller.abort();
      },
    });
    await expect(cancelled).rejects.toBeInstanceOf(CancelledError);
    expect(new Set(parts)).toEqual(new Set(['train reordered']));
    expect(readRunConfig(join(faith, 'reordered')).step).toBe(15);
    expect(existsSync(join(faith, 'report.json'))).toBe(false);
  }, 60_000);

  it('--train makes every section; a rerun reuses the trained runs and their IE', () => {
    const args = [
      'faithfulness',
      '--run',
      run,
      '--seeds',
      '1',
      '--held-out',
      'sv_pp_attractor.eng:det_noun.eng',
    ];
    const first = ctt([...args, '--train', '--json']);
    expect(first.status, first.stderr).toBe(0);
    const report = faithfulnessReportSchema.parse(JSON.parse(first.stdout));
    expect(readFileSync(join(faith, 'report.json'), 'utf8')).toBe(JSON.stringify(report, null, 2) + '\n');
    expect(first.stderr).toMatch(/^train reordered: step 16\/150/m); // resumed after the save at 15
    expect(first.stderr).toMatch(/^train SAE step1600: /m);
    expect(report.runs.map((r) => [r.runId, r.checkpoints])).toEqual([
      ['run', ['step100', 'step1600']],
      ['run/faithfulness/reordered', ['step1600', 'step100']],
      ['run/faithfulness/seed-4353', ['step100', 'step1600']],
    ]);
    expect(report.reordered).toMatchObject({ runId: 'run/faithfulness/reordered', checkpointMap: [1, 0] });
    expect(report.reordered!.kappa.n).toBeGreaterThan(0);
    expect(report.seeds).toHaveLength(1);
    expect(report.seeds[0]).toMatchObject({ seed: 4353, checkpointMap: [0, 1] });
    expect(report.sae!.table.reduce((n, r) => n + r.n, 0)).toBeGreaterThan(0);
    expect(report.heldOut).toMatchObject({ task: 'sv_pp_attractor.eng', heldOutTask: 'det_noun.eng' });
    expect(report.heldOut!.n).toBeGreaterThan(0);
    expect(new Set(report.artifacts.map((a) => a.target))).toEqual(
      new Set(['activation', 'error', 'reconstruction']),
    );
    for (const dir of ['reordered', 'seed-4353', 'sae-step100', 'sae-step1600'])
      expect(readRunConfig(join(faith, dir)).step, dir).toBe(150);

    const configs = ['reordered', 'seed-4353', 'sae-step100'].map((d) => join(faith, d, 'config.json'));
    const before = configs.map((f) => statSync(f).mtimeMs);
    const again = ctt([...args, '--json']);
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/^(train|IE) /m);
    expect(configs.map((f) => statSync(f).mtimeMs)).toEqual(before);
    expect(stripTime(faithfulnessReportSchema.parse(JSON.parse(again.stdout)))).toEqual(stripTime(report));

    const text = ctt(['faithfulness', '--run', run]);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toMatch(
      /^reordered run\/faithfulness\/reordered \[step1600, step100\]: \d+ matched/m,
    );
    expect(text.stdout).toMatch(/^held-out: not computed$/m);
  }, 120_000);
});
