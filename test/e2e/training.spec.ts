import { resolve } from 'node:path';
import { expect, startServe, test, type ServeProcess } from './serve-fixture';

// The study's first half from the UI against a real serve backend: add the demo family, extract a small
// activation store, train a tiny crosscoder, and read its curves and RelDec histogram, also after a reload.

const demoFamily = resolve('resources/demo/models/demo-lm');
let serve: ServeProcess;
let stopServe: () => Promise<void>;

test.beforeAll(async () => {
  ({ serve, stop: stopServe } = await startServe());
});
test.afterAll(async () => {
  await stopServe();
});
test.describe.configure({ mode: 'serial' });

test('extracts activations and trains a crosscoder from the app; the charts survive a reload', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(serve.openUrl);

  // The demo family, through the Models page.
  await page.getByTestId('model-name').fill('demo-lm');
  await page.getByTestId('model-path').fill(demoFamily);
  await page.getByTestId('model-tokens-per-step').fill('512');
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('model-family').getByTestId('checkpoint-row')).toHaveCount(7);

  // Activations: three checkpoints, layer 1, 3000 tokens of the demo corpus (the default corpus).
  await page.keyboard.press('Alt+2');
  await expect(page.getByRole('heading', { name: 'Activations', level: 1 })).toBeVisible();
  await expect(page.getByTestId('empty-activations')).toBeVisible();
  await expect(page.getByTestId('extract-corpus')).toHaveValue(/resources\/demo\/corpus\.txt$/);
  const boxes = page.getByTestId('extract-checkpoint');
  await expect(boxes).toHaveCount(7);
  for (const revision of ['step25', 'step50', 'step100', 'step200', 'step400', 'step800', 'step1600']) {
    const box = page.locator(`[data-testid="extract-checkpoint"][data-revision="${revision}"]`);
    await box.setChecked(['step100', 'step400', 'step1600'].includes(revision));
  }
  await page.getByTestId('extract-layer').fill('1');
  await page.getByTestId('extract-tokens').fill('3000');
  await page.getByTestId('extract-context').fill('32');
  await page.getByTestId('extract-start').click();
  await expect(page.getByTestId('extract-error')).toHaveCount(0);
  const store = page.getByTestId('activation-store');
  await expect(store).toHaveCount(1);
  await expect(store).toHaveAttribute('data-complete', 'true', { timeout: 60_000 });
  await expect(store).toContainText('demo-lm-step100-step400-step1600-L1');
  await expect(store).toContainText('step100, step400, step1600');
  await expect(store).toContainText('complete');
  await page.screenshot({ path: 'test-results/activations-page.png', fullPage: true });

  // Training: a tiny L1 crosscoder; the speed is measured for this size before starting.
  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
  await expect(page.getByTestId('train-estimate')).toContainText('steps/s', { timeout: 30_000 });
  // The suggestion for d = 64 on 3000 rows: F = 8·d, a batch of at most half the rows.
  await expect(page.getByTestId('train-features')).toHaveValue('512');
  await expect(page.getByTestId('train-batch')).toHaveValue('1024');
  await expect(page.getByTestId('train-lambda')).toHaveValue('2');
  await expect(page.getByTestId('train-lr')).toHaveValue('5e-5');
  await page.getByTestId('train-name').fill('tiny');
  await page.getByTestId('train-features').fill('64');
  await page.getByTestId('train-batch').fill('256');
  await expect(page.getByTestId('train-estimate')).toContainText('measure again');
  // The engine: tfjs when asked, the native one (built by setup) under auto; each measured on its own.
  await page.getByTestId('train-engine').selectOption('tfjs');
  await page.getByTestId('train-measure').click();
  await expect(page.getByTestId('train-estimate')).toContainText(/steps\/s on tfjs \(wasm\)/);
  await page.getByTestId('train-engine').selectOption('auto');
  await expect(page.getByTestId('train-estimate')).toContainText('measure again');
  await page.getByTestId('train-measure').click();
  // Steps follow the time budget (5 minutes) until typed in; the estimate follows the steps.
  await expect(page.getByTestId('train-estimate')).toContainText(
    /≈ 5m 00s at [\d.,]+ steps\/s on the native engine/,
  );
  await page.getByTestId('train-steps').fill('30');
  await expect(page.getByTestId('train-estimate')).toContainText(
    /≈ \d+s at [\d.,]+ steps\/s on the native engine/,
  );
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-error')).toHaveCount(0);

  const run = page.getByTestId('run-row').filter({ hasText: 'tiny' });
  await expect(run).toHaveCount(1);
  const detail = page.getByTestId('run-detail');
  // Curves appear while it trains or right after; the run then finishes with all 30 steps.
  await expect(detail.getByTestId('metric-chart-loss')).toBeVisible({ timeout: 60_000 });
  await expect(run).toHaveAttribute('data-status', 'finished', { timeout: 60_000 });
  await expect(run.getByTestId('run-steps')).toHaveText('30/30');
  for (const name of ['loss', 'mse', 'l1', 'l0', 'deadFraction']) {
    await expect(detail.getByTestId(`metric-chart-${name}`)).toHaveAttribute('data-points', '30');
  }
  await expect(detail.locator('[data-testid="metric-chart-loss"] .recharts-line-curve')).toHaveCount(1);
  const histogram = detail.getByTestId('reldec-histogram');
  await expect(histogram).toBeVisible();
  await expect(histogram).toHaveAttribute('data-series', '3');
  await expect(histogram.locator('.recharts-legend-item')).toHaveCount(3);
  await expect(detail.getByTestId('run-evaluation')).toContainText('Explained variance');
  await page.setViewportSize({ width: 1280, height: 1800 });
  await page.screenshot({ path: 'test-results/training-page.png', fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  // A reload draws the stored series again.
  await page.reload();
  await expect(page.getByRole('heading', { name: 'Training', level: 1 })).toBeVisible();
  await expect(page.getByTestId('run-detail').getByTestId('metric-chart-loss')).toHaveAttribute(
    'data-points',
    '30',
  );
  await expect(page.getByTestId('reldec-histogram')).toBeVisible();
  expect(consoleErrors).toEqual([]);
});

