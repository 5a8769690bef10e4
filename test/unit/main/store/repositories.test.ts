import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AppError } from '../../../../src/shared/result';
import type { AnnotationFields, JobSnapshot } from '../../../../src/shared/domain';
import { annotationFieldsSchema } from '../../../../src/shared/domain';
import { changedFields } from '../../../../src/main/store/annotations-repository';
import { isAbandonedJob } from '../../../../src/main/store/jobs-repository';
import { createStore, type Store } from '../../../../src/main/store/store';
import { seedAnnotationTargets } from '../../../helpers/seed';

let store: Store;
beforeEach(() => {
  store = createStore(':memory:');
});
afterEach(() => {
  store.close();
});

/** Runs `fn`, expecting an AppError with `code` (and `field`, when given). */
function expectAppError(fn: () => unknown, code: AppError['code'], field?: string): AppError {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(AppError);
  const error = caught as AppError;
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.field).toBe(field);
  return error;
}

const count = (table: string): number =>
  (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;

const fields = (patch: Partial<AnnotationFields> = {}): AnnotationFields =>
  annotationFieldsSchema.parse(patch);

describe('ProjectsRepository', () => {
  it('creates, gets and lists projects in id order', () => {
    const a = store.projects.create({ name: 'b-project', description: 'first' });
    const b = store.projects.create({ name: 'a-project', description: '' });
    expect(a).toMatchObject({ name: 'b-project', description: 'first' });
    expect(Number.isNaN(Date.parse(a.createdAt))).toBe(false);
    expect(b.id).toBeGreaterThan(a.id);
    expect(store.projects.get(a.id)).toEqual(a);
    expect(store.projects.list()).toEqual([a, b]);
  });

  it('a duplicate name is a conflict naming the field, and adds nothing', () => {
    store.projects.create({ name: 'same', description: '' });
    const error = expectAppError(
      () => store.projects.create({ name: 'same', description: 'x' }),
      'conflict',
      'name',
    );
    expect(error.message).toContain('same');
    expect(store.projects.list()).toHaveLength(1);
  });

  it('an unknown id is not_found', () => {
    expectAppError(() => store.projects.get(999), 'not_found', 'projectId');
  });
});

describe('ModelsRepository', () => {
  it('creates and lists models per project; names are unique within a project only', () => {
    const p1 = store.projects.create({ name: 'p1', description: '' });
    const p2 = store.projects.create({ name: 'p2', description: '' });
    const m1 = store.models.create({
      projectId: p1.id,
      name: 'pythia-70m',
      family: 'gpt_neox',
      source: 'EleutherAI/pythia-70m',
    });
    const m2 = store.models.create({
      projectId: p2.id,
      name: 'pythia-70m',
      family: 'gpt_neox',
      source: '/local',
    });
    expect(m1).toMatchObject({
      projectId: p1.id,
      name: 'pythia-70m',
      family: 'gpt_neox',
      source: 'EleutherAI/pythia-70m',
    });
    expect(store.models.get(m2.id)).toEqual(m2);
    expect(store.models.list(p1.id)).toEqual([m1]);
    expect(store.models.list(p2.id)).toEqual([m2]);
    expectAppError(
      () => store.models.create({ projectId: p1.id, name: 'pythia-70m', family: 'x', source: 'y' }),
      'conflict',
      'name',
    );
    expect(store.models.list(p1.id)).toHaveLength(1);
  });

  it('an unknown model is not_found, also when adding a checkpoint to it', () => {
    expectAppError(() => store.models.get(5), 'not_found', 'modelId');
    expectAppError(
      () =>
        store.models.upsertCheckpoint({
          modelId: 5,
          revision: 'step1',
          step: 1,
          tokensSeen: null,
          path: null,
        }),
      'not_found',
      'modelId',
    );
    expect(count('checkpoints')).toBe(0);
  });

  it('upserts checkpoints by revision and lists them in training order, unknown steps last', () => {
    const p = store.projects.create({ name: 'p', description: '' });
    const m = store.models.create({ projectId: p.id, name: 'm', family: 'demo', source: 'demo' });
    const late = store.models.upsertCheckpoint({
      modelId: m.id,
      revision: 'step143000',
      step: 143000,
      tokensSeen: 3e11,
      path: null,
    });
    store.models.upsertCheckpoint({
      modelId: m.id,
      revision: 'main',
      step: null,
      tokensSeen: null,
      path: '/x',
    });
    store.models.upsertCheckpoint({
      modelId: m.id,
      revision: 'step1000',
      step: 1000,
      tokensSeen: 2e9,
      path: null,
    });
    expect(store.models.checkpoints(m.id).map((c) => c.revision)).toEqual(['step1000', 'step143000', 'main']);

    const updated = store.models.upsertCheckpoint({
      modelId: m.id,
      revision: 'step143000',
      step: 143000,
      tokensSeen: 3e11,
      path: '/ckpt',
    });
    expect(updated.id).toBe(late.id);
    expect(updated).toEqual({
      id: late.id,
      modelId: m.id,
      revision: 'step143000',
      step: 143000,
      tokensSeen: 3e11,
      path: '/ckpt',
    });
    expect(store.models.checkpoints(m.id)).toHaveLength(3);
  });
});

describe('RunsRepository', () => {
  it('creates a run with status created and round-trips its config', () => {
    const p = store.projects.create({ name: 'p', description: '' });
    const config = { dictSize: 4096, l1: 0.5, checkpoints: ['a', 'b'], nested: { ok: true } };
    const run = store.runs.create({
      id: 'run-1',
      projectId: p.id,
      name: 'first',
      kind: 'crosscoder',
      config,
      dir: '/runs/1',
    });
    expect(run).toMatchObject({
      id: 'run-1',
      projectId: p.id,
      name: 'first',
      kind: 'crosscoder',
      status: 'created',
      dir: '/runs/1',
    });
    expect(run.config).toEqual(config);
    expect(store.runs.get('run-1')).toEqual(run);
  });

  it('lists the runs of one project only', () => {
    const p1 = store.projects.create({ name: 'p1', description: '' });
    const p2 = store.projects.create({ name: 'p2', description: '' });
    store.runs.create({ id: 'a', projectId: p1.id, name: 'a', kind: 'k', config: {}, dir: null });
    store.runs.create({ id: 'b', projectId: p1.id, name: 'b', kind: 'k', config: {}, dir: null });
    store.runs.create({ id: 'c', projectId: p2.id, name: 'c', kind: 'k', config: {}, dir: null });
    expect(
      store.runs
        .list(p1.id)
        .map((r) => r.id)
        .sort(),
    ).toEqual(['a', 'b']);
    expect(store.runs.list(p2.id).map((r) => r.id)).toEqual(['c']);
  });

  it('sets the status; unknown runs are not_found', () => {
    const p = store.projects.create({ name: 'p', description: '' });
    store.runs.create({ id: 'r', projectId: p.id, name: 'r', kind: 'k', config: null, dir: null });
    expect(store.runs.setStatus('r', 'running').status).toBe('running');
    expect(store.runs.get('r').status).toBe('running');
    expectAppError(() => store.runs.setStatus('nope', 'failed'), 'not_found', 'runId');
    expectAppError(() => store.runs.get('nope'), 'not_found', 'runId');
  });

  it('a duplicate run id is a conflict, like every other unique key', () => {
    const p = store.projects.create({ name: 'p', description: '' });
    store.runs.create({ id: 'dup', projectId: p.id, name: 'one', kind: 'k', config: {}, dir: null });
    expectAppError(
      () => store.runs.create({ id: 'dup', projectId: p.id, name: 'two', kind: 'k', config: {}, dir: null }),
      'conflict',
    );
    expect(store.runs.get('dup').name).toBe('one');
  });
});

describe('FeaturesRepository', () => {
  it('upserts many features in one call and lists them by index', () => {
    const { runId } = seedAnnotationTargets(store);
    const written = store.features.upsertMany(runId, [
      { index: 7, category: 'discontinued', relIe: -0.2, relDec: 0.1, ie: [1, 0] },
      { index: 3, category: null, relIe: null, relDec: null, ie: null },
    ]);
    expect(written).toBe(2);
    const list = store.features.list(runId);
    expect(list.map((f) => f.index)).toEqual([0, 3, 7]);
    expect(list[1]).toMatchObject({ runId, index: 3, category: null, relIe: null, relDec: null, ie: null });
    expect(list[2]).toMatchObject({ category: 'discontinued', relIe: -0.2, relDec: 0.1, ie: [1, 0] });
    expect(store.features.get(list[2]!.id)).toEqual(list[2]);
  });

  it('re-upserting an index replaces its scores and keeps its id', () => {
    const { runId, featureId } = seedAnnotationTargets(store);
    store.features.upsertMany(runId, [
      { index: 0, category: 'maintained', relIe: 0.5, relDec: 0.5, ie: null },
    ]);
    expect(store.features.list(runId)).toEqual([
      { id: featureId, runId, index: 0, category: 'maintained', relIe: 0.5, relDec: 0.5, ie: null },
    ]);
  });

  it('writes all or nothing', () => {
    const { runId } = seedAnnotationTargets(store);
    expect(() =>
      store.features.upsertMany(runId, [
        { index: 1, category: null, relIe: null, relDec: null, ie: null },
        // A non-integer, non-null value for a NOT NULL column fails mid-batch.
        { index: null as unknown as number, category: null, relIe: null, relDec: null, ie: null },
      ]),
    ).toThrow();
    expect(store.features.list(runId).map((f) => f.index)).toEqual([0]);
  });

  it('an unknown feature is not_found', () => {
    expectAppError(() => store.features.get(12345), 'not_found', 'featureId');
  });
});

describe('AnnotatorsRepository', () => {
  it('creates annotators, lists them by name, refuses duplicates', () => {
    const zoe = store.annotators.create('zoe');
    const ada = store.annotators.create('ada');
    expect(store.annotators.list()).toEqual([ada, zoe]);
    expect(store.annotators.get(zoe.id)).toEqual(zoe);
    expectAppError(() => store.annotators.create('ada'), 'conflict', 'name');
    expect(store.annotators.list()).toHaveLength(2);
    expectAppError(() => store.annotators.get(999), 'not_found', 'annotatorId');
  });
});

describe('AnnotationsRepository', () => {
  it('appends revisions 1, 2, 3 with the changed fields, and latest is the highest', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const r1 = store.annotations.save({ featureId, annotatorId, fields: fields({ description: 'digits' }) });
    const r2 = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ description: 'digits', interpretability: 0.8 }),
    });
    const r3 = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({
        description: 'years',
        interpretability: 0.8,
        languages: [{ code: 'eng', isTentative: false, isCustom: false }],
      }),
    });
    expect([r1.revision, r2.revision, r3.revision]).toEqual([1, 2, 3]);
    expect(r1.changed).toEqual(Object.keys(fields()));
    expect(r2.changed).toEqual(['interpretability']);
    expect(r3.changed).toEqual(['description', 'languages']);
    expect(r3).toMatchObject({ featureId, annotatorId });
    expect(store.annotations.latest(featureId, annotatorId)).toEqual(r3);
  });

  it('keeps the complete history in order, per annotator and across annotators', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const other = store.annotators.create('second').id;
    const mine = [1, 2, 3].map((i) =>
      store.annotations.save({ featureId, annotatorId, fields: fields({ description: `m${i}` }) }),
    );
    const theirs = store.annotations.save({
      featureId,
      annotatorId: other,
      fields: fields({ description: 't1' }),
    });
    expect(theirs.revision).toBe(1);
    expect(store.annotations.history(featureId, annotatorId)).toEqual(mine);
    expect(store.annotations.history(featureId, other)).toEqual([theirs]);
    expect(store.annotations.history(featureId).map((r) => r.fields.description)).toEqual([
      'm1',
      'm2',
      'm3',
      't1',
    ]);
    expect(store.annotations.latest(featureId, other)).toEqual(theirs);
  });

  it('latest is null and history empty before the first save', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    expect(store.annotations.latest(featureId, annotatorId)).toBeNull();
    expect(store.annotations.history(featureId)).toEqual([]);
  });

  it('a save identical to the latest stores nothing and returns the latest', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const first = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ description: 'x', complexity: 0.2 }),
    });
    const again = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ description: 'x', complexity: 0.2 }),
    });
    expect(again).toEqual(first);
    expect(count('annotation_revisions')).toBe(1);
  });

  it('the first save stores a revision even when every field is at its default', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const first = store.annotations.save({ featureId, annotatorId, fields: fields() });
    expect(first.revision).toBe(1);
    expect(count('annotation_revisions')).toBe(1);
  });

  it('accepts a matching baseRevision (0 for the first save)', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const r1 = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ notes: 'a' }),
      baseRevision: 0,
    });
    const r2 = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ notes: 'b' }),
      baseRevision: 1,
    });
    expect([r1.revision, r2.revision]).toEqual([1, 2]);
  });

  it('a stale baseRevision is a conflict and writes nothing', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    store.annotations.save({ featureId, annotatorId, fields: fields({ notes: 'a' }) });
    store.annotations.save({ featureId, annotatorId, fields: fields({ notes: 'b' }) });
    for (const baseRevision of [0, 1, 3]) {
      const error = expectAppError(
        () =>
          store.annotations.save({ featureId, annotatorId, fields: fields({ notes: 'c' }), baseRevision }),
        'conflict',
        'baseRevision',
      );
      expect(error.message).toContain('revision 2');
    }
    expect(count('annotation_revisions')).toBe(2);
    expect(store.annotations.latest(featureId, annotatorId)?.fields.notes).toBe('b');
  });

  it('refuses UPDATE on annotation_revisions (append-only trigger)', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    const r1 = store.annotations.save({
      featureId,
      annotatorId,
      fields: fields({ description: 'original' }),
    });
    expect(() =>
      store.db.prepare("UPDATE annotation_revisions SET fields_json = '{}' WHERE id = ?").run(r1.id),
    ).toThrow(/append-only/);
    expect(() => store.db.prepare('UPDATE annotation_revisions SET revision = 9').run()).toThrow(
      /append-only/,
    );
    expect(store.annotations.latest(featureId, annotatorId)).toEqual(r1);
  });

  it('a duplicate (feature, annotator, revision) row is refused by the schema', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    store.annotations.save({ featureId, annotatorId, fields: fields() });
    expect(() =>
      store.db
        .prepare(
          "INSERT INTO annotation_revisions (feature_id, annotator_id, revision, fields_json, changed_json, created_at) VALUES (?, ?, 1, '{}', '[]', 'now')",
        )
        .run(featureId, annotatorId),
    ).toThrow(/UNIQUE/);
  });

  it('a missing feature or annotator is not_found and writes nothing', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    expectAppError(
      () => store.annotations.save({ featureId: 9999, annotatorId, fields: fields() }),
      'not_found',
      'featureId',
    );
    const error = expectAppError(
      () => store.annotations.save({ featureId, annotatorId: 9999, fields: fields() }),
      'not_found',
    );
    expect(error.message).toContain('9999');
    expect(count('annotation_revisions')).toBe(0);
  });

  it('invalid fields throw before anything is written', () => {
    const { featureId, annotatorId } = seedAnnotationTargets(store);
    expect(() =>
      store.annotations.save({ featureId, annotatorId, fields: { ...fields(), interpretability: 1.5 } }),
    ).toThrow();
    expect(count('annotation_revisions')).toBe(0);
  });

  it('annotated features cannot be deleted, directly or by cascade from their project', () => {
    const { projectId, featureId, annotatorId } = seedAnnotationTargets(store);
    store.annotations.save({ featureId, annotatorId, fields: fields({ description: 'keep me' }) });
    expect(() => store.db.prepare('DELETE FROM features WHERE id = ?').run(featureId)).toThrow(/FOREIGN KEY/);
    expect(() => store.db.prepare('DELETE FROM projects WHERE id = ?').run(projectId)).toThrow(/FOREIGN KEY/);
    expect(store.annotations.history(featureId)).toHaveLength(1);
  });

  it('changedFields compares deeply and lists everything against no previous record', () => {
    const a = fields({ languages: [{ code: 'eng', isTentative: false, isCustom: false }] });
    const b = fields({ languages: [{ code: 'eng', isTentative: true, isCustom: false }] });
    expect(changedFields(a, structuredClone(a))).toEqual([]);
    expect(changedFields(a, b)).toEqual(['languages']);
    expect(changedFields(null, a)).toEqual(Object.keys(a));
  });
});

