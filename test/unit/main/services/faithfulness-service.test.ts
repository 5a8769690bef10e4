import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeManifest } from '../../../../src/core/activations/manifest';
import { readCsvTable } from '../../../../src/core/review/csv-reader';
import { exportColumns } from '../../../../src/core/review/export-table';
import { dispatch } from '../../../../src/main/services/dispatch';
import { authorize } from '../../../../src/main/services/session-access';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import {
  faithfulnessParamsSchema,
  type FaithfulnessReportFile,
  type FeatureVerdicts,
} from '../../../../src/shared/faithfulness';
import type { Result } from '../../../../src/shared/result';
import { writeSyntheticStore } from '../../../helpers/activation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { demoReport, writeReport } from '../../../helpers/faithfulness-fixtures';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// faithfulness:* over the imported demo study (a real run folder), with a fake executor standing in
// for the compute worker: the report file is the source (absent, present, broken), the job's params,
// the refusals, the per-feature verdicts, and the exports' faithfulness columns.

const tmp = createTmpDirs('ctt-faithfulness-service-');
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;
let runId: string;
let runDir: string;
let selected: number[];

beforeEach(async () => {
  fake = createFakeExecutor();
  workbench = createWorkbench({
    dataDir: tmp.make(),
    mode: 'cli',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference, backend: 'wasm' }),
    progressIntervalMs: 0,
    demoCorpusFile: null,
  });
  runId = (await value<{ runId: string }>('features:importStudy', {})).runId;
  runDir = workbench.store.runs.get(runId).dir!;
  const attribution = workbench.store.attributions.list(runId)[0]!;
  selected = workbench.store.review
    .scores(attribution.id, { isSelectedOnly: true })
    .map((f) => f.index)
    .sort((a, b) => a - b);
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown): Promise<Result<unknown>> =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });
async function value<T>(channel: string, input: unknown): Promise<T> {
  const result = await call(channel, input);
  if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
  return result.value as T;
}

/** A complete store shaped like the demo run's (3 × 64) with the given scale factors. */
async function storeWithScale(scale: number[]): Promise<string> {
  const dir = join(tmp.make(), 'acts');
  const manifest = await writeSyntheticStore(dir, { shardRows: [8], nCheckpoints: 3, dModel: 64 });
  await writeManifest(dir, { ...manifest, scale });
  return dir;
}
const runScale = (): number[] =>
  (JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { scale: number[] }).scale;

