import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { callOk, useDemoServers, type DemoServe } from './demo-helpers';

// Review and Export pages against a real `ctt serve --demo`: three annotators' answers (written through
// the HTTP API) give defined agreement; the feature they disagree on most comes first; adjudication
// picks one answer and merges a field from another into a gold record, leaving the answers as they
// were; tables go to CSV and LaTeX files; an annotation CSV is checked then imported; a bundle exported
// and previewed at once has nothing to merge.

const startDemoServe = useDemoServers('ctt-e2e-review-');

/** Export folders to remove after all tests. */
const cleanups: Array<() => void> = [];

test.afterAll(() => {
  for (const c of cleanups) c();
});

type Answer = {
  description: string;
  interpretability: number;
  complexity: number;
  isUninterpretable?: boolean;
  lifecycleOverride?: string;
  lifecycleOverrideReason?: string;
};

const names = ['Ada', 'Bob', 'Cy'] as const;
const knownDescription = 'number agreement across the attractor noun';

/**
 * The answers: on the first feature the three disagree on everything (ratings 0 / 1 / 0.5, one says
 * uninterpretable, three different lifecycle labels); on the others they nearly agree, with ratings
 * that vary between features so that α and ICC are defined.
 */
function answersFor(position: number): Record<(typeof names)[number], Answer> {
  if (position === 0)
    return {
      Ada: {
        description: 'subject number early',
        interpretability: 0,
        complexity: 0,
        lifecycleOverride: 'emerged',
        lifecycleOverrideReason: 'early',
      },
      Bob: {
        description: knownDescription,
        interpretability: 1,
        complexity: 1,
        lifecycleOverride: 'transient-gap',
        lifecycleOverrideReason: 'gap',
      },
      Cy: {
        description: '',
        interpretability: 0.5,
        complexity: 0.5,
        isUninterpretable: true,
        lifecycleOverride: 'discontinued',
        lifecycleOverrideReason: 'gone',
      },
    };
  const base = 0.1 * position;
  const round = (x: number): number => Math.round(x * 10) / 10;
  return {
    Ada: {
      description: `ada feature ${position}`,
      interpretability: round(0.3 + base),
      complexity: round(0.2 + base),
    },
    Bob: {
      description: `bob feature ${position}`,
      interpretability: round(0.3 + base),
      complexity: round(0.3 + base),
    },
    Cy: {
      description: `cy feature ${position}`,
      interpretability: round(0.4 + base),
      complexity: round(0.2 + base),
    },
  };
}

interface Setup {
  serve: DemoServe;
  ids: Record<(typeof names)[number], number>;
  featureIds: number[];
  runId: string;
}

async function setUp(request: APIRequestContext): Promise<Setup> {
  const serve = await startDemoServe();
  const ids = {} as Record<(typeof names)[number], number>;
  for (const name of names)
    ids[name] = (await callOk<{ id: number }>(request, serve, 'annotators:create', { name })).id;
  const runs = await callOk<Array<{ id: string }>>(request, serve, 'runs:list', {});
  const runId = runs[0]!.id;
  const attributions = await callOk<Array<{ id: string }>>(request, serve, 'features:attributions', {
    runId,
  });
  const queue = await callOk<{ items: Array<{ featureId: number }> }>(request, serve, 'features:queue', {
    runId,
    attributionId: attributions[0]!.id,
    annotatorId: ids.Ada,
    limit: 6,
  });
  const featureIds = queue.items.map((i) => i.featureId);
  expect(featureIds).toHaveLength(6);
  for (const [position, featureId] of featureIds.entries()) {
    const answers = answersFor(position);
    for (const name of names) {
      await callOk(request, serve, 'annotations:save', {
        featureId,
        annotatorId: ids[name],
        fields: {
          ...answers[name],
          languages: [{ code: 'eng', isTentative: false, isCustom: false }],
          status: 'done',
        },
        baseRevision: 0,
      });
    }
  }
  return { serve, ids, featureIds, runId };
}

async function openReview(page: Page, serve: DemoServe): Promise<void> {
  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+6');
  await expect(page.getByRole('heading', { name: 'Review', level: 1 })).toBeVisible();
}

