import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestChannels } from '../../../src/shared/contract';
import { AppError } from '../../../src/shared/result';
import { dispatch, type CallContext, type Handlers } from '../../../src/main/services/dispatch';
import { createHandlers } from '../../../src/main/services/handlers';
import { JobRunner } from '../../../src/main/jobs/job-runner';
import { createStore, type Store } from '../../../src/main/store/store';
import { latestSchemaVersion } from '../../../src/main/store/migrations';
import { fakeBackendInfo } from '../../helpers/fake-backend';

const context: CallContext = { transport: 'cli' };
const now = '2024-01-01T00:00:00.000Z';
const project = { id: 1, name: 'p', description: '', createdAt: now };

/** Every channel as a spy returning a contract-valid value. */
function spyHandlers() {
  const handlers = {
    'app:info': vi.fn(() => ({
      appName: 'Crosscoder Workbench',
      appVersion: '0.0.0',
      nodeVersion: process.versions.node,
      platform: 'test',
      mode: 'cli' as const,
      dataDir: '/tmp/x',
      schemaVersion: 1,
      backend: null,
    })),
    'settings:get': vi.fn(() => ({
      backendPreference: 'auto' as const,
      activeAnnotatorId: null,
      maxConcurrentJobs: 1,
      isBlindMode: false,
    })),
    'settings:update': vi.fn(() => ({
      backendPreference: 'auto' as const,
      activeAnnotatorId: null,
      maxConcurrentJobs: 1,
      isBlindMode: false,
    })),
    'projects:list': vi.fn(() => [project]),
    'projects:create': vi.fn(async (input: { name: string; description: string }) => ({
      ...project,
      ...input,
    })),
    'annotators:list': vi.fn(() => []),
    'annotators:create': vi.fn(({ name }: { name: string }) => ({ id: 1, name, createdAt: now })),
    'annotations:save': vi.fn(() => {
      throw new Error('not used');
    }),
    'annotations:latest': vi.fn(() => null),
    'annotations:history': vi.fn(() => []),
    'annotations:others': vi.fn(() => []),
    'annotations:assign': vi.fn(() => ({ features: 0, assignments: 0 })),
    'annotators:progress': vi.fn(() => []),
    'annotators:createToken': vi.fn(({ annotatorId }: { annotatorId: number }) => ({
      annotatorId,
      token: 't',
      openPath: '/?token=t',
    })),
    'session:get': vi.fn(() => ({ role: 'owner' as const, annotatorId: null, annotatorName: null })),
    'features:attributions': vi.fn(() => []),
    'features:indexAttribution': vi.fn(() => {
      throw new Error('not used');
    }),
    'features:importStudy': vi.fn(() => ({ runId: 'run-1', attributions: 0, features: 0, dashboards: 0 })),
    'features:queue': vi.fn(() => ({ total: 0, offset: 0, items: [] })),
    'features:get': vi.fn(() => {
      throw new AppError('not_found', 'No feature with id 1.', 'featureId');
    }),
    'features:dashboard': vi.fn(() => null),
    'features:startDashboards': vi.fn(() => ({ jobId: 'job-7' })),
    'queues:list': vi.fn(() => []),
    'queues:create': vi.fn(() => {
      throw new Error('not used');
    }),
    'review:agreement': vi.fn(() => {
      throw new Error('not used');
    }),
    'review:disagreements': vi.fn(() => {
      throw new Error('not used');
    }),
    'review:lifecycle': vi.fn(() => {
      throw new Error('not used');
    }),
    'adjudication:get': vi.fn(() => {
      throw new Error('not used');
    }),
    'adjudication:save': vi.fn(() => {
      throw new Error('not used');
    }),
    'comments:list': vi.fn(() => {
      throw new Error('not used');
    }),
    'comments:add': vi.fn(() => {
      throw new Error('not used');
    }),
    'export:write': vi.fn(() => {
      throw new Error('not used');
    }),
    'import:annotationsCsv': vi.fn(() => {
      throw new Error('not used');
    }),
    'bundle:export': vi.fn(() => {
      throw new Error('not used');
    }),
    'bundle:preview': vi.fn(() => {
      throw new Error('not used');
    }),
    'bundle:merge': vi.fn(() => {
      throw new Error('not used');
    }),
    'bundle:identity': vi.fn(() => null),
    'models:list': vi.fn(() => []),
    'models:add': vi.fn(() => {
      throw new Error('not used');
    }),
    'models:addCheckpoint': vi.fn(() => {
      throw new Error('not used');
    }),
    'models:remove': vi.fn(({ modelId }: { modelId: number }) => ({ modelId })),
    'checkpoints:validate': vi.fn(() => {
      throw new Error('not used');
    }),
    'tasks:startAccuracy': vi.fn(() => ({ jobId: 'job-2' })),
    'activations:defaults': vi.fn(() => ({ corpusFile: null, storesDir: '/data/activations' })),
    'activations:list': vi.fn(() => []),
    'activations:startExtraction': vi.fn(() => ({ jobId: 'job-3', outDir: '/data/activations/x' })),
    'training:start': vi.fn(() => ({ runId: 'run-1', jobId: 'job-4' })),
    'training:resume': vi.fn(() => ({ runId: 'run-1', jobId: 'job-5' })),
    'training:estimate': vi.fn(() => {
      throw new Error('not used');
    }),
    'runs:list': vi.fn(() => []),
    'runs:metrics': vi.fn(() => []),
    'runs:get': vi.fn(() => {
      throw new AppError('not_found', 'No run with id x.', 'input.runId');
    }),
    'attribution:start': vi.fn(() => ({ jobId: 'job-6' })),
    'attribution:list': vi.fn(() => []),
    'attribution:defaults': vi.fn(() => ({ taskFiles: [] })),
    'faithfulness:get': vi.fn(() => null),
    'faithfulness:start': vi.fn(() => ({ jobId: 'job-7' })),
    'faithfulness:features': vi.fn(() => ({ file: null, createdAt: null, features: [] })),
    'jobs:list': vi.fn(() => []),
    'jobs:get': vi.fn(() => {
      throw new AppError('not_found', 'No job with id x.', 'jobId');
    }),
    'jobs:startSelfTest': vi.fn(() => ({ jobId: 'job-1' })),
    'jobs:cancel': vi.fn(() => {
      throw new AppError('conflict', 'Job x has already succeeded.', 'jobId');
    }),
  };
  return handlers satisfies Record<keyof Handlers, unknown>;
}

