import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import type {
  AttributionIndex,
  FeatureDetail,
  FeatureQueuePage,
  FeatureQueueQuery,
  NamedQueue,
} from '../../../../src/shared/annotation';
import { annotationFieldsSchema, type AnnotationFields } from '../../../../src/shared/domain';
import { lifecycleOf } from '../../../../src/shared/lifecycle';
import {
  attributeResult,
  attributionSummary,
  dashboardData,
  finishedRun,
  handCategories,
  handIe,
  handSelected,
  writeAttributionFile,
} from '../../../helpers/annotation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// features:* and queues:* over a real store: indexing against lifecycleOf, the queue's filters, sorts,
// paging and search against hand-computed orders (IE table in test/helpers/annotation-fixtures.ts).

const tmp = createTmpDirs('ctt-features-service-');
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;
let runDir: string;
const runId = 'run-1';

beforeEach(() => {
  const dataDir = tmp.make();
  fake = createFakeExecutor();
  workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
    demoStudyDir: null,
  });
  runDir = join(dataDir, 'runs', runId);
  finishedRun(workbench.store, { id: runId, dir: runDir, nFeatures: 8 });
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown) =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });
async function value<T>(channel: string, input: unknown): Promise<T> {
  const result = await call(channel, input);
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as T;
}

const items = [
  {
    item: 0,
    good: 'the keys are',
    bad: 'the keys is',
    metricClean: [1, 1, 1],
    top: [
      [
        { feature: 0, ie: 0.9 },
        { feature: 3, ie: -0.4 },
      ],
      [{ feature: 6, ie: 2 }],
      [{ feature: 6, ie: 1 }],
    ],
  },
  { item: 1, good: 'a b', bad: 'a c', metricClean: [1, 1, 1], top: [[], [{ feature: 2, ie: -1 }], []] },
];

async function indexHand(jobId = 'attr-1', top = 2): Promise<AttributionIndex> {
  writeAttributionFile(runDir, attributionSummary(jobId, attributeResult(runId, handIe, items)));
  return value<AttributionIndex>('features:indexAttribution', { runId, attributionId: jobId, top });
}

function idOf(index: number): number {
  return workbench.store.features.list(runId).find((f) => f.index === index)!.id;
}

const fields = (patch: Partial<AnnotationFields>): AnnotationFields =>
  annotationFieldsSchema.parse({ description: '', ...patch });

async function queue(query: Partial<FeatureQueueQuery>): Promise<number[]> {
  const page = await value<FeatureQueuePage>('features:queue', { runId, annotatorId: viewer, ...query });
  return page.items.map((i) => i.index);
}
let viewer = 0;

