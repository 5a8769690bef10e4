import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeTinyModelFolder } from '../helpers/tiny-model-folder';
import { writeToyTask } from '../helpers/toy-task';
import { expect, startServe, test, type ServeProcess } from './serve-fixture';

// A serve process of its own: these tests add model families and jobs, which the shell tests in
// workbench.spec.ts must not see.
let serve: ServeProcess;
let stopServe: () => Promise<void>;
let modelsRoot: string;

test.beforeAll(async () => {
  ({ serve, stop: stopServe } = await startServe());
  modelsRoot = mkdtempSync(join(tmpdir(), 'ctt-e2e-models-'));
  await writeTinyModelFolder(join(modelsRoot, 'family', 'step100'), { seed: 1 });
  await writeTinyModelFolder(join(modelsRoot, 'family', 'step2000'), { seed: 2, hasTokenizer: false });
  await writeTinyModelFolder(join(modelsRoot, 'scored', 'step100'), { seed: 3 });
  await writeTinyModelFolder(join(modelsRoot, 'scored', 'step2000'), { seed: 4 });
  writeToyTask(join(modelsRoot, 'toy.jsonl'), 60);
  // The same toy pairs, every other one labelled French: a task that mixes two languages.
  writeToyTask(join(modelsRoot, 'mixed.jsonl'), 20);
  const rows = readFileSync(join(modelsRoot, 'mixed.jsonl'), 'utf8').trim().split('\n');
  const mixed = rows.map((line, i) =>
    i % 2 === 1 && i < 20 ? JSON.stringify({ ...JSON.parse(line), lang: 'fr' }) : line,
  );
  writeFileSync(join(modelsRoot, 'mixed.jsonl'), mixed.join('\n') + '\n');
});
test.afterAll(async () => {
  await stopServe();
  rmSync(modelsRoot, { recursive: true, force: true });
});

test.describe.configure({ mode: 'serial' });

test('adds a model family from a folder, lists checkpoints by tokens seen, validates each', async ({
  page,
}) => {
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    // Chromium logs every 4xx reply; the refused adds below are meant to get 400 and 409.
    const isExpectedRefusal = /Failed to load resource: .* (400|409)/.test(m.text());
    if (m.type() === 'error' && !isExpectedRefusal) consoleErrors.push(m.text());
  });
  await page.goto(serve.openUrl);
  await expect(page.getByRole('heading', { name: 'Models & checkpoints', level: 1 })).toBeVisible();
  await expect(page.getByTestId('empty-models')).toBeVisible();

  // A relative path is refused by the API; the message shows beside the form and marks the field.
  await page.getByTestId('model-name').fill('tiny-family');
  await page.getByTestId('model-path').fill('relative/folder');
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('add-model-error')).toContainText('not an absolute path');
  await expect(page.getByTestId('model-path')).toHaveAttribute('aria-invalid', 'true');

  await page.getByTestId('model-path').fill(join(modelsRoot, 'family'));
  await page.getByTestId('model-tokens-per-step').fill('2097152');
  await page.getByTestId('model-add').click();
  const family = page.getByTestId('model-family');
  await expect(family).toHaveCount(1);
  await expect(page.getByTestId('add-model-error')).toHaveCount(0);
  await expect(page.getByTestId('empty-models')).toHaveCount(0);
  const rows = family.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(2);
  await expect(rows.nth(0)).toHaveAttribute('data-revision', 'step100');
  await expect(rows.nth(0)).toContainText('210M');
  await expect(rows.nth(1)).toHaveAttribute('data-revision', 'step2000');
  await expect(rows.nth(1)).toContainText('4.2B');

  // Keyboard: focus the first Validate button and press Enter.
  await rows.nth(0).getByTestId('checkpoint-validate').focus();
  await page.keyboard.press('Enter');
  await expect(rows.nth(0).getByTestId('check-ok')).toContainText('✓ complete');
  await expect(rows.nth(0).getByTestId('check-ok')).toContainText('2 layers, d_model 16, F32');
  await rows.nth(1).getByTestId('checkpoint-validate').click();
  await expect(rows.nth(1).getByTestId('check-problems')).toContainText('1 problem');
  await expect(rows.nth(1).getByTestId('check-problems')).toContainText('tokenizer.json: missing');
  await page.screenshot({ path: 'test-results/models-page.png', fullPage: true });

  // A second family with the same name is a conflict, shown beside the form.
  await page.getByTestId('model-name').fill('tiny-family');
  await page.getByTestId('model-path').fill(join(modelsRoot, 'family', 'step100'));
  await page.getByTestId('model-add').click();
  await expect(page.getByTestId('add-model-error')).toContainText('already exists');
  await expect(page.getByTestId('model-name')).toHaveAttribute('aria-invalid', 'true');
  expect(consoleErrors).toEqual([]);
});

