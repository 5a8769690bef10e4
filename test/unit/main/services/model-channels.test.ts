import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import { taskAccuracyParamsSchema } from '../../../../src/shared/domain';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';
import { writeToyTask } from '../../../helpers/toy-task';

// The models:*, checkpoints:* and tasks:* channels through dispatch, outputs checked against the contract.

const tmp = createTmpDirs('ctt-model-channels-');
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;

beforeEach(() => {
  fake = createFakeExecutor();
  workbench = createWorkbench({
    dataDir: tmp.make(),
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown) =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });

async function addFamily(): Promise<{ modelId: number; checkpointIds: number[] }> {
  const root = tmp.make();
  await writeTinyModelFolder(join(root, 'step2'));
  await writeTinyModelFolder(join(root, 'step1'));
  const added = await call('models:add', { name: 'fam', source: { kind: 'folder', path: root } });
  if (!added.ok) throw new Error(added.error.message);
  const model = added.value as { id: number; checkpoints: Array<{ id: number }> };
  return { modelId: model.id, checkpointIds: model.checkpoints.map((c) => c.id) };
}

describe('models channels', () => {
  it('add, list, addCheckpoint, validate and remove keep to the contract', async () => {
    const { modelId, checkpointIds } = await addFamily();
    const list = await call('models:list', {});
    expect(list.ok).toBe(true);
    const extra = tmp.make();
    await writeTinyModelFolder(extra);
    expect((await call('models:addCheckpoint', { modelId, revision: 'step3', path: extra })).ok).toBe(true);
    const report = await call('checkpoints:validate', { checkpointId: checkpointIds[0] });
    expect(report).toMatchObject({ ok: true, value: { isComplete: true, problems: [] } });
    expect(await call('models:remove', { modelId })).toEqual({ ok: true, value: { modelId } });
    expect(await call('models:list', {})).toEqual({ ok: true, value: [] });
  });

  it('invalid input names the field: a missing source kind, a relative path, an unknown checkpoint', async () => {
    const noKind = await call('models:add', { name: 'x', source: { path: '/tmp' } });
    expect(noKind).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.source.kind' } });
    const relative = await call('models:add', { name: 'x', source: { kind: 'folder', path: 'a/b' } });
    expect(relative).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: 'input.source.path' },
    });
    const badRepo = await call('models:add', { name: 'x', source: { kind: 'hfCache', repo: 'no-slash' } });
    expect(badRepo).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: 'input.source.repo' },
    });
    const unknown = await call('checkpoints:validate', { checkpointId: 77 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.checkpointId' } });
  });
});

describe('tasks:startAccuracy', () => {
  it('starts a taskAccuracy job over the family checkpoints in tokens-seen order', async () => {
    const { modelId } = await addFamily();
    const taskFile = join(tmp.make(), 'toy.jsonl');
    writeToyTask(taskFile, 3);
    const started = await call('tasks:startAccuracy', { modelId, taskFile, limit: 2 });
    expect(started.ok).toBe(true);
    const execution = await fake.waitForCall(0);
    expect(execution.job.kind).toBe('taskAccuracy');
    const params = taskAccuracyParamsSchema.parse(execution.job.params);
    expect(params).toMatchObject({ modelId, taskFile, limit: 2, policy: 'multiToken' });
    // No tokens per step: steps order them (1 before 2) through the revision name.
    expect(params.checkpoints.map((c) => c.revision)).toEqual(['step1', 'step2']);
    const job = workbench.runner.get((started as { value: { jobId: string } }).value.jobId);
    expect(job.label).toBe('Task accuracy: fam × toy.jsonl (2 checkpoints)');
  });

  it('refuses a relative, missing or malformed task file, and an unknown family, starting nothing', async () => {
    const { modelId } = await addFamily();
    const relative = await call('tasks:startAccuracy', { modelId, taskFile: 'toy.jsonl' });
    expect(relative).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.taskFile' } });
    const missing = await call('tasks:startAccuracy', { modelId, taskFile: '/no/such/task.jsonl' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.taskFile' } });
    const bad = join(tmp.make(), 'bad.jsonl');
    writeFileSync(bad, '{"sentence_good": "the cat sat ."\n');
    const malformed = await call('tasks:startAccuracy', { modelId, taskFile: bad });
    expect(malformed).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.taskFile' } });
    expect(malformed.ok ? '' : malformed.error.message).toMatch(/bad.jsonl: line 1/);
    const unknown = await call('tasks:startAccuracy', { modelId: 99, taskFile: bad });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.modelId' } });
    expect(fake.calls).toHaveLength(0);
    expect(workbench.runner.list()).toEqual([]);
  });
});