describe('features:indexAttribution', () => {
  it("stores every feature with lifecycleOf's category and RelIE, the top-k selected", async () => {
    const index = await indexHand();
    expect(index).toMatchObject({
      id: 'attr-1',
      runId,
      task: 'sv_pp_attractor.eng',
      method: 'ig',
      top: 2,
      thresholds: { low: 0.3, high: 0.7 },
      selected: handSelected.length,
    });
    expect(index.revisions.map((r) => r.revision)).toEqual(['step100', 'step200', 'step300']);
    for (let i = 0; i < 8; i++) {
      const detail = await value<FeatureDetail>('features:get', { featureId: idOf(i) });
      const expected = lifecycleOf(handIe, i);
      const scores = detail.scores[0]!;
      expect(scores.category).toBe(expected.category);
      expect(scores.category).toBe(handCategories[i]);
      expect(scores.bucket).toBe(expected.bucket);
      expect(scores.ie).toEqual(expected.ie);
      expect(scores.isSelected).toBe(handSelected.includes(i));
      expect(detail.decoderNorms).toEqual([i + 1, i + 1, i + 1]);
    }
    expect(workbench.store.features.count(runId)).toBe(8);
  });

  it('keeps the items each feature is in the kept top list of, with IE and rank per checkpoint', async () => {
    await indexHand();
    const f6 = await value<FeatureDetail>('features:get', { featureId: idOf(6) });
    expect(f6.scores[0]!.items).toEqual([
      { item: 0, good: 'the keys are', bad: 'the keys is', ie: [null, 2, 1], rank: [null, 1, 1] },
    ]);
    const f3 = await value<FeatureDetail>('features:get', { featureId: idOf(3) });
    expect(f3.scores[0]!.items).toEqual([
      { item: 0, good: 'the keys are', bad: 'the keys is', ie: [-0.4, null, null], rank: [2, null, null] },
    ]);
    const f5 = await value<FeatureDetail>('features:get', { featureId: idOf(5) });
    expect(f5.scores[0]!.items).toEqual([]);
    expect(f5.hasDashboard).toBe(false);
  });

  it('indexing again replaces the scores, keeps feature ids and annotations', async () => {
    await indexHand('attr-1', 2);
    const id0 = idOf(0);
    const annotator = workbench.store.annotators.create('ada');
    workbench.store.annotations.save({ featureId: id0, annotatorId: annotator.id, fields: fields({}) });
    const again = await indexHand('attr-1', 1);
    expect(again.top).toBe(1);
    // top 1: A → 0 (tie with 3 broken by index), B → 6, C → 6.
    expect(again.selected).toBe(2);
    expect(idOf(0)).toBe(id0);
    const scoreRows = workbench.store.db
      .prepare('SELECT COUNT(*) AS n FROM feature_scores WHERE attribution_id = ?')
      .get('attr-1') as { n: number };
    expect(scoreRows.n).toBe(8);
    expect(workbench.store.annotations.history(id0)).toHaveLength(1);
  });

  it('refuses an unknown attribution and bad thresholds, indexing nothing', async () => {
    const missing = await call('features:indexAttribution', { runId, attributionId: 'nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.attributionId' } });
    writeAttributionFile(runDir, attributionSummary('attr-1', attributeResult(runId, handIe)));
    const bad = await call('features:indexAttribution', {
      runId,
      attributionId: 'attr-1',
      low: 0.8,
      high: 0.7,
    });
    expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    expect(await value<AttributionIndex[]>('features:attributions', { runId })).toEqual([]);
  });

  it('indexes a succeeded attribute job by itself (top 10, 0.3 / 0.7)', async () => {
    const params = {
      runId,
      runDir,
      checkpoints: ['a', 'b', 'c'].map((revision) => ({ revision, path: '/m', tokensSeen: null })),
      layer: 1,
      taskFile: '/tasks/sv_pp_attractor.eng.jsonl',
      method: 'ig',
      steps: 4,
      threshold: null,
    };
    const job = workbench.runner.start('attribute', params, 'attribute');
    (await fake.waitForCall(0)).resolve(attributeResult(runId, handIe));
    await workbench.runner.idle();
    const list = await value<AttributionIndex[]>('features:attributions', { runId });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: job.id, top: 10, thresholds: { low: 0.3, high: 0.7 } });
    // Top 10 of 8 features: every feature with a non-zero IE somewhere.
    expect(list[0]!.selected).toBe(7);
  });
});

