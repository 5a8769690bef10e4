import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { selectBackend } from '../../src/core/backend';
import { loadLanguageModel } from '../../src/core/lm/load';
import { scorePairs } from '../../src/core/lm/task-scoring';
import { tokenizePairs } from '../../src/core/tasks/answer-tokens';
import { importTaskFile } from '../../src/core/tasks/importers';
import { createWorkerExecutor } from '../../src/main/jobs/compute-worker-host';
import { JobRunner } from '../../src/main/jobs/job-runner';
import { createStore, type Store } from '../../src/main/store/store';
import { taskAccuracyResultSchema, type JobSnapshot, type TaskAccuracyParams } from '../../src/shared/domain';
import { waitUntil } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';
import { writeTinyModelFolder } from '../helpers/tiny-model-folder';
import { writeToyTask } from '../helpers/toy-task';

// The taskAccuracy job in a real compute worker (worker_threads + tsx + tfjs cpu) on two tiny checkpoints.

const tmp = createTmpDirs('ctt-task-accuracy-');
let modelA: string;
let modelB: string;
let taskFile: string;
let store: Store;
let runner: JobRunner;
let emitted: JobSnapshot[];

beforeAll(async () => {
  const root = tmp.make();
  modelA = join(root, 'step10');
  modelB = join(root, 'step20');
  await writeTinyModelFolder(modelA, { seed: 1 });
  await writeTinyModelFolder(modelB, { seed: 2 });
  taskFile = join(root, 'toy.jsonl');
  writeToyTask(taskFile, 10);
});
afterAll(() => tmp.cleanup());
beforeEach(() => {
  store = createStore(':memory:');
  emitted = [];
  runner = new JobRunner({
    jobs: store.jobs,
    execute: createWorkerExecutor(() => 'cpu'),
    emit: (snapshot) => emitted.push(snapshot),
    maxConcurrent: () => 1,
    progressIntervalMs: 0,
  });
});
afterEach(async () => {
  await runner.shutdown();
  store.close();
});

const params = (overrides: Partial<TaskAccuracyParams> = {}): TaskAccuracyParams => ({
  checkpoints: [
    { checkpointId: 1, path: modelA, revision: 'step10', tokensSeen: 10_000 },
    { checkpointId: 2, path: modelB, revision: 'step20', tokensSeen: null },
  ],
  taskFile,
  policy: 'multiToken',
  ...overrides,
});

async function runToEnd(p: TaskAccuracyParams): Promise<JobSnapshot> {
  const { id } = runner.start('taskAccuracy', p, 'task accuracy');
  await waitUntil(() => ['succeeded', 'failed', 'cancelled'].includes(runner.get(id).state), 90_000, 'job');
  return runner.get(id);
}