describe('JobsRepository', () => {
  const job = (id: string, patch: Partial<JobSnapshot> = {}): JobSnapshot => ({
    id,
    kind: 'selfTest',
    label: `job ${id}`,
    state: 'queued',
    step: 0,
    total: 0,
    etaMs: null,
    metrics: {},
    message: '',
    error: null,
    result: null,
    params: { sizes: [16] },
    createdAt: '2024-01-01T00:00:00.000Z',
    startedAt: null,
    finishedAt: null,
    ...patch,
  });

  it('puts, finds and updates a snapshot (params and creation time are kept)', () => {
    store.jobs.put(job('a'));
    expect(store.jobs.get('a')).toEqual(job('a'));
    const running = job('a', {
      state: 'running',
      step: 3,
      total: 10,
      etaMs: 1234.5,
      metrics: { loss: 0.25 },
      message: 'step 3',
      startedAt: '2024-01-01T00:00:01.000Z',
      params: { ignored: true },
      createdAt: '2030-01-01T00:00:00.000Z',
    });
    store.jobs.put(running);
    expect(store.jobs.get('a')).toEqual({
      ...running,
      params: { sizes: [16] },
      createdAt: '2024-01-01T00:00:00.000Z',
    });
    const done = job('a', {
      state: 'succeeded',
      step: 10,
      total: 10,
      result: { rows: [1, 2] },
      finishedAt: '2024-01-01T00:00:02.000Z',
    });
    store.jobs.put(done);
    expect(store.jobs.get('a')).toMatchObject({
      state: 'succeeded',
      result: { rows: [1, 2] },
      finishedAt: done.finishedAt,
    });
    expect(count('jobs')).toBe(1);
  });

  it('lists newest first and honours the limit', () => {
    store.jobs.put(job('old', { createdAt: '2024-01-01T00:00:00.000Z' }));
    store.jobs.put(job('new', { createdAt: '2024-01-03T00:00:00.000Z' }));
    store.jobs.put(job('mid', { createdAt: '2024-01-02T00:00:00.000Z' }));
    expect(store.jobs.list().map((j) => j.id)).toEqual(['new', 'mid', 'old']);
    expect(store.jobs.list(2).map((j) => j.id)).toEqual(['new', 'mid']);
  });

  it('find gives null and get gives not_found for an unknown id', () => {
    expect(store.jobs.find('nope')).toBeNull();
    expectAppError(() => store.jobs.get('nope'), 'not_found', 'jobId');
  });

  it('failAbandoned marks live jobs with no owner or a stale heartbeat failed, and only those', () => {
    const lease = (ownerId: string, heartbeatMs: number) => ({ ownerId, heartbeatMs });
    store.jobs.put(job('q')); // no owner: a row from before owners were recorded
    store.jobs.put(job('r', { state: 'running', step: 2, total: 4, etaMs: 500 }), lease('gone', 1_000));
    store.jobs.put(job('live', { state: 'running' }), lease('other', 9_500));
    store.jobs.put(job('mine', { state: 'running' }), lease('me', 1_000));
    store.jobs.put(job('s', { state: 'succeeded', finishedAt: '2024-01-01T00:00:05.000Z' }));
    store.jobs.put(job('c', { state: 'cancelled' }));
    store.jobs.put(job('f', { state: 'failed', error: 'original' }));
    const failed = store.jobs.failAbandoned({ staleBeforeMs: 9_000, exceptOwnerId: 'me', nowMs: 10_000 });
    expect(failed.map((j) => j.id).sort()).toEqual(['q', 'r']);
    for (const id of ['q', 'r']) {
      const j = store.jobs.get(id);
      expect(failed.find((x) => x.id === id)).toEqual(j);
      expect(j.state).toBe('failed');
      expect(isAbandonedJob(j)).toBe(true);
      expect(j.error).toMatch(/^The workbench that ran this job stopped while it was queued or running/);
      expect(j.etaMs).toBeNull();
      expect(j.finishedAt).toBe(new Date(10_000).toISOString());
    }
    expect(store.jobs.get('q').error).toMatch(/it left no heartbeat/);
    expect(store.jobs.get('r').error).toContain(`no heartbeat since ${new Date(1_000).toISOString()}`);
    expect(store.jobs.get('r').step).toBe(2);
    expect(store.jobs.get('live').state).toBe('running');
    expect(store.jobs.get('mine').state).toBe('running');
    expect(store.jobs.get('s')).toEqual(
      job('s', { state: 'succeeded', finishedAt: '2024-01-01T00:00:05.000Z' }),
    );
    expect(store.jobs.get('c').state).toBe('cancelled');
    expect(store.jobs.get('f').error).toBe('original');
    expect(isAbandonedJob(store.jobs.get('f'))).toBe(false);
    expect(store.jobs.failAbandoned({ staleBeforeMs: 9_000, exceptOwnerId: 'me', nowMs: 10_000 })).toEqual(
      [],
    );
  });

  it("heartbeat refreshes only the owner's live jobs; an ended job is never written again", () => {
    store.jobs.put(job('a', { state: 'running' }), { ownerId: 'me', heartbeatMs: 1_000 });
    store.jobs.put(job('b'), { ownerId: 'me', heartbeatMs: 1_000 });
    store.jobs.put(job('x', { state: 'running' }), { ownerId: 'other', heartbeatMs: 1_000 });
    store.jobs.put(job('done', { state: 'succeeded' }), { ownerId: 'me', heartbeatMs: 1_000 });
    expect(store.jobs.heartbeat('me', 50_000).sort()).toEqual(['a', 'b']);
    // 'x' is now stale, 'a' and 'b' are not.
    const failed = store.jobs.failAbandoned({ staleBeforeMs: 40_000, exceptOwnerId: 'third', nowMs: 50_000 });
    expect(failed.map((j) => j.id)).toEqual(['x']);
    // The owner of 'x' comes back: its snapshot does not bring the job back to life.
    expect(
      store.jobs.put(job('x', { state: 'running', step: 9 }), { ownerId: 'other', heartbeatMs: 60_000 }),
    ).toBe(false);
    expect(store.jobs.get('x')).toMatchObject({ state: 'failed', step: 0 });
    expect(store.jobs.heartbeat('other', 60_000)).toEqual([]);
    // A snapshot without a lease keeps the owner it had.
    expect(store.jobs.put(job('a', { state: 'succeeded' }))).toBe(true);
    const row = store.db.prepare("SELECT owner_id, heartbeat_ms FROM jobs WHERE id = 'a'").get();
    expect(row).toEqual({ owner_id: 'me', heartbeat_ms: 50_000 });
  });
});