describe('features:queue', () => {
  beforeEach(async () => {
    await indexHand();
    viewer = workbench.store.annotators.create('viewer').id;
  });

  it('sorts by |IE|, RelIE, density and index with NULLs last and the index as tie-break', async () => {
    expect(await queue({})).toEqual([6, 2, 1, 0, 3]);
    expect(await queue({ sort: 'absIe', direction: 'asc' })).toEqual([0, 3, 1, 2, 6]);
    expect(await queue({ sort: 'relIe' })).toEqual([1, 6, 3, 0, 2]);
    expect(await queue({ sort: 'relIe', direction: 'asc', isSelectedOnly: false })).toEqual([
      0, 2, 7, 3, 5, 6, 1, 4,
    ]);
    expect(await queue({ sort: 'relIe', direction: 'desc', isSelectedOnly: false })).toEqual([
      1, 5, 6, 3, 7, 0, 2, 4,
    ]);
    expect(await queue({ sort: 'index', direction: 'desc' })).toEqual([6, 3, 2, 1, 0]);
    workbench.store.dashboards.upsertMany(
      runId,
      [
        [1, 0.2],
        [3, 0.05],
        [6, 0.2],
      ].map(([index, density]) => ({ index: index!, density: density!, maxActivation: 1, json: '{}' })),
    );
    expect(await queue({ sort: 'density' })).toEqual([1, 6, 3, 0, 2]);
    expect(await queue({ sort: 'density', direction: 'asc' })).toEqual([3, 1, 6, 0, 2]);
    const page = await value<FeatureQueuePage>('features:queue', {
      runId,
      annotatorId: viewer,
      sort: 'density',
    });
    expect(page.items[0]).toMatchObject({
      index: 1,
      density: 0.2,
      category: 'emerged-late',
      relIe: 1,
      absIe: 2,
    });
    expect(page.items[4]).toMatchObject({ index: 2, density: null, status: 'todo', doneCount: 0 });
  });

  it('pages with the total of all matches, also past the end', async () => {
    const pages = await Promise.all(
      [0, 2, 4, 10].map((offset) =>
        value<FeatureQueuePage>('features:queue', { runId, annotatorId: viewer, limit: 2, offset }),
      ),
    );
    expect(pages.map((p) => p.items.map((i) => i.index))).toEqual([[6, 2], [1, 0], [3], []]);
    expect(pages.map((p) => p.total)).toEqual([5, 5, 5, 5]);
    expect(pages[3]!.offset).toBe(10);
  });

  it("filters by category, the viewer's status and flag, assignment and named queue", async () => {
    const other = workbench.store.annotators.create('other').id;
    const save = (index: number, annotatorId: number, patch: Partial<AnnotationFields>) =>
      workbench.store.annotations.save({ featureId: idOf(index), annotatorId, fields: fields(patch) });
    save(0, viewer, { status: 'done', description: 'years and dates' });
    save(1, viewer, { status: 'draft', isFlagged: true });
    save(2, viewer, { status: 'skipped', description: '100% sure' });
    save(3, other, { status: 'done' });
    save(0, other, { status: 'done' });

    expect(await queue({ categories: ['emerged-mid'], isSelectedOnly: false })).toEqual([6, 2]);
    expect(await queue({ categories: ['undefined', 'other'], isSelectedOnly: false })).toEqual([7, 4]);
    expect(await queue({ categories: [] })).toEqual([6, 2, 1, 0, 3]);
    expect(await queue({ statuses: ['todo'] })).toEqual([6, 3]);
    expect(await queue({ statuses: ['done'] })).toEqual([0]);
    expect(await queue({ statuses: ['draft', 'skipped'] })).toEqual([2, 1]);
    expect(await queue({ isFlagged: true })).toEqual([1]);
    expect(await queue({ isFlagged: false })).toEqual([6, 2, 0, 3]);

    const page = await value<FeatureQueuePage>('features:queue', { runId, annotatorId: viewer });
    const byIndex = new Map(page.items.map((i) => [i.index, i]));
    expect(byIndex.get(0)).toMatchObject({ status: 'done', doneCount: 2, description: 'years and dates' });
    expect(byIndex.get(3)).toMatchObject({ status: 'todo', doneCount: 1, description: '' });
    expect(byIndex.get(1)).toMatchObject({ status: 'draft', isFlagged: true });

    workbench.store.assignments.replace(
      [idOf(3), idOf(6)],
      [
        { featureId: idOf(3), annotatorId: viewer },
        { featureId: idOf(6), annotatorId: other },
      ],
    );
    expect(await queue({ assignedTo: viewer })).toEqual([3]);

    const named = await value<NamedQueue>('queues:create', {
      runId,
      attributionId: 'attr-1',
      name: 'brushed',
      featureIndices: [7, 4, 1],
    });
    expect(named.featureIndices).toEqual([1, 4, 7]);
    expect(
      await queue({ queueId: named.id, isSelectedOnly: false, sort: 'index', direction: 'asc' }),
    ).toEqual([1, 4, 7]);
    expect(await queue({ queueId: named.id })).toEqual([1]);
  });

  it("searches a feature index (#12 or 12) or words of the viewer's description, wildcards literal", async () => {
    const save = (index: number, description: string) =>
      workbench.store.annotations.save({
        featureId: idOf(index),
        annotatorId: viewer,
        fields: fields({ description }),
      });
    save(0, 'Years and dates');
    save(2, '100% sure');
    save(6, 'plural_subject');
    expect(await queue({ search: '#3' })).toEqual([3]);
    expect(await queue({ search: ' 3 ' })).toEqual([3]);
    expect(await queue({ search: '#4' })).toEqual([]);
    expect(await queue({ search: 'year' })).toEqual([0]);
    expect(await queue({ search: '%' })).toEqual([2]);
    expect(await queue({ search: '_' })).toEqual([6]);
    expect(await queue({ search: 'nothing like it' })).toEqual([]);
  });

  it('uses the newest indexed attribution by default, and answers an empty page before any', async () => {
    await new Promise((r) => setTimeout(r, 5));
    const flipped = handIe.map((row) => row.map((v, i) => (i === 7 ? 10 : v)));
    writeAttributionFile(runDir, attributionSummary('attr-2', attributeResult(runId, flipped)));
    await value('features:indexAttribution', { runId, attributionId: 'attr-2', top: 1 });
    expect((await value<AttributionIndex[]>('features:attributions', { runId })).map((a) => a.id)).toEqual([
      'attr-2',
      'attr-1',
    ]);
    expect(await queue({})).toEqual([7]);
    expect(await queue({ attributionId: 'attr-1' })).toEqual([6, 2, 1, 0, 3]);
    const other = await call('features:queue', { runId, annotatorId: viewer, attributionId: 'zzz' });
    expect(other).toMatchObject({ ok: false, error: { code: 'not_found', field: 'input.attributionId' } });

    finishedRun(workbench.store, { id: 'run-2', dir: join(runDir, '..', 'run-2'), nFeatures: 8 });
    expect(await value('features:queue', { runId: 'run-2', annotatorId: viewer })).toEqual({
      total: 0,
      offset: 0,
      items: [],
    });
  });
});

