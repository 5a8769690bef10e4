import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dispatch } from '../../../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../../../src/main/workbench';
import { dashboardsParamsSchema } from '../../../../src/shared/attribution';
import { writeSyntheticStore } from '../../../helpers/activation-fixtures';
import {
  attributeResult,
  attributionSummary,
  dashboardData,
  finishedRun,
  handIe,
  handSelected,
  writeAttributionFile,
} from '../../../helpers/annotation-fixtures';
import { fakeBackendInfo } from '../../../helpers/fake-backend';
import { createFakeExecutor } from '../../../helpers/fake-executor';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// features:startDashboards → a `dashboards` job (fake executor) → its files imported into SQLite.

const tmp = createTmpDirs('ctt-dashboards-service-');
let workbench: Workbench;
let fake: ReturnType<typeof createFakeExecutor>;
let runDir: string;
let storeDir: string;
const runId = 'run-1';

beforeEach(async () => {
  const dataDir = tmp.make();
  storeDir = join(tmp.make(), 'store');
  await writeSyntheticStore(storeDir, { shardRows: [16], nCheckpoints: 3, dModel: 4 });
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
  finishedRun(workbench.store, { id: runId, dir: runDir, nFeatures: 8, activationStore: storeDir });
});
afterEach(async () => {
  await workbench.close();
  tmp.cleanup();
});

const call = (channel: string, input: unknown) =>
  dispatch(workbench.handlers, channel, input, { transport: 'cli' }, { shouldValidateOutput: true });

describe('features:startDashboards', () => {
  it("starts a dashboards job on the selected features and imports the job's files", async () => {
    writeAttributionFile(runDir, attributionSummary('attr-1', attributeResult(runId, handIe)));
    await call('features:indexAttribution', { runId, attributionId: 'attr-1', top: 2 });
    const started = await call('features:startDashboards', { runId });
    expect(started.ok).toBe(true);
    const execution = await fake.waitForCall(0);
    expect(execution.job.kind).toBe('dashboards');
    const params = dashboardsParamsSchema.parse(execution.job.params);
    expect(params).toEqual({ runId, runDir, storeDir, features: handSelected });

    // The worker writes one file per feature, then succeeds.
    mkdirSync(join(runDir, 'dashboards'), { recursive: true });
    for (const feature of params.features) {
      writeFileSync(
        join(runDir, 'dashboards', `feature-${feature}.json`),
        JSON.stringify(dashboardData(feature, feature / 10, ['a', 'b', 'c'])),
      );
    }
    execution.resolve({
      runId,
      dir: join(runDir, 'dashboards'),
      features: params.features.map((feature) => ({ feature, density: feature / 10, maxActivation: 1 })),
      rows: 16,
    });
    await workbench.runner.idle();
    expect(workbench.store.dashboards.count(runId)).toBe(handSelected.length);
    const featureId = workbench.store.features.list(runId).find((f) => f.index === 6)!.id;
    const dashboard = await call('features:dashboard', { featureId });
    expect(dashboard).toEqual({ ok: true, value: dashboardData(6, 0.6, ['a', 'b', 'c']) });
  });

  it('takes named features, refusing indices beyond the run and runs without an indexed attribution', async () => {
    const none = await call('features:startDashboards', { runId });
    expect(none).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.features' } });
    const beyond = await call('features:startDashboards', { runId, features: [1, 8] });
    expect(beyond).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.features' } });
    expect(fake.calls).toHaveLength(0);

    expect((await call('features:startDashboards', { runId, features: [7, 2] })).ok).toBe(true);
    expect(dashboardsParamsSchema.parse((await fake.waitForCall(0)).job.params).features).toEqual([7, 2]);
  });
});
