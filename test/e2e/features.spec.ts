import { test, expect, type Page } from '@playwright/test';
import { call, openFeatures, useDemoServers } from './demo-helpers';

// The annotation workbench (Features page) against a real `ctt serve --demo` (the demo study imported on
// start): keyboard-only annotation that survives a reload, refusals shown next to the field, two
// annotators in blind mode, and autosave surviving a killed server.

const startDemoServe = useDemoServers('ctt-e2e-features-');

const featureTitle = (page: Page) => page.getByTestId('feature-title');

interface Answer {
  description: string;
  interpretability: string;
  complexity: string;
  language: string;
  isFlagged: boolean;
}

/** Fills the form by keyboard only and submits with Ctrl+Enter; resolves once the next feature shows. */
async function annotateByKeyboard(page: Page, answer: Answer): Promise<string> {
  const title = (await featureTitle(page).textContent()) ?? '';
  await page.keyboard.press('e');
  await expect(page.getByTestId('description')).toBeFocused();
  await page.keyboard.type(answer.description);
  await page.keyboard.press('Escape');
  await page.keyboard.press(`Digit${Math.round(Number(answer.interpretability) * 10)}`);
  await page.keyboard.press(`Shift+Digit${Math.round(Number(answer.complexity) * 10)}`);
  await page.keyboard.press('l');
  await page.keyboard.type(answer.language);
  await page.keyboard.press('Enter');
  await page.keyboard.press('Escape');
  if (answer.isFlagged) await page.keyboard.press('f');
  await expect(page.getByTestId('interpretability-input')).toHaveValue(answer.interpretability);
  await expect(page.getByTestId('complexity-input')).toHaveValue(answer.complexity);
  await page.keyboard.press('Control+Enter');
  await expect(featureTitle(page)).not.toHaveText(title);
  return title;
}

async function expectAnswer(page: Page, title: string, answer: Answer): Promise<void> {
  await expect(featureTitle(page)).toHaveText(title);
  await expect(page.getByTestId('description')).toHaveValue(answer.description);
  await expect(page.getByTestId('interpretability-input')).toHaveValue(answer.interpretability);
  await expect(page.getByTestId('complexity-input')).toHaveValue(answer.complexity);
  await expect(page.getByTestId('language-chip')).toHaveCount(1);
  await expect(page.getByTestId('language-chip')).toHaveAttribute('data-code', answer.language);
  await expect(page.getByTestId('flag')).toHaveAttribute('aria-pressed', String(answer.isFlagged));
  await expect(page.getByTestId('annotation-status')).toHaveText('done');
}

test('annotates three features by keyboard only; every value is there after a reload', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  const consoleErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  await expect(page.getByTestId('queue-row').first()).toBeVisible();
  await expect(page.getByTestId('dashboard-top').or(page.getByTestId('dashboard-empty'))).toBeVisible();

  const answers: Answer[] = [
    {
      description: 'Subject noun of a sentence',
      interpretability: '0.7',
      complexity: '0.3',
      language: 'eng',
      isFlagged: false,
    },
    {
      description: 'French feminine nouns after la',
      interpretability: '0.9',
      complexity: '0.2',
      language: 'fra',
      isFlagged: true,
    },
    {
      description: 'Plural verbs, agreement',
      interpretability: '0.4',
      complexity: '0.6',
      language: 'deu',
      isFlagged: false,
    },
  ];
  const titles: string[] = [];
  for (const answer of answers) titles.push(await annotateByKeyboard(page, answer));
  await expect(page.locator('[data-testid="queue-row"][data-status="done"]')).toHaveCount(3);
  await page.screenshot({ path: 'test-results/features-page.png' });

  await page.reload();
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  // The queue keeps its order: the first annotated feature is first again; j walks to the others.
  await expectAnswer(page, titles[0]!, answers[0]!);
  await page.keyboard.press('j');
  await expectAnswer(page, titles[1]!, answers[1]!);
  await page.keyboard.press('j');
  await expectAnswer(page, titles[2]!, answers[2]!);
  await expect(page.locator('[data-testid="queue-row"][data-status="done"]')).toHaveCount(3);
  await expect(page.getByTestId('queue-progress')).toContainText('3 /');

  // The store has them as submitted revisions with the time spent on each.
  const session = await call<{ role: string }>(request, serve, 'session:get', {});
  expect(session.body.value?.role).toBe('owner');
  const annotators = await call<Array<{ id: number; name: string }>>(request, serve, 'annotators:list', {});
  const ada = annotators.body.value!.find((a) => a.name === 'Ada')!;
  const firstId = Number(await page.getByTestId('queue-row').first().getAttribute('data-feature-id'));
  const latest = await call<{ fields: { status: string; timeSpentMs: number } }>(
    request,
    serve,
    'annotations:latest',
    { featureId: firstId, annotatorId: ada.id },
  );
  expect(latest.body.value?.fields.status).toBe('done');
  expect(latest.body.value?.fields.timeSpentMs).toBeGreaterThan(0);
  expect(consoleErrors).toEqual([]);
});

