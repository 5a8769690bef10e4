import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import type { AttributionIndex, FeatureDetail, FeatureQueuePage } from '../../src/shared/annotation';
import type { AttributionSummary } from '../../src/shared/attribution';
import type { RunSummary } from '../../src/shared/training';
import {
  attributeResult,
  attributionSummary,
  dashboardData,
  writeStudyFolder,
} from '../helpers/annotation-fixtures';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';

// features:importStudy on a synthetic study folder: a tiny finished run (F = 6, two checkpoints) with
// one attribution result and two dashboards; bad folders are refused with nothing changed.

const tmp = createTmpDirs('ctt-study-import-');
let dataDir: string;
let studyDir: string;
let workbench: Workbench;

const ie = [
  [0.5, 0, 0.2, 0, 0.1, 0],
  [0, 0.4, 0.2, 0, 0, 0.3],
];
const items = [
  {
    item: 0,
    good: 'dogs run',
    bad: 'dogs runs',
    metricClean: [1, 2],
    top: [[{ feature: 0, ie: 0.5 }], [{ feature: 1, ie: 0.4 }]],
  },
];

beforeEach(() => {
  dataDir = tmp.make();
  studyDir = join(tmp.make(), 'study');
  writeStudyFolder(studyDir, {
    nFeatures: 6,
    results: [attributionSummary('study-attr', attributeResult('original-run', ie, items))],
    dashboards: [dashboardData(0, 0.3), dashboardData(5, 0.01)],
  });
  workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
    demoStudyDir: studyDir,
  });
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

interface Imported {
  runId: string;
  attributions: number;
  features: number;
  dashboards: number;
}

/** Everything an import could change: run rows, indexed rows, the runs folder. */
function snapshot() {
  const count = (table: string) =>
    (workbench.store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
  const runsDir = join(dataDir, 'runs');
  return {
    runs: count('runs'),
    features: count('features'),
    attributions: count('attributions'),
    dashboards: count('dashboards'),
    folders: existsSync(runsDir) ? readdirSync(runsDir) : [],
  };
}

describe('features:importStudy', () => {
  it('copies the folder as a finished run and indexes its attributions and dashboards', async () => {
    const imported = await value<Imported>('features:importStudy', { dir: studyDir });
    expect(imported).toMatchObject({ attributions: 1, features: 6, dashboards: 2 });
    const run = workbench.store.runs.get(imported.runId);
    expect(run).toMatchObject({ status: 'finished', kind: 'crosscoder', name: 'tiny study' });
    expect(run.dir).toBe(join(dataDir, 'runs', imported.runId));
    expect(existsSync(join(run.dir!, 'config.json'))).toBe(true);

    const runs = await value<RunSummary[]>('runs:list', {});
    expect(runs.map((r) => r.id)).toEqual([imported.runId]);
    expect(runs[0]).toMatchObject({ nFeatures: 6, status: 'finished', stepsDone: 10 });

    // The result is listed under the new run (its run id rewritten in the copy).
    const summaries = await value<AttributionSummary[]>('attribution:list', { runId: imported.runId });
    expect(summaries.map((s) => [s.jobId, s.runId])).toEqual([['study-attr', imported.runId]]);
    const indexed = await value<AttributionIndex[]>('features:attributions', { runId: imported.runId });
    expect(indexed[0]).toMatchObject({ id: 'study-attr', top: 2, task: 'sv_pp_attractor.eng' });
    // top 2: checkpoint A → 0, 2; B → 1, 5 (features 2 and 1 tie-free).
    expect(indexed[0]!.selected).toBe(4);

    const page = await value<FeatureQueuePage>('features:queue', {
      runId: imported.runId,
      annotatorId: workbench.store.annotators.create('ada').id,
      sort: 'density',
    });
    expect(page.items.map((i) => [i.index, i.density])).toEqual([
      [0, 0.3],
      [5, 0.01],
      [1, null],
      [2, null],
    ]);
    const detail = await value<FeatureDetail>('features:get', { featureId: page.items[0]!.featureId });
    expect(detail.scores[0]!.items).toEqual([
      { item: 0, good: 'dogs run', bad: 'dogs runs', ie: [0.5, null], rank: [1, null] },
    ]);
    expect(detail.hasDashboard).toBe(true);
    expect(await value('features:dashboard', { featureId: detail.featureId })).toEqual(dashboardData(0, 0.3));
  });

  it('without a folder imports the demo study once; a second import returns the same run', async () => {
    const first = await value<Imported>('features:importStudy', {});
    const before = snapshot();
    const second = await value<Imported>('features:importStudy', {});
    expect(second).toEqual(first);
    expect(snapshot()).toEqual(before);
    expect(before.runs).toBe(1);
  });

  it('an attribution id already taken by another run gets a suffix', async () => {
    const first = await value<Imported>('features:importStudy', { dir: studyDir });
    const manifest = JSON.parse(readFileSync(join(studyDir, 'study.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    writeFileSync(
      join(studyDir, 'study.json'),
      JSON.stringify({ ...manifest, createdAt: '2025-01-01T00:00:00Z' }),
    );
    const second = await value<Imported>('features:importStudy', { dir: studyDir });
    expect(second.runId).not.toBe(first.runId);
    const ids = (await value<AttributionIndex[]>('features:attributions', { runId: second.runId })).map(
      (a) => a.id,
    );
    expect(ids).toEqual([`study-attr-${second.runId.slice(0, 8)}`]);
  });

  it('refuses a folder whose study.json is missing or invalid, naming the file and field', async () => {
    const before = snapshot();
    const manifestPath = join(studyDir, 'study.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, unknown>;

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, layer: 'one' }));
    const badField = await call('features:importStudy', { dir: studyDir });
    expect(badField).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.dir' } });
    expect(!badField.ok && badField.error.message).toContain(`${manifestPath}: field layer`);

    writeFileSync(manifestPath, '{ not json');
    const notJson = await call('features:importStudy', { dir: studyDir });
    expect(!notJson.ok && notJson.error.message).toContain(`${manifestPath} is not valid JSON`);

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, attributions: ['attribution/missing.json'] }));
    const missingFile = await call('features:importStudy', { dir: studyDir });
    expect(!missingFile.ok && missingFile.error.message).toContain(
      join(studyDir, 'attribution', 'missing.json'),
    );

    writeFileSync(manifestPath, JSON.stringify({ ...manifest, attributions: ['../elsewhere.json'] }));
    const escaping = await call('features:importStudy', { dir: studyDir });
    expect(!escaping.ok && escaping.error.message).toContain('not inside the study folder');

    writeFileSync(manifestPath, JSON.stringify(manifest));
    writeFileSync(join(studyDir, 'dashboards', 'feature-3.json'), JSON.stringify({ feature: 3 }));
    const badDashboard = await call('features:importStudy', { dir: studyDir });
    expect(!badDashboard.ok && badDashboard.error.message).toContain('feature-3.json: field rows');

    const noStudy = await call('features:importStudy', { dir: tmp.make() });
    expect(!noStudy.ok && noStudy.error.message).toMatch(/study\.json is missing/);

    expect(snapshot()).toEqual(before);
  });
});
