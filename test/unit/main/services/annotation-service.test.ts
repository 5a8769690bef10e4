import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch, type CallContext } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import type { AnnotatorProgress, OtherAnnotation } from '../../../../src/shared/annotation';
import { annotationFieldsSchema, type AnnotationFields } from '../../../../src/shared/domain';
import { SeededRandom } from '../../../../src/core/random';
import {
  attributeResult,
  attributionSummary,
  finishedRun,
  handIe,
  handSelected,
  writeAttributionFile,
} from '../../../helpers/annotation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Several annotators: the annotation_current projection, blind mode, assignment, progress, tokens and
// what an annotator session may call.

const tmp = createTmpDirs('ctt-annotation-service-');
let workbench: Workbench;
const runId = 'run-1';
let ada: number;
let bob: number;
let cyd: number;

beforeEach(async () => {
  const dataDir = tmp.make();
  workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
    demoStudyDir: null,
  });
  const runDir = join(dataDir, 'runs', runId);
  finishedRun(workbench.store, { id: runId, dir: runDir, nFeatures: 8 });
  writeAttributionFile(runDir, attributionSummary('attr-1', attributeResult(runId, handIe)));
  await value('features:indexAttribution', { runId, attributionId: 'attr-1', top: 2 });
  [ada, bob, cyd] = ['ada', 'bob', 'cyd'].map((name) => workbench.store.annotators.create(name).id) as [
    number,
    number,
    number,
  ];
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const owner: CallContext = { transport: 'cli' };
const call = (channel: string, input: unknown, context: CallContext = owner) =>
  dispatch(workbench.handlers, channel, input, context, { shouldValidateOutput: true });
async function value<T>(channel: string, input: unknown, context: CallContext = owner): Promise<T> {
  const result = await call(channel, input, context);
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as T;
}
const idOf = (index: number): number =>
  workbench.store.features.list(runId).find((f) => f.index === index)!.id;
const fields = (patch: Partial<AnnotationFields>): AnnotationFields =>
  annotationFieldsSchema.parse({ description: '', ...patch });
const save = (index: number, annotatorId: number, patch: Partial<AnnotationFields>) =>
  workbench.store.annotations.save({ featureId: idOf(index), annotatorId, fields: fields(patch) });

interface CurrentRow {
  feature_id: number;
  annotator_id: number;
  revision: number;
  status: string;
  is_flagged: number;
  description: string;
  time_spent_ms: number;
}
const projection = (): CurrentRow[] =>
  workbench.store.db
    .prepare<[], CurrentRow>(
      `SELECT feature_id, annotator_id, revision, status, is_flagged, description, time_spent_ms
       FROM annotation_current ORDER BY feature_id, annotator_id`,
    )
    .all();
/** The projection recomputed from the append-only history. */
function expectedProjection(): CurrentRow[] {
  return workbench.store.db
    .prepare<[], { feature_id: number; annotator_id: number }>(
      'SELECT DISTINCT feature_id, annotator_id FROM annotation_revisions ORDER BY feature_id, annotator_id',
    )
    .all()
    .map(({ feature_id, annotator_id }) => {
      const latest = workbench.store.annotations.latest(feature_id, annotator_id)!;
      return {
        feature_id,
        annotator_id,
        revision: latest.revision,
        status: latest.fields.status,
        is_flagged: latest.fields.isFlagged ? 1 : 0,
        description: latest.fields.description,
        time_spent_ms: latest.fields.timeSpentMs,
      };
    });
}

describe('annotation_current', () => {
  it('agrees with the revision history after many saves', () => {
    const random = new SeededRandom(7);
    const statuses = ['draft', 'done', 'skipped'] as const;
    for (let n = 0; n < 300; n++) {
      const index = random.int(8);
      const annotator = [ada, bob, cyd][random.int(3)]!;
      save(index, annotator, {
        description: `d${random.int(5)}`,
        status: statuses[random.int(3)]!,
        isFlagged: random.next() < 0.3,
        timeSpentMs: random.int(4) * 1000,
      });
    }
    expect(projection().length).toBeGreaterThan(10);
    expect(projection()).toEqual(expectedProjection());
  });

  it('a failure inside the save transaction leaves neither a revision nor a projection change', () => {
    save(0, ada, { description: 'kept', status: 'done' });
    const before = projection();
    const revisions = () =>
      (workbench.store.db.prepare('SELECT COUNT(*) AS n FROM annotation_revisions').get() as { n: number }).n;
    // Stands in for a crash between the revision insert and the projection write.
    workbench.store.db.exec(`CREATE TRIGGER crash BEFORE UPDATE ON annotation_current
      WHEN NEW.description = 'boom' BEGIN SELECT RAISE(ABORT, 'simulated crash'); END`);
    expect(() => save(0, ada, { description: 'boom' })).toThrow(/simulated crash/);
    expect(revisions()).toBe(1);
    expect(projection()).toEqual(before);
    expect(workbench.store.annotations.latest(idOf(0), ada)!.fields.description).toBe('kept');
  });
});