test('follows a run live, cancels it and resumes it from the run list', async ({ page }) => {
  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+3');
  await expect(page.getByTestId('train-estimate')).toContainText('steps/s', { timeout: 30_000 });
  await page.getByTestId('train-name').fill('live');
  await page.getByTestId('train-features').fill('64');
  await page.getByTestId('train-batch').fill('256');
  await page.getByTestId('train-steps').fill('20000');
  await page.getByTestId('train-start').click();
  const run = page.getByTestId('run-row').filter({ hasText: 'live' });
  await expect(run).toHaveAttribute('data-status', 'running', { timeout: 30_000 });
  await expect(page.getByTestId('run-detail')).toHaveAttribute(
    'data-run-id',
    (await run.getAttribute('data-run-id'))!,
  );
  // The chart grows from jobs:progress events while the run trains.
  const loss = page.getByTestId('run-detail').getByTestId('metric-chart-loss');
  await expect(loss).toBeVisible({ timeout: 30_000 });
  const before = Number(await loss.getAttribute('data-points'));
  await expect.poll(async () => Number(await loss.getAttribute('data-points'))).toBeGreaterThan(before + 2);
  await expect(run).toHaveAttribute('data-status', 'running');

  await run.getByTestId('run-cancel').click();
  await expect(run).toHaveAttribute('data-status', 'cancelled');
  const stoppedAt = Number((await run.getByTestId('run-steps').textContent())!.split('/')[0]);
  expect(stoppedAt).toBeGreaterThan(0);
  await run.getByTestId('run-resume').click();
  await expect(run).toHaveAttribute('data-status', 'running');
  await expect(run.getByTestId('run-resume')).toHaveCount(0);
  await run.getByTestId('run-cancel').click();
  await expect(run).toHaveAttribute('data-status', 'cancelled');
});