test('suggests languages from the feature’s |IE| per task language; one click takes it', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Lia');
  // The demo study is attributed on English and French tasks: every selected feature has a share.
  const firstId = Number(await page.getByTestId('queue-row').first().getAttribute('data-feature-id'));
  const detail = await call<{
    suggestedLanguages: { tags: Array<{ code: string; isTentative: boolean }>; basis: string };
  }>(request, serve, 'features:get', { featureId: firstId });
  const suggestion = detail.body.value!.suggestedLanguages;
  // The first feature of the queue (the newest attribution, sv_pp_attractor.fra) has kept pairs.
  expect(suggestion.basis).toBe('itemIe');
  expect(suggestion.tags.length).toBeGreaterThan(0);
  const line = page.getByTestId('language-suggestion');
  await expect(line).toHaveAttribute('data-state', 'ready');
  const expected = suggestion.tags.map((t) => `${t.code}${t.isTentative ? '*' : ''}`);
  for (const code of expected)
    await expect(page.getByTestId('language-suggestion-value')).toContainText(code);
  await expect(page.getByTestId('language-chip')).toHaveCount(0);
  await page.getByTestId('use-language-suggestion').click();
  await expect(page.getByTestId('language-chip')).toHaveCount(suggestion.tags.length);
  for (const t of suggestion.tags) {
    await expect(page.locator(`[data-testid="language-chip"][data-code="${t.code}"]`)).toHaveCount(1);
  }
  await expect(page.getByTestId('use-language-suggestion')).toHaveText('in use');
  await page.getByTestId('field-languages').screenshot({ path: 'test-results/language-suggestion.png' });
  await expect(page.getByTestId('use-language-suggestion')).toBeDisabled();
  // The annotator edits it like any value; it is saved (autosave) and back after a reload.
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'saved');
  await page.reload();
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect(page.getByTestId('language-chip')).toHaveCount(suggestion.tags.length);
});

test('refuses out-of-range ratings and an over-long description with a visible message', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  await page.keyboard.press('5');
  await expect(page.getByTestId('save-state')).toContainText('Saved rev 1');

  await page.getByTestId('interpretability-input').fill('1.5');
  await expect(page.getByTestId('field-interpretability')).toContainText('must be between 0 and 1');
  await page.getByTestId('complexity-input').fill('-0.2');
  await expect(page.getByTestId('field-complexity')).toContainText('must be between 0 and 1');
  await page.getByTestId('description').fill('x'.repeat(2001));
  await expect(page.getByTestId('description-error')).toContainText('At most 2000 characters');
  await expect(page.getByTestId('description-counter')).toHaveText('2000 / 2000');
  await expect(page.getByTestId('save-state')).toContainText('Saved rev 2');

  await page.reload();
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect(page.getByTestId('interpretability-input')).toHaveValue('0.5');
  await expect(page.getByTestId('complexity-input')).toHaveValue('');
  await expect(page.getByTestId('description')).toHaveValue('x'.repeat(2000));

  // An edit made just before the page goes away (inside the debounce) leaves on the unload path.
  await page.keyboard.press('n');
  await page.keyboard.type('written right before a reload');
  await page.reload();
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect
    .poll(async () => {
      await page.reload();
      return page.getByTestId('notes').inputValue();
    })
    .toBe('written right before a reload');

  // The server refuses the same values itself, naming the field (what the form shows beside it).
  const annotators = await call<Array<{ id: number }>>(request, serve, 'annotators:list', {});
  const featureId = Number(await page.getByTestId('queue-row').first().getAttribute('data-feature-id'));
  const annotatorId = annotators.body.value![0]!.id;
  for (const [fields, field] of [
    [{ interpretability: 1.5 }, 'input.fields.interpretability'],
    [{ description: 'y'.repeat(2001) }, 'input.fields.description'],
  ] as const) {
    const refused = await call(request, serve, 'annotations:save', { featureId, annotatorId, fields });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', field });
  }
});