describe('annotations:others and blind mode', () => {
  beforeEach(() => {
    save(0, bob, { description: 'bob says years', status: 'done' });
    save(0, cyd, { description: 'cyd draft' });
  });

  it("returns the other annotators' current answers", async () => {
    const others = await value<OtherAnnotation[]>('annotations:others', {
      featureId: idOf(0),
      annotatorId: ada,
    });
    expect(others.map((o) => [o.name, o.status, o.fields.description])).toEqual([
      ['bob', 'done', 'bob says years'],
      ['cyd', 'draft', 'cyd draft'],
    ]);
  });

  it('in blind mode refuses until the asker has submitted their own, then shows them', async () => {
    await value('settings:update', { isBlindMode: true });
    const input = { featureId: idOf(0), annotatorId: ada };
    const refused = await call('annotations:others', input);
    expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(!refused.ok && refused.error.message).toMatch(/hidden until your own is submitted/);
    save(0, ada, { description: 'mine', status: 'draft' });
    expect(await call('annotations:others', input)).toMatchObject({ ok: false });
    save(0, ada, { description: 'mine', status: 'done' });
    expect(await value<OtherAnnotation[]>('annotations:others', input)).toHaveLength(2);
  });
});

describe('annotations:assign and annotators:progress', () => {
  it('gives each feature k distinct annotators, loads within one of each other', async () => {
    const result = await value('annotations:assign', { runId, annotatorIds: [ada, bob, cyd], perFeature: 2 });
    expect(result).toEqual({ features: 5, assignments: 10 });
    const rows = workbench.store.db
      .prepare<[], { feature_id: number; annotator_id: number }>(
        'SELECT feature_id, annotator_id FROM assignments',
      )
      .all();
    const perFeature = new Map<number, Set<number>>();
    const load = new Map<number, number>();
    for (const r of rows) {
      perFeature.set(r.feature_id, (perFeature.get(r.feature_id) ?? new Set()).add(r.annotator_id));
      load.set(r.annotator_id, (load.get(r.annotator_id) ?? 0) + 1);
    }
    expect([...perFeature.keys()].sort()).toEqual(handSelected.map(idOf).sort());
    for (const annotators of perFeature.values()) expect(annotators.size).toBe(2);
    expect([...load.values()].sort()).toEqual([3, 3, 4]);

    // Assigning again replaces the earlier assignments of those features.
    await value('annotations:assign', { runId, annotatorIds: [bob], perFeature: 1 });
    expect(workbench.store.assignments.featureIdsOf(runId, ada)).toEqual([]);
    expect(workbench.store.assignments.featureIdsOf(runId, bob)).toHaveLength(5);

    const tooMany = await call('annotations:assign', { runId, annotatorIds: [ada, bob], perFeature: 3 });
    expect(tooMany).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.perFeature' } });
  });

  it('assigns a named queue', async () => {
    const queue = await value<{ id: number }>('queues:create', {
      runId,
      attributionId: 'attr-1',
      name: 'q',
      featureIndices: [4, 5, 7],
    });
    expect(
      await value('annotations:assign', {
        runId,
        queueId: queue.id,
        annotatorIds: [ada, bob],
        perFeature: 1,
      }),
    ).toEqual({ features: 3, assignments: 3 });
    expect(workbench.store.assignments.featureIdsOf(runId, ada)).toEqual([idOf(4), idOf(7)]);
  });

  it('counts done over assigned features (else the selected ones) with the median time', async () => {
    save(0, ada, { status: 'done', timeSpentMs: 30_000 });
    save(1, ada, { status: 'done', timeSpentMs: 10_000 });
    save(2, ada, { status: 'done', timeSpentMs: 20_000 });
    save(3, ada, { status: 'skipped', timeSpentMs: 99_000 });
    save(5, ada, { status: 'done', timeSpentMs: 1_000 }); // not selected: not counted
    save(0, bob, { status: 'done', timeSpentMs: 5_000 });
    save(1, bob, { status: 'done', timeSpentMs: 6_000 });
    workbench.store.assignments.replace(
      [idOf(0), idOf(1), idOf(4)],
      [
        { featureId: idOf(0), annotatorId: bob },
        { featureId: idOf(1), annotatorId: bob },
        { featureId: idOf(4), annotatorId: bob },
      ],
    );
    const progress = await value<AnnotatorProgress[]>('annotators:progress', { runId });
    expect(progress).toEqual([
      { annotatorId: ada, name: 'ada', done: 3, total: 5, medianSeconds: 20 },
      { annotatorId: bob, name: 'bob', done: 2, total: 3, medianSeconds: 5.5 },
      { annotatorId: cyd, name: 'cyd', done: 0, total: 5, medianSeconds: null },
    ]);
  });
});