describe('faithfulness:get and faithfulness:features', () => {
  it('without a report: null, and no verdicts', async () => {
    expect(await value('faithfulness:get', { runId })).toBeNull();
    expect(await value('faithfulness:features', { runId })).toEqual({
      file: null,
      createdAt: null,
      features: [],
    });
  });

  it('reads the report file and turns it into per-feature verdicts', async () => {
    const [matched, unmatched] = selected as [number, number];
    const file = writeReport(runDir, demoReport(matched, unmatched));
    const got = await value<FaithfulnessReportFile>('faithfulness:get', { runId });
    expect(got.file).toBe(file);
    expect(got.report.heldOut?.spearman).toBe(0.774);
    const verdicts = await value<FeatureVerdicts>('faithfulness:features', { runId });
    expect(verdicts.createdAt).toBe('2025-03-04T05:06:07.000Z');
    expect(verdicts.features.map((v) => v.feature)).toEqual([matched, unmatched]);
    const [a, b] = verdicts.features;
    expect(a).toMatchObject({
      reordered: { similarity: 0.93, isMatched: true, isSameCategory: true },
      seeds: { matched: 1, total: 1 },
      sae: { agrees: 1, n: 1 },
      exclusivity: { category: 'emerged-late', isArtifact: true, ratio: 0.9 },
    });
    expect(a!.exclusivity!.targets).toEqual([
      { target: 'activation', ratio: 0.9, flag: true },
      { target: 'error', ratio: 0.2, flag: false },
    ]);
    expect(b).toMatchObject({
      reordered: { isMatched: false, isSameCategory: null },
      seeds: { matched: 0, total: 1 },
      sae: { agrees: 0, n: 1 },
      exclusivity: { isArtifact: false },
    });
  });

  it('a report without per-item data (written before the UI) still gives the exclusivity verdicts', async () => {
    const report = demoReport(selected[0]!, selected[1]!);
    delete report.reordered!.items;
    delete report.sae!.items;
    report.seeds = [];
    writeReport(runDir, report);
    const verdicts = await value<FeatureVerdicts>('faithfulness:features', { runId });
    expect(verdicts.features[0]).toMatchObject({ reordered: null, seeds: null, sae: null });
    expect(verdicts.features[0]!.exclusivity?.isArtifact).toBe(true);
  });

  it('a broken report is a clear error naming the file, for the page, the badges and the exports', async () => {
    const file = writeReport(runDir, '{"format": "crosscoder-workbench faithfulness v1", "runs": [');
    for (const channel of ['faithfulness:get', 'faithfulness:features']) {
      const r = await call(channel, { runId });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.runId' } });
      if (!r.ok) expect(r.error.message).toContain(`${file} is not readable JSON`);
    }
    const out = join(tmp.make(), 'table.csv');
    const exported = await call('export:write', { runId, format: 'csv', path: out });
    expect(exported.ok).toBe(false);
    if (!exported.ok) expect(exported.error.message).toContain(file);

    const bad = demoReport(selected[0]!, selected[1]!) as unknown as Record<string, unknown>;
    bad.ratioThreshold = -1;
    writeReport(runDir, bad);
    const r = await call('faithfulness:get', { runId });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.message).toContain(`${file} is not a faithfulness report`);
      expect(r.error.message).toContain('report.ratioThreshold');
    }
  });

  it('refuses a report of runs that differ, or of another width than the run', async () => {
    const report = demoReport(selected[0]!, selected[1]!);
    report.runs[1] = { ...report.runs[1]!, layer: 2 };
    const file = writeReport(runDir, report);
    const r = await call('faithfulness:get', { runId });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/runs differ in layer: 1 vs 2/);

    const wide = demoReport(selected[0]!, selected[1]!);
    wide.runs = wide.runs.map((run) => ({ ...run, nFeatures: 512 }));
    writeFileSync(file, JSON.stringify(wide));
    const w = await call('faithfulness:features', { runId });
    expect(w.ok).toBe(false);
    if (!w.ok) expect(w.error.message).toContain('describes a run of 512 features; this run has 256');
  });

  it('an unknown run is not found', async () => {
    expect(await call('faithfulness:get', { runId: 'nope' })).toMatchObject({
      ok: false,
      error: { code: 'not_found', field: 'input.runId' },
    });
  });

  it('annotators may read the verdicts (badges) but not the report page or start checks', () => {
    const annotator = { role: 'annotator' as const, annotatorId: 1 };
    expect(authorize('faithfulness:features', { runId }, annotator).ok).toBe(true);
    expect(authorize('faithfulness:get', { runId }, annotator).ok).toBe(false);
    expect(authorize('faithfulness:start', { runId }, annotator).ok).toBe(false);
  });
});

describe('faithfulness:start', () => {
  it('starts a faithfulness job with the run folder and the options; a second start is a conflict', async () => {
    const started = await value<{ jobId: string }>('faithfulness:start', {
      runId,
      seeds: 2,
      heldOut: { task: 'det_noun.eng', heldOutTask: 'irregular_plural.eng' },
    });
    const execution = await fake.waitForCall(0);
    expect(execution.job).toMatchObject({ id: started.jobId, kind: 'faithfulness' });
    expect(faithfulnessParamsSchema.parse(execution.job.params)).toEqual({
      runId,
      runDir,
      acts: null,
      shouldTrain: false,
      seeds: 2,
      heldOut: { task: 'det_noun.eng', heldOutTask: 'irregular_plural.eng' },
      top: 10,
      matchThreshold: 0.7,
      scalingRows: 20_000,
    });
    expect(workbench.runner.get(started.jobId).label).toBe(
      'Faithfulness checks of Demo study: demo-lm step100 / step400 / step1600, layer 1 (2 extra seeds, held-out det_noun.eng → irregular_plural.eng)',
    );
    const again = await call('faithfulness:start', { runId });
    expect(again).toMatchObject({ ok: false, error: { code: 'conflict', field: 'input.runId' } });
    // Cancelled, it can be started again (the runner resumes from what it kept).
    await value('jobs:cancel', { jobId: started.jobId });
    await value('faithfulness:start', { runId });
    expect((await fake.waitForCall(1)).job.kind).toBe('faithfulness');
  });

  it('takes the store the run was trained on (scale factors checked) and refuses others clearly', async () => {
    const good = await storeWithScale(runScale());
    await value('faithfulness:start', { runId, activationStore: good, shouldTrain: true });
    const params = faithfulnessParamsSchema.parse((await fake.waitForCall(0)).job.params);
    expect(params).toMatchObject({ acts: good, shouldTrain: true });

    const other = await storeWithScale([1, 2, 3]);
    const r = await call('faithfulness:start', { runId, activationStore: other });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.activationStore' } });
    if (!r.ok) expect(r.error.message).toMatch(/The run was not trained on .*acts: its scale factors/);

    const notAStore = tmp.make();
    const n = await call('faithfulness:start', { runId, activationStore: notAStore });
    expect(n).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.activationStore' } });
    if (!n.ok) expect(n.error.message).toContain(`${notAStore} is not an activation store folder`);
    expect(fake.calls).toHaveLength(1);
  });

  it('training without a store is refused naming the field (the demo study carries none)', async () => {
    const r = await call('faithfulness:start', { runId, shouldTrain: true });
    expect(r).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.activationStore' } });
    expect(fake.calls).toHaveLength(0);
  });

  it('refuses bad options before anything starts', async () => {
    for (const input of [
      { runId, seeds: 6 },
      { runId, matchThreshold: 0 },
      { runId, heldOut: { task: 'a', heldOutTask: '' } },
      { runId, activationStore: 'relative/store' },
    ])
      expect((await call('faithfulness:start', input)).ok, JSON.stringify(input)).toBe(false);
    expect(fake.calls).toHaveLength(0);
  });
});

