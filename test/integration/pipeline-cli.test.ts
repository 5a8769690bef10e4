import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRunConfig } from '../../src/core/crosscoder/run-files';
import { pipelineStateSchema, type PipelineState } from '../../src/core/pipeline/pipeline-state';
import { createStore } from '../../src/main/store/store';
import { studyManifestSchema } from '../../src/shared/study';
import { demoCorpus, demoFamily, demoRoot } from '../helpers/activation-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// `ctt pipeline --config study.json` as a subprocess on a tiny study of the demo family: every stage runs
// and is recorded; Ctrl+C mid-training cancels cleanly and the same command resumes the training where
// it stopped; a re-run reuses every stage; a changed threshold reruns only the stages that read it; a bad
// config is refused before any work, naming the field; --data-dir imports the study into a project.

const tmp = createTmpDirs('ctt-pipeline-cli-');
afterAll(() => tmp.cleanup());
const env = { ...process.env, CTT_BACKEND: 'wasm' };
const root = tmp.make();
const out = join(root, 'out');
const configFile = join(root, 'study.json');

const tinyConfig = (overrides: Record<string, unknown> = {}) => ({
  name: 'tiny',
  model: { folder: demoFamily },
  revisions: ['step100', 'step1600'],
  layer: 1,
  accuracy: { limit: 10 },
  activations: { corpus: demoCorpus, tokens: 1550, context: 32, shardRows: 310 },
  // Long enough (~5 s) to be interrupted mid-way; saves every 100 steps are what a resume restarts from.
  crosscoder: { nFeatures: 32, batchSize: 64, steps: 2500, saveEvery: 100, learningRate: 0.001, l1Coeff: 1 },
  evaluation: { ceWindows: 2 },
  tasks: [
    join(demoRoot, 'tasks', 'sv_pp_attractor.eng.jsonl'),
    join(demoRoot, 'tasks', 'det_noun.eng.jsonl'),
  ],
  attribution: { steps: 2, limit: 6 },
  lifecycle: { top: 5 },
  dashboards: { maxRows: 1550 },
  ...overrides,
});
const writeConfig = (file: string, config: unknown): void =>
  writeFileSync(file, JSON.stringify(config, null, 2));
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', 'pipeline', ...args], { encoding: 'utf8', env });
const readState = (): PipelineState =>
  pipelineStateSchema.parse(JSON.parse(readFileSync(join(out, 'pipeline-state.json'), 'utf8')));
const stageLines = (stderr: string, word: 'reused' | 'done'): string[] =>
  [...stderr.matchAll(new RegExp(`^\\[\\d/8\\] (\\w+) ${word}`, 'gm'))].map((m) => m[1]!);
const allStages = [
  'accuracy',
  'extract',
  'train',
  'evaluate',
  'attribute',
  'lifecycle',
  'dashboards',
  'study',
];