test('two annotators in blind mode do not see each other’s answers before submitting', async ({
  browser,
  request,
}) => {
  const serve = await startDemoServe();
  expect((await call(request, serve, 'settings:update', { isBlindMode: true })).status).toBe(200);
  const links: Record<string, string> = {};
  for (const name of ['Ada', 'Bob']) {
    const created = await call<{ id: number }>(request, serve, 'annotators:create', { name });
    const token = await call<{ openPath: string }>(request, serve, 'annotators:createToken', {
      annotatorId: created.body.value!.id,
    });
    links[name] = `${serve.url}${token.body.value!.openPath}`;
  }
  const open = async (name: string): Promise<Page> => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(links[name]!);
    await openFeatures(page, null);
    await expect(page.getByTestId('annotator-fixed')).toContainText(name);
    return page;
  };
  const ada = await open('Ada');
  const bob = await open('Bob');
  const secret = 'Ada thinks it tracks plural subjects';
  await expect(ada.getByTestId('others-hidden')).toBeVisible();
  const adaTitle = await annotateByKeyboard(ada, {
    description: secret,
    interpretability: '0.8',
    complexity: '0.2',
    language: 'eng',
    isFlagged: false,
  });

  // Bob is on the same feature and has not submitted: Ada's answer is hidden, not an error.
  await bob.reload();
  await expect(featureTitle(bob)).toHaveText(adaTitle);
  await expect(bob.getByTestId('others-hidden')).toContainText('Hidden until you submit');
  await expect(bob.getByText(secret)).toHaveCount(0);
  await expect(bob.locator('body')).not.toContainText(secret);

  await annotateByKeyboard(bob, {
    description: 'Bob: number agreement',
    interpretability: '0.6',
    complexity: '0.4',
    language: 'eng',
    isFlagged: false,
  });
  // Once submitted, each sees the other's answer on that feature.
  await bob.keyboard.press('k');
  await expect(featureTitle(bob)).toHaveText(adaTitle);
  await expect(bob.getByTestId('other-answer')).toContainText(secret);
  await ada.keyboard.press('k');
  await expect(featureTitle(ada)).toHaveText(adaTitle);
  await expect(ada.getByTestId('other-answer')).toContainText('Bob: number agreement');
});

test('a server killed while typing keeps the last autosaved value', async ({ page }) => {
  const first = await startDemoServe();
  await page.goto(first.openUrl);
  await openFeatures(page, 'Ada');
  const title = (await featureTitle(page).textContent()) ?? '';
  await page.keyboard.press('e');
  await page.keyboard.type('Autosaved before the crash');
  await expect(page.getByTestId('save-state')).toContainText(/Saved rev \d+ · \d\d:\d\d:\d\d/);

  // Typing goes on while the server dies: those characters cannot be saved, and the form says so.
  const typing = page.keyboard.type(' and typed after it', { delay: 40 });
  await first.kill('SIGKILL');
  await typing;
  await expect(page.getByTestId('save-state')).toHaveAttribute('data-state', 'failed');
  await expect(page.getByTestId('save-state')).toContainText('Not saved');

  const second = await startDemoServe(first.dataDir);
  await page.goto(second.openUrl);
  await page.keyboard.press('Alt+5');
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect(featureTitle(page)).toHaveText(title);
  const kept = await page.getByTestId('description').inputValue();
  expect(kept.startsWith('Autosaved before the crash')).toBe(true);
  expect(kept).not.toContain('typed after it');
});