describe('exports with a faithfulness report', () => {
  const exportCsv = async (): Promise<string> => {
    const path = join(tmp.make(), 'table.csv');
    await value('export:write', { runId, format: 'csv', path });
    return readFileSync(path, 'utf8');
  };

  it('without a report the table is as before (no faithfulness columns)', async () => {
    const text = await exportCsv();
    expect(text).not.toContain('exclusivity_artifact');
  });

  it('adds exclusivity_artifact and faithfulness_matched (empty where the report says nothing)', async () => {
    const [matched, unmatched, other] = selected as [number, number, number];
    writeReport(runDir, demoReport(matched, unmatched));
    const text = await exportCsv();
    expect(text).toMatch(
      /^# faithfulness: .*report\.json of 2025-03-04T05:06:07\.000Z; exclusivity_artifact/m,
    );
    const revisions = workbench.store.attributions.list(runId)[0]!.revisions;
    const table = readCsvTable(Buffer.from(text), exportColumns(revisions, false, true));
    const byIndex = new Map(table.rows.map((r) => [r.feat_id, r]));
    expect(byIndex.get(matched)).toMatchObject({ exclusivity_artifact: 'yes', faithfulness_matched: 'yes' });
    expect(byIndex.get(unmatched)).toMatchObject({ exclusivity_artifact: 'no', faithfulness_matched: 'no' });
    expect(byIndex.get(other)).toMatchObject({ exclusivity_artifact: '', faithfulness_matched: '' });

    for (const format of ['md', 'latex'] as const) {
      const path = join(tmp.make(), `table.${format}`);
      await value('export:write', { runId, format, path });
      expect(readFileSync(path, 'utf8'), format).toContain('Excl. artifact');
    }
  });

  it('a JSONL export with the columns imports back (the columns are ignored)', async () => {
    writeReport(runDir, demoReport(selected[0]!, selected[1]!));
    const annotatorId = (await value<{ id: number }>('annotators:create', { name: 'ada' })).id;
    const featureId = workbench.store.features.idsByIndex(runId, [selected[0]!]).get(selected[0]!)!;
    await value('annotations:save', {
      featureId,
      annotatorId,
      fields: { description: 'plural subject', status: 'done' },
      baseRevision: 0,
    });
    const path = join(tmp.make(), 'table.jsonl');
    await value('export:write', { runId, format: 'jsonl', path });
    const rows = readFileSync(path, 'utf8').trim().split('\n').slice(1);
    expect(JSON.parse(rows[0]!)).toHaveProperty('exclusivity_artifact');
    const other = (await value<{ id: number }>('annotators:create', { name: 'bob' })).id;
    const imported = await value<{ rows: number; ignoredColumns: string[]; imported: number }>(
      'import:annotationsCsv',
      { runId, annotatorId: other, path, isDryRun: false },
    );
    expect(imported.rows).toBe(rows.length);
    expect(imported.ignoredColumns).toEqual(
      expect.arrayContaining(['exclusivity_artifact', 'faithfulness_matched']),
    );
    expect(workbench.store.annotations.latest(featureId, other)?.fields.description).toBe('plural subject');
  });
});