describe('taskAccuracy job', () => {
  it('scores every pair on every checkpoint, with per-pair margins, accuracies and pair progress', async () => {
    const job = await runToEnd(params());
    expect(job.error).toBeNull();
    expect(job.state).toBe('succeeded');
    const result = taskAccuracyResultSchema.parse(job.result);
    expect(result.task).toEqual({
      file: taskFile,
      format: 'blimp',
      names: ['toy_agreement'],
      skippedLines: 1,
      languages: ['eng'],
    });
    expect(result.pairs).toHaveLength(10);
    expect(result.pairs[0]).toEqual({
      id: 'toy_agreement:1',
      sentenceGood: 'the cat sat .',
      sentenceBad: 'the cat on .',
      phenomenon: 'verb',
      language: 'eng',
    });
    expect(result.checkpoints.map((c) => [c.checkpointId, c.revision, c.tokensSeen, c.skipped])).toEqual([
      [1, 'step10', 10_000, 0],
      [2, 'step20', null, 0],
    ]);
    for (const c of result.checkpoints) {
      expect(c.accuracy).toBeGreaterThanOrEqual(0);
      expect(c.accuracy).toBeLessThanOrEqual(1);
      expect(c.margins).toHaveLength(10);
      const correct = c.margins.filter((m) => m !== null && m > 0).length;
      expect(c.accuracy).toBeCloseTo(correct / 10, 10);
      expect(c.byLanguage).toEqual([{ language: 'eng', accuracy: c.accuracy, scored: 10, skipped: 0 }]);
    }
    // Different weights, different margins.
    expect(result.checkpoints[0]!.margins).not.toEqual(result.checkpoints[1]!.margins);
    // Progress counts pairs over both checkpoints.
    expect(job.total).toBe(20);
    expect(job.step).toBe(20);
    const steps = emitted.filter((s) => s.id === job.id && s.state === 'running').map((s) => s.step);
    expect(steps.some((s) => s > 0 && s < 20)).toBe(true);
    expect(steps).toEqual([...steps].sort((a, b) => a - b));

    // The margins are those of the one scoring rule, computed here in-process on the same backend.
    await selectBackend('cpu');
    const loaded = await loadLanguageModel(modelA, { isTokenizerRequired: true });
    try {
      const imported = await importTaskFile(taskFile);
      const encode = (text: string) => loaded.tokenizer!.encode(text, { addSpecialTokens: false });
      const tokenized = tokenizePairs(imported.pairs, encode, 'multiToken');
      const scores = await scorePairs(
        loaded.model,
        tokenized.items.map((i) => i.tokens),
      );
      scores.forEach((s, i) => expect(result.checkpoints[0]!.margins[i]).toBeCloseTo(s.margin, 4));
    } finally {
      loaded.model.dispose();
    }
  });

  it('gives accuracy per language when the task mixes languages (each row’s own code)', async () => {
    const mixed = join(tmp.make(), 'mixed.jsonl');
    writeToyTask(mixed, 10);
    const rows = readFileSync(mixed, 'utf8').trim().split('\n');
    // Rows 2, 4, … say they are French (the words are the toy ones; only the label matters here).
    const relabelled = rows.map((line, i) =>
      i % 2 === 1 && i < 10 ? JSON.stringify({ ...JSON.parse(line), language: 'fr' }) : line,
    );
    writeFileSync(mixed, relabelled.join('\n') + '\n');
    const job = await runToEnd(params({ taskFile: mixed, policy: 'singleTokenOnly' }));
    expect(job.state).toBe('succeeded');
    const result = taskAccuracyResultSchema.parse(job.result);
    expect(result.task.languages).toEqual(['eng', 'fra']);
    expect(result.pairs.map((p) => p.language)).toEqual(
      Array.from({ length: 10 }, (_, i) => (i % 2 === 1 ? 'fra' : 'eng')),
    );
    for (const c of result.checkpoints) {
      const expected = ['eng', 'fra'].map((language) => {
        const margins = c.margins.filter((_, i) => result.pairs[i]!.language === language);
        const scored = margins.filter((m) => m !== null);
        return {
          language,
          accuracy: scored.filter((m) => m! > 0).length / scored.length,
          scored: scored.length,
          skipped: margins.length - scored.length,
        };
      });
      expect(c.byLanguage).toEqual(expected);
      // " sat on" (pairs 4 and 9: one eng, one fra) is two tokens: skipped in both languages.
      expect(c.byLanguage!.map((l) => l.skipped)).toEqual([1, 1]);
    }
  });

  it('singleTokenOnly leaves multi-token pairs unscored (null margin) and counts them; limit cuts the task', async () => {
    const job = await runToEnd(params({ policy: 'singleTokenOnly', limit: 5 }));
    expect(job.state).toBe('succeeded');
    const result = taskAccuracyResultSchema.parse(job.result);
    expect(result.pairs).toHaveLength(5);
    for (const c of result.checkpoints) {
      expect(c.skipped).toBe(1);
      expect(c.margins[3]).toBeNull(); // " sat on" is two tokens
      expect(c.margins.filter((m) => m !== null)).toHaveLength(4);
    }
  });

  it('cancels between batches, after its first progress report', async () => {
    const bigTask = join(tmp.make(), 'big.jsonl');
    writeToyTask(bigTask, 20_000);
    const { id } = runner.start('taskAccuracy', params({ taskFile: bigTask }), 'long task accuracy');
    await waitUntil(
      () => emitted.some((s) => s.id === id && s.state === 'running' && s.step > 0),
      90_000,
      'first progress',
    );
    runner.cancel(id);
    await waitUntil(() => runner.get(id).state !== 'running', 30_000, 'the cancelled job to stop');
    const job = runner.get(id);
    expect(job.state).toBe('cancelled');
    expect(job.result).toBeNull();
    expect(job.total).toBe(40_000);
    expect(job.step).toBeLessThan(job.total);
  });

  it('fails with a message naming the folder when a checkpoint has no tokenizer', async () => {
    const noTokenizer = join(tmp.make(), 'bare');
    await writeTinyModelFolder(noTokenizer, { hasTokenizer: false });
    const job = await runToEnd(
      params({ checkpoints: [{ checkpointId: 3, path: noTokenizer, revision: 'r', tokensSeen: null }] }),
    );
    expect(job.state).toBe('failed');
    expect(job.error).toContain(join(noTokenizer, 'tokenizer.json'));
  });
});