describe('dispatch', () => {
  let spies: ReturnType<typeof spyHandlers>;
  let handlers: Handlers;
  beforeEach(() => {
    spies = spyHandlers();
    handlers = spies as unknown as Handlers;
  });

  it('passes parsed input (defaults applied) and the context to the handler', async () => {
    const result = await dispatch(handlers, 'projects:create', { name: '  Pythia ' }, context);
    expect(result).toEqual({ ok: true, value: { ...project, name: 'Pythia', description: '' } });
    expect(spies['projects:create']).toHaveBeenCalledTimes(1);
    expect(spies['projects:create']).toHaveBeenCalledWith({ name: 'Pythia', description: '' }, context);
  });

  it('treats a missing input as {}', async () => {
    const result = await dispatch(handlers, 'projects:list', undefined, context);
    expect(result).toEqual({ ok: true, value: [project] });
    expect(spies['projects:list']).toHaveBeenCalledWith({}, context);
  });

  it('refuses invalid input with invalid_input naming the field, without calling the handler', async () => {
    const result = await dispatch(
      handlers,
      'annotations:save',
      { featureId: 1, annotatorId: 1, fields: { interpretability: 1.5 } },
      context,
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('invalid_input');
    expect(result.error.field).toBe('input.fields.interpretability');
    expect(result.error.message).toContain('input.fields.interpretability');
    expect(result.error.message).toContain('annotations:save');
    expect(spies['annotations:save']).not.toHaveBeenCalled();
  });

  it('names the first offending field and lists every problem in the message', async () => {
    const result = await dispatch(handlers, 'projects:create', { name: 42, description: 7 }, context);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.field).toBe('input.name');
    expect(result.error.message).toContain('input.name');
    expect(result.error.message).toContain('input.description');
    expect(spies['projects:create']).not.toHaveBeenCalled();
  });

  it('refuses a non-object input', async () => {
    const result = await dispatch(handlers, 'projects:list', 'hello', context);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(spies['projects:list']).not.toHaveBeenCalled();
  });

  it('answers an unknown channel with not_found and calls nothing', async () => {
    for (const channel of ['projects:drop', 'toString', 42]) {
      const result = await dispatch(handlers, channel, {}, context);
      expect(result).toMatchObject({ ok: false, error: { code: 'not_found', field: 'channel' } });
    }
    for (const spy of Object.values(spies)) expect(spy).not.toHaveBeenCalled();
  });

  it('turns an AppError into its code, message and field', async () => {
    const result = await dispatch(handlers, 'jobs:cancel', { jobId: 'x' }, context);
    expect(result).toEqual({
      ok: false,
      error: { code: 'conflict', message: 'Job x has already succeeded.', field: 'jobId' },
    });
  });

  it('turns any other thrown error into internal and reports it', async () => {
    const onInternalError = vi.fn();
    const result = await dispatch(
      handlers,
      'annotations:save',
      { featureId: 1, annotatorId: 1, fields: {} },
      context,
      { onInternalError },
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.code).toBe('internal');
    expect(result.error.message).toContain('not used');
    expect(result.error.field).toBeUndefined();
    expect(onInternalError).toHaveBeenCalledTimes(1);
    expect(onInternalError.mock.calls[0]![0]).toBe('annotations:save');
    expect(onInternalError.mock.calls[0]![1]).toBeInstanceOf(Error);
  });

  it('does not report AppErrors as internal errors', async () => {
    const onInternalError = vi.fn();
    await dispatch(handlers, 'jobs:get', { jobId: 'x' }, context, { onInternalError });
    expect(onInternalError).not.toHaveBeenCalled();
  });

  it('turns a rejected promise and a thrown non-Error into internal', async () => {
    spies['projects:create'].mockImplementationOnce(() => Promise.reject(new Error('disk full')));
    const rejected = await dispatch(handlers, 'projects:create', { name: 'a' }, context);
    expect(rejected).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(!rejected.ok && rejected.error.message).toContain('disk full');

    spies['projects:list'].mockImplementationOnce(() => {
      throw 'plain string';
    });
    const thrown = await dispatch(handlers, 'projects:list', {}, context);
    expect(thrown).toMatchObject({ ok: false, error: { code: 'internal' } });
    expect(!thrown.ok && thrown.error.message).toContain('plain string');
  });

  it('with shouldValidateOutput, a handler output that breaks the contract becomes internal', async () => {
    spies['projects:list'].mockReturnValue([{ id: 'one', name: 'p' }] as never);
    const unchecked = await dispatch(handlers, 'projects:list', {}, context);
    expect(unchecked.ok).toBe(true);

    const onInternalError = vi.fn();
    const checked = await dispatch(handlers, 'projects:list', {}, context, {
      shouldValidateOutput: true,
      onInternalError,
    });
    expect(checked.ok).toBe(false);
    if (checked.ok) return;
    expect(checked.error.code).toBe('internal');
    expect(checked.error.message).toContain('broke the contract');
    expect(checked.error.message).toContain('output.0.id');
    expect(onInternalError).toHaveBeenCalledTimes(1);
  });

  it('with shouldValidateOutput, a valid output passes through unchanged', async () => {
    const result = await dispatch(handlers, 'app:info', {}, context, { shouldValidateOutput: true });
    expect(result).toEqual({ ok: true, value: spies['app:info'].mock.results[0]!.value });
  });
});