describe('annotator tokens and sessions', () => {
  const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

  it('stores only the hash; a new token replaces the old one', async () => {
    const first = await value<{ token: string; openPath: string }>('annotators:createToken', {
      annotatorId: ada,
    });
    expect(first.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(first.openPath).toBe(`/?token=${first.token}`);
    const stored = workbench.store.db.prepare('SELECT * FROM annotator_tokens').all() as {
      token_hash: string;
    }[];
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).toBe(sha256(first.token));
    expect(JSON.stringify(stored)).not.toContain(first.token);
    expect(workbench.sessionForToken(first.token)).toEqual({ role: 'annotator', annotatorId: ada });

    const second = await value<{ token: string }>('annotators:createToken', { annotatorId: ada });
    expect(second.token).not.toBe(first.token);
    expect(workbench.sessionForToken(first.token)).toBeNull();
    expect(workbench.sessionForToken(second.token)).toEqual({ role: 'annotator', annotatorId: ada });
    expect(workbench.sessionForToken('made-up')).toBeNull();
    expect(await call('annotators:createToken', { annotatorId: 999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('an annotator session reaches only its allow-list, as itself', async () => {
    const asAda: CallContext = { transport: 'http', session: { role: 'annotator', annotatorId: ada } };
    expect(await value('session:get', {}, asAda)).toEqual({
      role: 'annotator',
      annotatorId: ada,
      annotatorName: 'ada',
    });
    expect(await value('session:get', {})).toEqual({ role: 'owner', annotatorId: null, annotatorName: null });

    for (const [channel, input] of [
      ['settings:update', { isBlindMode: false }],
      ['annotators:createToken', { annotatorId: ada }],
      ['features:importStudy', {}],
      ['annotations:assign', { runId, annotatorIds: [ada], perFeature: 1 }],
    ] as const) {
      const refused = await call(channel, input, asAda);
      expect(refused).toMatchObject({ ok: false, error: { code: 'unauthorized', field: 'channel' } });
    }
    const foreign = await call(
      'annotations:save',
      { featureId: idOf(0), annotatorId: bob, fields: {} },
      asAda,
    );
    expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized', field: 'input.annotatorId' } });
    expect(workbench.store.annotations.history(idOf(0))).toEqual([]);
    expect(await call('features:queue', { runId, annotatorId: ada, assignedTo: bob }, asAda)).toMatchObject({
      ok: false,
      error: { field: 'input.assignedTo' },
    });

    await value(
      'annotations:save',
      { featureId: idOf(0), annotatorId: ada, fields: { description: 'a' } },
      asAda,
    );
    save(0, bob, { description: 'b' });
    const history = await value<{ annotatorId: number }[]>(
      'annotations:history',
      { featureId: idOf(0) },
      asAda,
    );
    expect(history.map((r) => r.annotatorId)).toEqual([ada]);
    expect(await value<unknown[]>('annotations:history', { featureId: idOf(0) })).toHaveLength(2);
    expect(await call('annotations:latest', { featureId: idOf(0), annotatorId: bob }, asAda)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized' },
    });
  });
});