describe('queues and dashboards', () => {
  beforeEach(async () => {
    await indexHand();
  });

  it('queues:create refuses feature indices the run does not have, naming them', async () => {
    const result = await call('queues:create', {
      runId,
      attributionId: 'attr-1',
      name: 'too far',
      featureIndices: [1, 8, 99],
    });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: 'input.featureIndices' },
    });
    expect(!result.ok && result.error.message).toContain('8, 99');
    expect(await value<NamedQueue[]>('queues:list', { runId })).toEqual([]);
  });

  it('features:dashboard reads the stored dashboard back; null when none', async () => {
    const data = dashboardData(2, 0.1);
    workbench.store.dashboards.upsertMany(runId, [
      { index: 2, density: 0.1, maxActivation: data.maxActivation, json: JSON.stringify(data) },
    ]);
    expect(await value('features:dashboard', { featureId: idOf(2) })).toEqual(data);
    expect(await value('features:dashboard', { featureId: idOf(3) })).toBeNull();
    expect((await value<FeatureDetail>('features:get', { featureId: idOf(2) })).hasDashboard).toBe(true);
  });

  it('features:startDashboards refuses a run without an activation store', async () => {
    const result = await call('features:startDashboards', { runId });
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.runId' } });
    expect(!result.ok && result.error.message).toContain('/nowhere');
    expect(fake.calls).toHaveLength(0);
  });
});

