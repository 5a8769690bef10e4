import { test, expect, type APIRequestContext } from '@playwright/test';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { callOk, useDemoServers, type DemoServe } from './demo-helpers';

// The Faithfulness page against a real `ctt serve --demo`, with the real `faithfulness` job. The demo
// study ships without its activation store, so the store is extracted again through the API (the same
// corpus windows give the committed run's scale factors, ~10 s on wasm). A training start shows its
// progress and is cancelled; the checks without training then write the report (latent scaling on the
// store: most selected features are flagged, docs/faithfulness.md); the sections render; a flagged
// feature opens on the Features page with its badge in the queue and the flag in its form; an export
// has the exclusivity_artifact column.

const startDemoServe = useDemoServers('ctt-e2e-faithfulness-');
const demoFamily = resolve('resources/demo/models/demo-lm');
const exportDir = mkdtempSync(join(tmpdir(), 'ctt-e2e-faith-export-'));
test.afterAll(() => rmSync(exportDir, { recursive: true, force: true }));

interface Job {
  state: string;
  error: string | null;
}

async function waitForJob(request: APIRequestContext, serve: DemoServe, jobId: string): Promise<Job> {
  let job: Job = { state: 'queued', error: null };
  await expect
    .poll(
      async () => {
        job = await callOk<Job>(request, serve, 'jobs:get', { jobId });
        return ['succeeded', 'failed', 'cancelled'].includes(job.state);
      },
      { timeout: 120_000, intervals: [500] },
    )
    .toBe(true);
  return job;
}

test('runs the checks from the page, shows the sections, badges in the queue and form, and the export column', async ({
  page,
  request,
}) => {
  test.setTimeout(300_000);
  const serve = await startDemoServe();
  const runs = await callOk<Array<{ id: string }>>(request, serve, 'runs:list', {});
  const runId = runs[0]!.id;
  // The run's activation store, extracted again from the demo family.
  const family = await callOk<{ id: number; checkpoints: Array<{ id: number; revision: string }> }>(
    request,
    serve,
    'models:add',
    { name: 'demo-lm', source: { kind: 'folder', path: demoFamily }, tokensPerStep: 512 },
  );
  const extraction = await callOk<{ jobId: string; outDir: string }>(
    request,
    serve,
    'activations:startExtraction',
    {
      modelId: family.id,
      checkpointIds: family.checkpoints
        .filter((c) => ['step100', 'step400', 'step1600'].includes(c.revision))
        .map((c) => c.id),
      layer: 1,
      tokens: 30_000,
      context: 64,
    },
  );
  expect((await waitForJob(request, serve, extraction.jobId)).state).toBe('succeeded');
  // An annotator for the Features page (no gate on the way back).
  const ada = await callOk<{ id: number }>(request, serve, 'annotators:create', { name: 'Ada' });
  await callOk(request, serve, 'settings:update', { activeAnnotatorId: ada.id });

  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+0');
  await expect(page.getByRole('heading', { name: 'Faithfulness', level: 1 })).toBeVisible();
  await expect(page.getByTestId('faith-empty')).toContainText('No report yet');
  await expect(page.getByTestId('faith-cli')).toContainText(`ctt faithfulness --run ${serve.dataDir}`);
  // The extracted store matches the run: it is offered and picked.
  await expect(page.getByTestId('faith-store')).toHaveValue(extraction.outDir);

  // Training the comparison runs: progress, then cancel (what was trained is kept for a resume).
  await page.getByTestId('faith-train').check();
  await page.getByTestId('faith-engine').selectOption('tfjs');
  await page.getByTestId('faith-start').click();
  await expect(page.getByTestId('faith-progress-message')).toContainText('train reordered', {
    timeout: 60_000,
  });
  await expect(page.getByTestId('faith-start')).toBeDisabled();
  await page.getByTestId('faith-cancel').click();
  await expect(page.getByTestId('faith-job-state')).toContainText('Last checks cancelled');
  await expect(page.getByTestId('faith-empty')).toBeVisible();

  // The checks without training: latent scaling on the store, the rest noted as missing.
  await page.getByTestId('faith-train').uncheck();
  await page.getByTestId('faith-start').click();
  await expect(page.getByTestId('faith-report-file')).toContainText('faithfulness/report.json', {
    timeout: 120_000,
  });
  await expect(page.getByTestId('faith-notes')).toContainText('notes from the last run');
  for (const section of ['faith-reordered', 'faith-seeds', 'faith-sae', 'faith-held-out'])
    await expect(page.getByTestId(section).getByTestId('faith-not-computed')).toBeVisible();
  const flaggedCell = page.getByTestId('faith-flagged-activation');
  await expect(flaggedCell).toHaveText(/^\d+ \/ \d+$/);
  const [flagged, claimed] = (await flaggedCell.innerText()).split(' / ').map(Number) as [number, number];
  expect(flagged).toBeGreaterThan(claimed / 2);
  await expect(page.getByTestId('faith-ratio-plot')).toHaveAttribute('data-points', /^[1-9]\d*$/);
  await expect(page.getByTestId('faith-flag-chart')).toBeVisible();
  await page.getByTestId('faith-target').selectOption('error');
  await expect(page.getByTestId('faith-flagged-list')).toContainText('flagged on error');
  await page.getByTestId('faith-target').selectOption('activation');

  // A flagged feature (largest ν) opens on the Features page: its badge in the queue, the flag in its form.
  await page.getByTestId('faith-flagged-list').locator('summary').click();
  const open = page.getByTestId('faith-open-feature').first();
  const feature = Number(await open.getAttribute('data-feature'));
  await open.click();
  await expect(page.getByRole('heading', { name: 'Features & annotation', level: 1 })).toBeVisible();
  const row = page.locator(`[data-testid="queue-row"][data-feature-index="${feature}"]`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('queue-row')).toHaveCount(1);
  await expect(row.locator('[data-badge="artifact"]')).toHaveText('⚠ exclusivity artifact');
  await expect(page.getByTestId('annotation-form')).toHaveAttribute('data-feature-index', String(feature));
  const flag = page.getByTestId('exclusivity-flag');
  await expect(flag).toContainText('Exclusivity artifact');
  await expect(flag).toHaveAttribute('title', /Latent scaling/);
  await expect(page.getByTestId('faith-verdict')).toContainText('activation ν');

  // The table export carries the flag.
  const path = join(exportDir, 'features.jsonl');
  await callOk(request, serve, 'export:write', { runId, format: 'jsonl', path, features: 'all' });
  const [header, ...rows] = readFileSync(path, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  expect(JSON.stringify(header!.provenance)).toContain('faithfulness/report.json');
  const exported = rows.find((r) => r.feat_id === feature);
  expect(exported).toMatchObject({ exclusivity_artifact: 'yes' });
  expect(rows.every((r) => ['yes', 'no', ''].includes(r.exclusivity_artifact as string))).toBe(true);
});