describe('MetricsRepository', () => {
  it('appends points, reads a series by step, replaces a repeated step, lists names', () => {
    const { runId } = seedAnnotationTargets(store);
    store.metrics.append(runId, [
      { step: 20, name: 'loss', value: 0.5 },
      { step: 10, name: 'loss', value: 0.9 },
      { step: 10, name: 'l0', value: 32 },
    ]);
    store.metrics.append(runId, [{ step: 20, name: 'loss', value: 0.4 }]);
    expect(store.metrics.series(runId, 'loss')).toEqual([
      { step: 10, name: 'loss', value: 0.9 },
      { step: 20, name: 'loss', value: 0.4 },
    ]);
    expect(store.metrics.series(runId, 'missing')).toEqual([]);
    expect(store.metrics.names(runId)).toEqual(['l0', 'loss']);
  });

  it('keeps runs apart and refuses points for an unknown run (nothing written)', () => {
    const { runId } = seedAnnotationTargets(store);
    store.metrics.append(runId, [{ step: 1, name: 'loss', value: 1 }]);
    expect(() => store.metrics.append('ghost', [{ step: 1, name: 'loss', value: 1 }])).toThrow(/FOREIGN KEY/);
    expect(store.metrics.names('ghost')).toEqual([]);
    expect(count('metrics')).toBe(1);
  });
});