describe('createHandlers over a real store', () => {
  let store: Store;
  let runner: JobRunner;
  let onSettingsChanged: ReturnType<typeof vi.fn<(keys: string[]) => void>>;
  let handlers: Handlers;
  const call = (channel: string, input: unknown) =>
    dispatch(handlers, channel, input, context, { shouldValidateOutput: true });

  beforeEach(() => {
    store = createStore(':memory:');
    runner = new JobRunner({
      jobs: store.jobs,
      execute: async () => ({ backend: fakeBackendInfo(), rows: [] }),
      emit: () => {},
      maxConcurrent: () => 1,
    });
    onSettingsChanged = vi.fn<(keys: string[]) => void>();
    handlers = createHandlers({
      store,
      runner,
      appInfo: () => ({
        appName: 'x',
        appVersion: '0.0.0',
        nodeVersion: '20',
        platform: 'test',
        mode: 'cli',
        dataDir: ':memory:',
        schemaVersion: store.schemaVersion,
      }),
      backend: async () => fakeBackendInfo(),
      onSettingsChanged,
    });
  });
  afterEach(async () => {
    await runner.idle();
    store.close();
  });

  it('has a handler for every contract channel', () => {
    expect(Object.keys(handlers).sort()).toEqual([...requestChannels].sort());
    for (const channel of requestChannels) expect(typeof handlers[channel]).toBe('function');
  });

  it('app:info includes the backend and passes output validation', async () => {
    const result = await call('app:info', {});
    expect(result).toMatchObject({
      ok: true,
      value: { schemaVersion: latestSchemaVersion, backend: { backend: 'cpu' } },
    });
  });

  it('creates and lists projects; a duplicate name is a conflict', async () => {
    expect(await call('projects:create', { name: 'a' })).toMatchObject({ ok: true, value: { name: 'a' } });
    expect(await call('projects:create', { name: 'a' })).toMatchObject({
      ok: false,
      error: { code: 'conflict', field: 'name' },
    });
    expect(await call('projects:list', {})).toMatchObject({ ok: true, value: [{ name: 'a' }] });
  });

  it('invalid input changes nothing in the store', async () => {
    await call('projects:create', { name: '' });
    await call('annotators:create', { name: 7 });
    expect(store.projects.list()).toEqual([]);
    expect(store.annotators.list()).toEqual([]);
  });

  it('settings:update stores the patch and reports the keys', async () => {
    const result = await call('settings:update', { maxConcurrentJobs: 3 });
    expect(result).toMatchObject({ ok: true, value: { maxConcurrentJobs: 3 } });
    expect(store.settings.get().maxConcurrentJobs).toBe(3);
    expect(onSettingsChanged).toHaveBeenCalledWith(expect.arrayContaining(['maxConcurrentJobs']));
  });

  it('settings:update of one key keeps the other keys as they were', async () => {
    await call('settings:update', { maxConcurrentJobs: 3 });
    await call('settings:update', { backendPreference: 'cpu' });
    expect(store.settings.get()).toEqual({
      backendPreference: 'cpu',
      activeAnnotatorId: null,
      maxConcurrentJobs: 3,
      isBlindMode: false,
    });
    // Only the key that was sent counts as changed (a backend re-probe depends on it).
    expect(onSettingsChanged.mock.calls[0]![0]).toEqual(['maxConcurrentJobs']);
  });

  it('jobs:startSelfTest returns a job id the runner knows', async () => {
    const result = await call('jobs:startSelfTest', { sizes: [16], repeats: 1 });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const { jobId } = result.value as { jobId: string };
    await runner.idle();
    expect(await call('jobs:get', { jobId })).toMatchObject({
      ok: true,
      value: { id: jobId, state: 'succeeded' },
    });
    expect(await call('jobs:get', { jobId: 'missing' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});