describe('ctt pipeline', () => {
  it('refuses a bad config before any work, naming each field', () => {
    const bad = join(root, 'bad.json');
    const config = tinyConfig({ layer: 7, tasks: [join(root, 'missing.jsonl')] });
    writeConfig(bad, { ...config, crosscoder: { ...config.crosscoder, nFeatures: 'many', lamda: 2 } });
    const schema = ctt(['--config', bad, '--out', out]);
    expect(schema.status).toBe(1);
    expect(schema.stderr).toContain(
      'field crosscoder.nFeatures: Invalid input: expected number, received string',
    );
    expect(schema.stderr).toContain('field crosscoder.lamda: not a study.json field');
    writeConfig(bad, config);
    const files = ctt(['--config', bad, '--out', out]);
    expect(files.status).toBe(1);
    expect(files.stderr).toMatch(/field tasks\.0: .*missing\.jsonl does not exist/);
    expect(files.stderr).toMatch(/field layer: 7 is out of range: .*step100 has blocks 0…3/);
    expect(existsSync(out)).toBe(false);
  });

  it('cancels cleanly on Ctrl+C during training; the same command resumes from the last save', async () => {
    writeConfig(configFile, tinyConfig());
    const child = spawn(process.execPath, ['bin/ctt.mjs', 'pipeline', '--config', configFile, '--out', out], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const runConfig = join(out, 'run', 'config.json');
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline && !(existsSync(runConfig) && readRunConfig(join(out, 'run')).step >= 200)) {
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    expect(stderr).toMatch(
      /Cancelled during the train stage; finished stages are kept in .* and the same command resumes/,
    );
    const cancelled = readState();
    expect(cancelled.stages.accuracy!.status).toBe('done');
    expect(cancelled.stages.extract!.status).toBe('done');
    expect(cancelled.stages.train).toMatchObject({
      status: 'cancelled',
      error: 'cancelled',
      finishedAt: expect.any(String),
    });
    expect(cancelled.stages.evaluate).toBeUndefined();
    const savedStep = readRunConfig(join(out, 'run')).step;
    expect(savedStep).toBeGreaterThanOrEqual(200);
    expect(savedStep).toBeLessThan(2500);

    const resumed = ctt(['--config', configFile, '--out', out]);
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(stageLines(resumed.stderr, 'reused')).toEqual(['accuracy', 'extract']);
    expect(resumed.stderr).toContain('[3/8] train: crosscoder training (resuming after it was cancelled)');
    expect(resumed.stderr).toContain(`2500 steps (resumed at step ${savedStep})`);
    expect(stageLines(resumed.stderr, 'done')).toEqual(allStages.slice(2));
    expect(resumed.stderr).toMatch(
      /stage times: accuracy \(reused\), extract \(reused\), train \d+\.\d s, .* total \d+\.\d s/,
    );
    const state = readState();
    for (const name of allStages) expect(state.stages[name]!.status, name).toBe('done');
    expect(state.stages.train!.attempts).toBe(2);
    expect(Object.keys(state.stages.attribute!.parts)).toEqual(['sv_pp_attractor.eng', 'det_noun.eng']);
    const manifest = studyManifestSchema.parse(
      JSON.parse(readFileSync(join(out, 'study', 'study.json'), 'utf8')),
    );
    expect(manifest.attributions).toEqual([
      'attribution/tiny-sv_pp_attractor.eng.json',
      'attribution/tiny-det_noun.eng.json',
    ]);
    expect(manifest.revisions.map((r) => r.revision)).toEqual(['step100', 'step1600']);
  }, 60_000);

  it('reuses every stage on a re-run, and imports the study with --data-dir', () => {
    const before = readState();
    const dataDir = tmp.make();
    const again = ctt(['--config', configFile, '--out', out, '--data-dir', dataDir]);
    expect(again.status, again.stderr).toBe(0);
    expect(stageLines(again.stderr, 'reused')).toEqual(allStages);
    expect(stageLines(again.stderr, 'done')).toEqual([]);
    const after = readState();
    for (const name of allStages)
      expect(after.stages[name]!.finishedAt, name).toBe(before.stages[name]!.finishedAt);
    expect(again.stdout).toMatch(/imported into .*: run \S+ \(32 features, 2 attributions, \d+ dashboards\)/);
    const store = createStore(join(dataDir, 'workbench.sqlite'));
    try {
      const runs = store.runs.list(1);
      expect(runs).toHaveLength(1);
      expect(store.attributions.list(runs[0]!.id)).toHaveLength(2);
      expect(after.imports).toEqual([expect.objectContaining({ runId: runs[0]!.id })]);
    } finally {
      store.close();
    }
  });

  it('reruns only the stages a changed setting reaches', () => {
    writeConfig(configFile, tinyConfig({ lifecycle: { top: 5, high: 0.6 } }));
    const changed = ctt(['--config', configFile, '--out', out]);
    expect(changed.status, changed.stderr).toBe(0);
    expect(stageLines(changed.stderr, 'reused')).toEqual([
      'accuracy',
      'extract',
      'train',
      'evaluate',
      'attribute',
      'dashboards',
    ]);
    expect(stageLines(changed.stderr, 'done')).toEqual(['lifecycle', 'study']);
    expect(changed.stderr).toContain(
      '[6/8] lifecycle: lifecycle categories of the top features (inputs changed (high))',
    );
    const lifecycle = JSON.parse(readFileSync(join(out, 'lifecycle.json'), 'utf8')) as {
      thresholds: unknown;
    };
    expect(lifecycle.thresholds).toEqual({ low: 0.3, high: 0.6 });
  });
});