test('review: α values, largest disagreement first, adjudication into a gold record', async ({
  page,
  request,
}) => {
  const { serve, ids, featureIds } = await setUp(request);
  await openReview(page, serve);

  // Agreement: the interval α and ICC are numbers (the ratings vary), each with its units.
  const stat = (key: string) => page.getByTestId(`agreement-${key}`).locator('.rv-stat');
  await expect(stat('alpha-interpretability')).toHaveText(/^-?\d\.\d{3}$/);
  await expect(stat('alpha-complexity')).toHaveText(/^-?\d\.\d{3}$/);
  await expect(stat('icc-interpretability')).toHaveText(/^-?\d\.\d{3}$|^undefined: .+/);
  await expect(stat('alpha-lifecycle')).toHaveText(/^-?\d\.\d{3}$/);
  await expect(page.getByTestId('agreement-scope')).toContainText('6 features');
  await expect(page.getByTestId('annotator-bias-row')).toHaveCount(3);

  // The list: the feature everyone disagrees on is first, and scores never rise down the list.
  const rows = page.getByTestId('disagreement-row');
  await expect(rows).toHaveCount(6);
  await expect(rows.first()).toHaveAttribute('data-feature-id', String(featureIds[0]));
  const overall = await rows.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-overall'))));
  expect([...overall].sort((a, b) => b - a)).toEqual(overall);
  expect(overall[0]).toBeGreaterThan(overall[1]!);

  // Keyboard: j, k, Enter opens the first row's adjudication.
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('k');
  await expect(rows.first()).toHaveAttribute('aria-selected', 'true');
  await page.keyboard.press('Enter');
  const adjudication = page.getByTestId('adjudication');
  await expect(adjudication.getByTestId('adjudication-answer')).toHaveCount(3);
  await expect(page.getByTestId('gold-none')).toBeVisible();

  // Pick Ada's answer, take Bob's description, give a rationale, save with Ctrl+Enter.
  await page.getByTestId(`gold-pick-all-${ids.Ada}`).click();
  await page.getByTestId(`gold-pick-description-${ids.Bob}`).check();
  await expect(page.getByTestId('gold-draft-description')).toHaveText(knownDescription);
  await expect(page.getByTestId('gold-draft-summary')).toContainText('Merges fields from Ada, Bob');
  await expect(page.getByTestId('gold-save')).toBeDisabled();
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('gold-message')).toContainText('A rationale is required');
  await page
    .getByTestId('gold-rationale')
    .fill('Bob names the agreement; Ada’s ratings match the dashboard.');
  await page.keyboard.press('Control+Enter');
  await expect(page.getByTestId('gold-notice')).toHaveText('Saved gold revision 1.');
  const current = page.getByTestId('gold-current');
  await expect(current).toHaveAttribute('data-revision', '1');
  await expect(page.getByTestId('gold-current-description')).toHaveText(knownDescription);
  await expect(page.getByTestId('gold-current-interpretability')).toHaveText('0.0');
  await expect(page.getByTestId('gold-current-lifecycle')).toHaveText('emerged (early)');
  await expect(page.getByTestId('gold-current-rationale')).toContainText('Bob names the agreement');
  await expect(rows.first().locator('.rv-badge').first()).toHaveText('gold');

  // The annotators' answers are as they were: still revision 1 with their own values.
  for (const name of ['Ada', 'Bob'] as const) {
    const latest = await callOk<{ revision: number; fields: Answer }>(request, serve, 'annotations:latest', {
      featureId: featureIds[0],
      annotatorId: ids[name],
    });
    expect(latest.revision).toBe(1);
    expect(latest.fields).toMatchObject(answersFor(0)[name]);
  }
  const table = page.getByTestId('adjudication-table');
  await expect(table.getByTestId(`gold-pick-description-${ids.Ada}`).locator('..')).toContainText(
    'subject number early',
  );

  // A reviewer comment on the feature.
  await page.getByTestId('comment-text').fill('check the step400 dashboard');
  await page.getByTestId('comment-add').click();
  await expect(page.getByTestId('comment')).toHaveText(/check the step400 dashboard/);

  // Lifecycle review: counts per task, the chart, sensitivity, and the gold label that differs.
  await expect(page.getByTestId('lifecycle-count-row').first()).toBeVisible();
  await expect(page.getByTestId('lifecycle-chart')).toBeVisible();
  await expect(page.getByTestId('sensitivity-row').first()).toBeVisible();
  await expect(page.getByTestId('mismatch-row').filter({ hasText: 'gold (' }).first()).toBeVisible();
});