describe('SettingsRepository', () => {
  const defaults = {
    backendPreference: 'auto',
    activeAnnotatorId: null,
    maxConcurrentJobs: 1,
    isBlindMode: false,
  };

  it('returns defaults on a fresh store', () => {
    expect(store.settings.get()).toEqual(defaults);
  });

  it('updates and persists a patch, returning the whole record', () => {
    expect(store.settings.update({ maxConcurrentJobs: 4 })).toEqual({ ...defaults, maxConcurrentJobs: 4 });
    expect(store.settings.update({ activeAnnotatorId: 7 })).toEqual({
      ...defaults,
      maxConcurrentJobs: 4,
      activeAnnotatorId: 7,
    });
    expect(store.settings.get()).toEqual({ ...defaults, maxConcurrentJobs: 4, activeAnnotatorId: 7 });
  });

  it('refuses an invalid patch and stores nothing', () => {
    expect(() => store.settings.update({ maxConcurrentJobs: 100 })).toThrow();
    expect(count('settings')).toBe(0);
  });

  it('an invalid stored value falls back to its default; unknown keys are ignored; valid ones kept', () => {
    const insert = store.db.prepare('INSERT INTO settings (key, value_json) VALUES (?, ?)');
    insert.run('maxConcurrentJobs', JSON.stringify(99));
    insert.run('backendPreference', JSON.stringify('cuda'));
    insert.run('activeAnnotatorId', JSON.stringify(3));
    insert.run('theme', JSON.stringify('dark'));
    expect(store.settings.get()).toEqual({ ...defaults, activeAnnotatorId: 3 });
  });

  it('a stored value that is not JSON at all also falls back to its default', () => {
    store.db
      .prepare('INSERT INTO settings (key, value_json) VALUES (?, ?)')
      .run('maxConcurrentJobs', '{not json');
    expect(store.settings.get()).toEqual(defaults);
  });
});