describe('features:get suggested languages (issue 9)', () => {
  async function indexTask(jobId: string, task: string, taskItems: typeof items | undefined): Promise<void> {
    const result = attributeResult(runId, handIe, taskItems);
    const summary = attributionSummary(jobId, { ...result, provenance: { ...result.provenance, task } });
    writeAttributionFile(runDir, summary);
    await value<AttributionIndex>('features:indexAttribution', { runId, attributionId: jobId, top: 2 });
  }
  const fraItems = [
    {
      item: 0,
      good: 'les clés sont',
      bad: 'les clés est',
      metricClean: [1, 1, 1],
      top: [[], [{ feature: 6, ie: 1 }], [{ feature: 6, ie: -0.5 }]],
    },
  ];

  it('shares |IE| of the kept pairs by the task’s language: ≥ 50% confident, 20–50% tentative', async () => {
    await indexTask('attr-eng', '/tasks/sv_pp_attractor.eng.jsonl', items);
    await indexTask('attr-fra', '/tasks/sv_pp_attractor.fra.jsonl', fraItems);
    const f6 = await value<FeatureDetail>('features:get', { featureId: idOf(6) });
    // eng: |2| + |1| = 3 on "the keys are"; fra: |1| + |−0.5| = 1.5.
    expect(f6.suggestedLanguages).toMatchObject({
      basis: 'itemIe',
      hasContextLanguages: false,
      tags: [
        { code: 'eng', isTentative: false, share: expect.closeTo(2 / 3, 10) },
        { code: 'fra', isTentative: true, share: expect.closeTo(1 / 3, 10) },
      ],
    });
    expect(f6.suggestedLanguages!.tasks).toEqual(
      expect.arrayContaining([
        { task: 'sv_pp_attractor.eng', language: 'eng', weight: 3 },
        { task: 'sv_pp_attractor.fra', language: 'fra', weight: 1.5 },
      ]),
    );
    // Feature 0 is only in English pairs: eng alone.
    const f0 = await value<FeatureDetail>('features:get', { featureId: idOf(0) });
    expect(f0.suggestedLanguages!.tags).toEqual([{ code: 'eng', isTentative: false, share: 1 }]);
  });

  it('without kept pairs it falls back to task-level |IE| × pairs; a task without a language suggests nothing', async () => {
    // Results written before per-pair lists existed (4 pairs each).
    await indexTask('attr-eng', '/tasks/sv_pp_attractor.eng.jsonl', undefined);
    await indexTask('attr-fra', '/tasks/sv_pp_attractor.fra.jsonl', undefined);
    const f1 = await value<FeatureDetail>('features:get', { featureId: idOf(1) });
    // IE of feature 1 is [0, 0, 2] on both tasks: 4 × 2 each, half each, both confident.
    expect(f1.suggestedLanguages!.basis).toBe('taskIe');
    expect(f1.suggestedLanguages!.tasks.map((t) => t.weight)).toEqual([8, 8]);
    expect(f1.suggestedLanguages!.tags.map((t) => [t.code, t.isTentative, t.share])).toEqual([
      ['eng', false, 0.5],
      ['fra', false, 0.5],
    ]);
    // Feature 4 has no effect anywhere: no suggestion.
    const f4 = await value<FeatureDetail>('features:get', { featureId: idOf(4) });
    expect(f4.suggestedLanguages).toMatchObject({ basis: 'none', tags: [], shares: [] });
    await indexTask('attr-blimp', '/tasks/regular_plural_subject_verb_agreement_1.jsonl', items);
    const f6 = await value<FeatureDetail>('features:get', { featureId: idOf(6) });
    // Kept pairs exist now (BLiMP task, no language in its name): all weight is unlabelled.
    expect(f6.suggestedLanguages).toMatchObject({ basis: 'itemIe', tags: [] });
    expect(f6.suggestedLanguages!.shares[0]).toMatchObject({ code: null, share: 1 });
  });
});