test('removes a family after confirming', async ({ page }) => {
  await page.goto(serve.openUrl);
  await page.getByTestId('model-name').fill('to-remove');
  await page.getByTestId('model-path').fill(join(modelsRoot, 'family', 'step100'));
  await page.getByTestId('model-add').click();
  const card = page.locator('[data-testid="model-family"][data-model-name="to-remove"]');
  await expect(card).toHaveCount(1);
  await card.getByTestId('model-remove').click();
  await card.getByTestId('model-remove-confirm').click();
  await expect(card).toHaveCount(0);
  await expect(page.getByTestId('model-family')).toHaveCount(1);
});

test('runs task accuracy over checkpoints and shows the chart and the per-item margins', async ({ page }) => {
  await page.goto(serve.openUrl);
  await page.getByTestId('model-name').fill('scored-family');
  await page.getByTestId('model-path').fill(join(modelsRoot, 'scored'));
  await page.getByTestId('model-tokens-per-step').fill('2097152');
  await page.getByTestId('model-add').click();
  await expect(page.locator('[data-testid="model-family"][data-model-name="scored-family"]')).toHaveCount(1);

  const panel = page.getByTestId('task-accuracy');
  await expect(panel.getByRole('heading', { name: 'Task accuracy' })).toBeVisible();
  // A relative task path is refused beside the form.
  await panel.getByTestId('accuracy-task-file').fill('toy.jsonl');
  await panel.getByTestId('accuracy-start').click();
  await expect(panel.getByTestId('accuracy-error')).toContainText('not an absolute path');
  await expect(panel.getByTestId('accuracy-task-file')).toHaveAttribute('aria-invalid', 'true');

  // A family with a checkpoint that lacks its tokenizer: the job fails and says why.
  await panel.getByTestId('accuracy-model').selectOption({ label: 'tiny-family (2 checkpoints)' });
  await panel.getByTestId('accuracy-task-file').fill(join(modelsRoot, 'toy.jsonl'));
  await panel.getByTestId('accuracy-start').click();
  await expect(panel.getByTestId('accuracy-failed')).toContainText('tokenizer.json');

  await panel.getByTestId('accuracy-model').selectOption({ label: 'scored-family (2 checkpoints)' });
  await panel.getByTestId('accuracy-start').click();
  await expect(panel.getByTestId('accuracy-error')).toHaveCount(0);
  const result = panel.getByTestId('accuracy-result');
  await expect(result).toBeVisible({ timeout: 60_000 });
  await expect(panel.getByTestId('accuracy-failed')).toHaveCount(0);
  await expect(result.getByRole('heading', { level: 3 })).toContainText('scored-family on toy_agreement');

  const chart = result.getByTestId('accuracy-chart');
  await expect(chart).toHaveAttribute('data-axis', 'log');
  await expect(chart.locator('.recharts-line-dot')).toHaveCount(2);
  await expect(chart).toContainText('1B');
  await expect(chart).toContainText('tokens seen (log scale)');

  const items = result.getByTestId('task-items');
  await expect(items.getByTestId('task-item-row')).toHaveCount(50);
  await expect(items.getByTestId('task-items-page')).toHaveText('Page 1 of 2 · 60 items');
  await expect(items.getByTestId('task-item-row').first()).toContainText('the cat sat .');
  await expect(items.getByTestId('task-item-row').first()).toContainText('the cat on .');
  await expect(items.getByTestId('task-item-row').first().locator('td.margin')).toHaveCount(2);
  await expect(items.getByTestId('task-item-row').first().locator('td.margin')).toHaveClass([
    /margin--(pos|neg)/,
    /margin--(pos|neg)/,
  ]);
  // The content pane scrolls inside the window: a tall window shows the whole panel at once.
  await page.setViewportSize({ width: 1280, height: 2400 });
  await panel.screenshot({ path: 'test-results/task-accuracy.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
  await items.getByRole('button', { name: 'Next →' }).click();
  await expect(items.getByTestId('task-item-row')).toHaveCount(10);
  await items.getByTestId('task-items-phenomenon').selectOption('verb');
  await expect(items.getByTestId('task-items-page')).toHaveText('Page 1 of 1 · 24 items');
  await expect(items.getByTestId('task-item-row')).toHaveCount(24);

  // The job is on the Jobs page, finished at 100%.
  await page.keyboard.press('Alt+8');
  const job = page.getByTestId('job-row').filter({ hasText: 'Task accuracy: scored-family × toy.jsonl' });
  await expect(job).toHaveAttribute('data-state', 'succeeded');
  await expect(job.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
});

test('shows accuracy per language for a task that mixes languages, and pooled with another result', async ({
  page,
}) => {
  await page.goto(serve.openUrl);
  const panel = page.getByTestId('task-accuracy');
  await panel.getByTestId('accuracy-model').selectOption({ label: 'scored-family (2 checkpoints)' });
  await panel.getByTestId('accuracy-task-file').fill(join(modelsRoot, 'mixed.jsonl'));
  await panel.getByTestId('accuracy-start').click();
  const result = panel.getByTestId('accuracy-result');
  await expect(result.getByRole('heading', { level: 3 })).toContainText('eng, fra', { timeout: 60_000 });
  const chart = result.getByTestId('accuracy-chart');
  await expect(chart).toHaveAttribute('data-languages', 'eng,fra');
  await expect(chart).toContainText('fra (French)');
  const table = result.getByTestId('accuracy-by-language');
  await expect(table.getByTestId('language-accuracy-row')).toHaveCount(2);
  await expect(table.locator('[data-language="fra"]')).toContainText('(10)');

  // Pooled with the English-only toy result of the same family: English now counts 60 + 10 pairs.
  await result.getByTestId('accuracy-together').getByRole('checkbox').first().check();
  await expect(result.getByRole('heading', { level: 3 })).toContainText('and 1 more result');
  await expect(table.locator('[data-language="eng"]')).toContainText('(70)');
  await expect(table.locator('[data-language="fra"]')).toContainText('(10)');
  await result.screenshot({ path: 'test-results/task-accuracy-languages.png' });
});

test('adds the BLOOM study preset: revisions, tokens seen, hook point and download commands', async ({
  page,
}) => {
  await page.goto(serve.openUrl);
  await page.getByTestId('model-preset').selectOption('bloom-1b1');
  await expect(page.getByTestId('model-name')).toHaveValue('bloom-1b1');
  await expect(page.getByTestId('model-architecture')).toHaveValue('bloom');
  await expect(page.getByTestId('model-repo')).toHaveValue('bigscience/bloom-1b1-intermediate');
  await expect(page.getByTestId('model-tokens-per-step')).toHaveCount(0);
  const summary = page.getByTestId('preset-summary');
  await expect(summary.getByTestId('preset-revision')).toHaveCount(3);
  await expect(summary.getByTestId('preset-revision').nth(2)).toContainText('bigscience/bloom-1b1');
  await expect(summary.getByTestId('preset-revision').nth(2)).toContainText('341B');
  await expect(summary.getByTestId('preset-layer')).toHaveText('block 12 output');
  await page
    .getByRole('form', { name: 'Add a model family' })
    .screenshot({ path: 'test-results/add-preset.png' });
  await expect(summary.getByTestId('preset-downloads')).toContainText(
    'npx ctt models download --repo bigscience/bloom-1b1 --revision main',
  );

  // Nothing is downloaded here: the family is added with its three revisions, none on this machine.
  await page.getByTestId('model-add').click();
  const card = page.locator('[data-testid="model-family"][data-model-name="bloom-1b1"]');
  await expect(card).toHaveCount(1);
  await expect(page.getByTestId('add-model-error')).toHaveCount(0);
  const rows = card.getByTestId('checkpoint-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toHaveAttribute('data-revision', 'global_step10000');
  await expect(rows.nth(0)).toContainText('5.5B');
  await expect(rows.nth(0)).toContainText('study: 6B');
  await expect(rows.nth(1)).toContainText('55B');
  await expect(rows.nth(2)).toHaveAttribute('data-revision', 'main');
  await expect(rows.nth(2)).toContainText('341B');
  await expect(rows.nth(2)).toContainText('not on this machine');
  await expect(card.getByTestId('model-preset-info')).toContainText('hook point block 12 output');
  await expect(card.getByTestId('model-preset-downloads')).toContainText(
    '3 revisions are not on this machine',
  );
});