test('attributes the trained run on a demo task and draws categories, scatter and table', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+4');
  await expect(page.getByRole('heading', { name: 'Attribution', level: 1 })).toBeVisible();
  await expect(page.getByTestId('empty-attribution')).toHaveCount(0);
  // Only finished runs are offered; the task defaults to the demo subject–verb agreement task.
  await expect(page.getByTestId('attr-run').locator('option')).toHaveCount(1);
  await expect(page.getByTestId('attr-run').locator('option')).toContainText('tiny');
  await expect(page.getByTestId('attr-task')).toHaveValue(
    /resources\/demo\/tasks\/sv_pp_attractor\.eng\.jsonl$/,
  );
  await page.getByTestId('attr-steps').fill('2');
  await page.getByTestId('attr-limit').fill('8');
  await page.getByTestId('attr-start').click();
  await expect(page.getByTestId('attr-error')).toHaveCount(0);

  const result = page.getByTestId('attribution-result');
  await expect(result).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('attribution-summary')).toContainText('step100, step400, step1600');
  const categories = page.getByTestId('attribution-categories');
  await expect(categories).toBeVisible();
  // Three checkpoints: seven categories, drawn as bars.
  await expect(categories).toHaveAttribute('data-bars', '7');
  await expect(categories.locator('.recharts-bar')).toHaveCount(1);
  await expect(page.getByTestId('attribution-scatter')).toBeVisible();
  await expect(page.getByTestId('attribution-sensitivity')).toBeVisible();
  const rows = page.getByTestId('attribution-table').getByTestId('attribution-row');
  expect(await rows.count()).toBeGreaterThan(0);
  const before = await rows.count();
  await page.getByTestId('attr-k').fill('2');
  await expect.poll(() => rows.count()).toBeLessThanOrEqual(Math.min(before, 6));
  await page.getByTestId('attr-k').fill('10');
  // Invalid thresholds are refused in place.
  await page.getByTestId('attr-low').fill('0.8');
  await expect(page.getByTestId('attr-threshold-error')).toBeVisible();
  await page.getByTestId('attr-low').fill('0.3');
  await expect(page.getByTestId('attribution-table')).toBeVisible();
  await page.setViewportSize({ width: 1280, height: 1600 });
  await page.screenshot({ path: 'test-results/attribution-page.png', fullPage: true });

  // The result picker lists the run's results; a row opens the feature's lifecycle timeline.
  await expect(page.getByTestId('attr-result-picker').locator('option')).toHaveCount(1);
  const timeline = page.getByTestId('attribution-timeline');
  await expect(timeline).toHaveCount(0);
  const firstRow = rows.first();
  const feature = await firstRow.getAttribute('data-feature');
  await firstRow.click();
  await expect(timeline).toBeVisible();
  await expect(timeline).toContainText(`Feature ${feature}`);
  await expect(page.getByTestId('timeline-lifecycle')).toContainText(
    (await firstRow.getAttribute('data-category')) ?? '',
  );
  // The demo checkpoints record tokens seen: a log axis, three points per chart.
  await expect(timeline).toHaveAttribute('data-axis', 'tokens');
  await expect(page.getByTestId('timeline-order-note')).toHaveCount(0);
  for (const id of ['timeline-ie', 'timeline-relie', 'timeline-decnorm']) {
    await expect(page.getByTestId(id)).toHaveAttribute('data-points', '3');
    await expect(page.getByTestId(id).locator('.recharts-line')).toHaveCount(1);
  }
  await timeline.scrollIntoViewIfNeeded();
  await page.screenshot({ path: 'test-results/attribution-timeline.png', fullPage: true });
  // Keyboard: Enter on another focused row switches the timeline.
  if ((await rows.count()) > 1) {
    const second = rows.nth(1);
    await second.focus();
    await page.keyboard.press('Enter');
    await expect(timeline).toContainText(`Feature ${await second.getAttribute('data-feature')}`);
  }
  await page.getByTestId('timeline-close').click();
  await expect(timeline).toHaveCount(0);

  // Brushing: a drag over the whole plot picks every drawn feature; typed bounds narrow it down.
  const scatter = page.getByTestId('attribution-scatter');
  const drawn = Number(await scatter.getAttribute('data-points'));
  await scatter.scrollIntoViewIfNeeded();
  const plot = (await scatter.locator('svg').boundingBox())!;
  await page.mouse.move(plot.x + 2, plot.y + 2);
  await page.mouse.down();
  await page.mouse.move(plot.x + plot.width - 2, plot.y + plot.height - 2, { steps: 5 });
  await page.mouse.up();
  await expect(page.getByTestId('brush-box')).toBeVisible();
  await expect(page.getByTestId('brush-count')).toHaveAttribute('data-count', String(drawn));
  await expect(scatter.locator('circle.brushed')).toHaveCount(drawn);
  await page.getByTestId('brush-y0').fill('0.5');
  const narrowed = Number(await page.getByTestId('brush-count').getAttribute('data-count'));
  expect(narrowed).toBeLessThanOrEqual(drawn);
  await expect(scatter.locator('circle.brushed')).toHaveCount(narrowed);
  if (narrowed > 0) {
    await page.getByTestId('brush-queue-name').fill('high RelIE');
    await page.getByTestId('brush-make-queue').click();
    await expect(page.getByTestId('brush-message')).toContainText(
      `"high RelIE" made with ${narrowed} features`,
    );
  }
  await page.getByTestId('brush-clear').click();
  await expect(page.getByTestId('brush-box')).toHaveCount(0);

  // Per pair: the kept features per checkpoint; a row opens that feature's timeline.
  const items = page.getByTestId('item-effects');
  await expect(items).toBeVisible();
  await expect(page.getByTestId('item-picker').locator('option')).toHaveCount(8);
  await expect(items.getByTestId('item-effects-checkpoint')).toHaveCount(3);
  await page.getByTestId('item-picker').selectOption({ index: 3 });
  const top = items.getByTestId('item-effects-checkpoint').nth(2).locator('tbody tr').first();
  const topFeature = await top.locator('td').first().textContent();
  await top.click();
  await expect(timeline).toContainText(`Feature ${topFeature}`);
  await page.setViewportSize({ width: 1280, height: 800 });
  expect(consoleErrors).toEqual([]);
});