test('export: CSV and LaTeX files, an annotation CSV import, a bundle with nothing to merge', async ({
  page,
  request,
}) => {
  const { serve, ids, featureIds } = await setUp(request);
  const out = mkdtempSync(join(tmpdir(), 'ctt-e2e-export-'));
  cleanups.push(() => rmSync(out, { recursive: true, force: true }));
  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+7');
  await expect(page.getByRole('heading', { name: 'Export', level: 1 })).toBeVisible();
  // The prefilled path (in the data folder, named after the run and task) is writable as it is.
  await expect(page.getByTestId('export-attribution')).toBeEnabled();
  const dataDir = serve.dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  await expect(page.getByTestId('export-path')).toHaveValue(new RegExp(`^${dataDir}/.+\\.csv$`));
  const defaultPath = await page.getByTestId('export-path').inputValue();
  await page.getByTestId('export-write').click();
  await expect(page.getByTestId('export-result')).toHaveAttribute('data-path', defaultPath);
  expect(existsSync(defaultPath)).toBe(true);

  for (const [format, file] of [
    ['csv', 'table.csv'],
    ['latex', 'table.tex'],
  ] as const) {
    await page.getByTestId('export-format').selectOption(format);
    await page.getByTestId('export-path').fill(join(out, file));
    await page.getByTestId('export-write').click();
    const result = page.getByTestId('export-result');
    await expect(result).toHaveAttribute('data-path', join(out, file));
    expect(Number(await result.getAttribute('data-rows'))).toBeGreaterThanOrEqual(6);
    expect(existsSync(join(out, file))).toBe(true);
    // The consensus picks the best-rated description on the first feature: Bob's.
    expect(readFileSync(join(out, file), 'utf8')).toContain(knownDescription);
  }

  // Import of the original study's columns: a dry run lists the rows, then the import appends them.
  const csv = join(out, 'study.csv');
  const index = Number(
    (await callOk<{ index: number }>(request, serve, 'features:get', { featureId: featureIds[1] })).index,
  );
  writeFileSync(csv, `feat_id,description,languages\n${index},imported from the study,eng\n`);
  const dee = await callOk<{ id: number }>(request, serve, 'annotators:create', { name: 'Dee' });
  await page.reload();
  await page.getByTestId('import-path').fill(csv);
  await expect(page.getByTestId('import-annotator').locator(`option[value="${dee.id}"]`)).toHaveCount(1);
  await page.getByTestId('import-annotator').selectOption(String(dee.id));
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-applied', 'false');
  await expect(page.getByTestId('import-preview')).toContainText('imported from the study');
  expect(
    await callOk(request, serve, 'annotations:latest', { featureId: featureIds[1], annotatorId: dee.id }),
  ).toBeNull();
  await page.getByTestId('import-apply').click();
  await expect(page.getByTestId('import-result')).toHaveAttribute('data-applied', 'true');
  const imported = await callOk<{ fields: { description: string } }>(request, serve, 'annotations:latest', {
    featureId: featureIds[1],
    annotatorId: dee.id,
  });
  expect(imported.fields.description).toBe('imported from the study');

  // A CSV without the description column is refused, naming it; nothing is imported.
  writeFileSync(join(out, 'bad.csv'), `feat_id,languages\n${index},eng\n`);
  await page.getByTestId('import-path').fill(join(out, 'bad.csv'));
  await page.getByTestId('import-check').click();
  await expect(page.getByTestId('import-error')).toContainText('description');

  // Bundle: export, then preview that same file: nothing was changed after the export.
  const bundle = join(out, 'review.sqlite');
  await page.getByTestId('bundle-export-path').fill(bundle);
  await page.getByTestId('bundle-export-write').click();
  await expect(page.getByTestId('bundle-export-result')).toHaveAttribute('data-path', bundle);
  expect(existsSync(bundle)).toBe(true);
  await page.getByTestId('bundle-merge-path').fill(bundle);
  await page.getByTestId('bundle-preview').click();
  await expect(page.getByTestId('bundle-plan')).toHaveAttribute('data-empty', 'true');
  await expect(page.getByTestId('bundle-nothing')).toBeVisible();
  await expect(page.getByTestId('bundle-merge-apply')).toBeDisabled();
  expect(ids.Ada).toBeGreaterThan(0);
});
