import { test, expect, type Browser, type Page } from '@playwright/test';
import { callOk, useDemoServers, type DemoServe } from './demo-helpers';

// The Team section of the Settings page against a real `ctt serve --demo`: annotator links that open the
// workbench as one annotator (and revoke the previous link), assignment of k annotators per feature with
// the progress table, and blind mode persisting.

const startDemoServe = useDemoServers('ctt-e2e-team-');

/** Opens the owner's Settings page (Alt+9) and adds annotator profiles with the "New annotator" form. */
async function openSettingsAsOwner(page: Page, serve: DemoServe, names: string[]): Promise<void> {
  await page.goto(serve.openUrl);
  await page.keyboard.press('Alt+9');
  await expect(page.getByRole('heading', { name: 'Settings', level: 1 })).toBeVisible();
  await expect(page.getByTestId('team-section')).toBeVisible();
  for (const name of names) {
    await page.getByTestId('settings-new-annotator').fill(name);
    await page.getByTestId('settings-add-annotator').click();
    await expect(page.getByTestId('team-link-row').filter({ hasText: name })).toBeVisible();
  }
}

/** Opens a URL in a fresh browser context (its own cookies), as another person's browser would. */
async function openElsewhere(browser: Browser, url: string): Promise<{ page: Page; status: number }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const response = await page.goto(url);
  return { page, status: response?.status() ?? 0 };
}

test('a link opens the workbench as that annotator, without the Team section; a new link revokes it', async ({
  page,
  browser,
}) => {
  const serve = await startDemoServe();
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: serve.url });
  await openSettingsAsOwner(page, serve, ['Ada', 'Bob']);
  await expect(page.getByTestId('team-link-note')).toContainText('revokes');
  await expect(page.getByTestId('team-link-note')).toContainText('ctt serve --host 0.0.0.0');

  const adaRow = page.getByTestId('team-link-row').filter({ hasText: 'Ada' });
  await adaRow.getByTestId('team-create-link').click();
  const urlField = adaRow.getByTestId('team-link-url');
  await expect(urlField).toHaveValue(
    new RegExp(`^${serve.url.replace(/[.]/g, '\\.')}/\\?token=[\\w-]{20,}$`),
  );
  const link = await urlField.inputValue();
  await expect(urlField).toHaveAttribute('readonly', '');
  await expect(
    page.getByTestId('team-link-row').filter({ hasText: 'Bob' }).getByTestId('team-link-url'),
  ).toHaveCount(0);

  // Copy: into the clipboard where the browser allows it, else the text is selected for Ctrl+C.
  await adaRow.getByTestId('team-copy-link').click();
  await expect(adaRow.getByTestId('team-copy-state')).not.toHaveText('');
  if ((await adaRow.getByTestId('team-copy-state').textContent()) === 'Copied.') {
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(link);
  } else {
    await expect(adaRow.getByTestId('team-copy-state')).toHaveText('Selected: press Ctrl+C.');
    const selected = await urlField.evaluate((el: HTMLInputElement) =>
      el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0),
    );
    expect(selected).toBe(link);
  }

  // Another browser opens the link: it is Ada, and sees no owner settings and no Team section.
  const ada = await openElsewhere(browser, link);
  expect(ada.status).toBe(200);
  await ada.page.keyboard.press('Alt+9');
  await expect(ada.page.getByTestId('session-annotator-name')).toHaveText('Ada');
  await expect(ada.page.getByTestId('session-blind-mode')).toContainText('Blind mode is off');
  await expect(ada.page.getByTestId('team-section')).toHaveCount(0);
  await expect(ada.page.getByTestId('settings-backend')).toHaveCount(0);
  await expect(ada.page.getByTestId('settings-new-annotator')).toHaveCount(0);
  await ada.page.keyboard.press('Alt+5');
  await expect(ada.page.getByTestId('annotator-fixed')).toContainText('Ada');

  // A new link for Ada replaces the old one: the old URL is refused, the new one opens as Ada.
  await adaRow.getByTestId('team-create-link').click();
  await expect(urlField).not.toHaveValue(link);
  await expect(urlField).toHaveValue(/\?token=/);
  const newLink = await urlField.inputValue();
  // Without the Clipboard API (plain http on a LAN address), Copy selects the text for Ctrl+C instead.
  await expect(adaRow.getByTestId('team-copy-state')).toHaveText('');
  await page.evaluate(() => Object.defineProperty(navigator, 'clipboard', { value: undefined }));
  await adaRow.getByTestId('team-copy-link').click();
  await expect(adaRow.getByTestId('team-copy-state')).toHaveText('Selected: press Ctrl+C.');
  await expect(urlField).toBeFocused();
  expect(
    await urlField.evaluate((el: HTMLInputElement) =>
      el.value.slice(el.selectionStart ?? 0, el.selectionEnd ?? 0),
    ),
  ).toBe(newLink);
  const stale = await openElsewhere(browser, link);
  expect(stale.status).toBe(401);
  const fresh = await openElsewhere(browser, newLink);
  expect(fresh.status).toBe(200);
  await fresh.page.keyboard.press('Alt+9');
  await expect(fresh.page.getByTestId('session-annotator-name')).toHaveText('Ada');
  await expect(fresh.page.getByTestId('team-section')).toHaveCount(0);
});

test('assigning 2 annotators per feature shows each total; progress refreshes on its own', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await openSettingsAsOwner(page, serve, ['Ada', 'Bob']);
  const [run] = await callOk<Array<{ id: string }>>(request, serve, 'runs:list', {});
  const attributions = await callOk<Array<{ id: string; task: string; selected: number }>>(
    request,
    serve,
    'features:attributions',
    { runId: run!.id },
  );
  expect(attributions.length).toBe(3);
  const demo = attributions[1]!;
  const n = demo.selected;
  expect(n).toBeGreaterThan(1);

  await expect(page.getByTestId('team-run')).toHaveValue(run!.id);
  await page.getByTestId('team-attribution').selectOption(demo.id);
  await expect(page.getByTestId('team-assign-annotator')).toHaveCount(2);
  await expect(page.getByTestId('team-assign-annotator').first()).toBeChecked();

  // k larger than the number of annotators: refused next to the field, before asking the server.
  await page.getByTestId('team-assign-k').fill('3');
  await expect(page.getByTestId('team-assign-error-k')).toHaveText(
    '3 annotators per feature need at least 3 checked annotators; 2 checked.',
  );
  await expect(page.getByTestId('team-assign-submit')).toBeDisabled();
  await page.getByTestId('team-assign-k').fill('2');
  await expect(page.getByTestId('team-assign-error-k')).toHaveCount(0);
  await page.getByTestId('team-assign-submit').click();
  await expect(page.getByTestId('team-assign-result')).toHaveText(
    `Assigned ${n} features: ${2 * n} assignments (2 per feature).`,
  );

  const row = (name: string) => page.getByTestId('team-progress-row').filter({ hasText: name });
  await expect(row('Ada').getByTestId('team-progress-done')).toHaveText(`0 / ${n}`);
  await expect(row('Bob').getByTestId('team-progress-done')).toHaveText(`0 / ${n}`);
  await expect(page.getByTestId('team-progress-total')).toHaveText(`0 / ${2 * n}`);
  await expect(row('Ada').getByTestId('team-progress-median')).toHaveText('—');

  // One per feature splits the features (feature j to annotator j mod 2): the table follows.
  await page.getByTestId('team-assign-k').fill('1');
  await page.getByTestId('team-assign-submit').click();
  await expect(page.getByTestId('team-assign-result')).toHaveText(
    `Assigned ${n} features: ${n} assignments (1 per feature).`,
  );
  await expect(row('Ada').getByTestId('team-progress-done')).toHaveText(`0 / ${Math.ceil(n / 2)}`);
  await expect(row('Bob').getByTestId('team-progress-done')).toHaveText(`0 / ${Math.floor(n / 2)}`);
  await expect(page.getByTestId('team-progress-total')).toHaveText(`0 / ${n}`);

  // Ada submits one of her features through her own link; the owner's table shows it without a click.
  const annotators = await callOk<Array<{ id: number; name: string }>>(request, serve, 'annotators:list', {});
  const adaId = annotators.find((a) => a.name === 'Ada')!.id;
  const { token } = await callOk<{ token: string }>(request, serve, 'annotators:createToken', {
    annotatorId: adaId,
  });
  const queue = await callOk<{ items: Array<{ featureId: number }> }>(
    request,
    serve,
    'features:queue',
    { runId: run!.id, attributionId: demo.id, annotatorId: adaId, assignedTo: adaId },
    token,
  );
  await callOk(
    request,
    serve,
    'annotations:save',
    {
      featureId: queue.items[0]!.featureId,
      annotatorId: adaId,
      fields: { status: 'done', timeSpentMs: 4200 },
    },
    token,
  );
  await expect(row('Ada').getByTestId('team-progress-done')).toHaveText(`1 / ${Math.ceil(n / 2)}`, {
    timeout: 15_000,
  });
  await expect(row('Ada').getByTestId('team-progress-median')).toHaveText('4.2 s');
  await expect(page.getByTestId('team-progress-updated')).toContainText('every 5 s');
  await page.screenshot({ path: test.info().outputPath('team-section.png'), fullPage: true });
});

test('blind mode toggles and persists after a reload', async ({ page, request }) => {
  const serve = await startDemoServe();
  await openSettingsAsOwner(page, serve, []);
  const toggle = page.getByTestId('team-blind-mode');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await expect(toggle).toBeChecked();
  await expect
    .poll(
      async () => (await callOk<{ isBlindMode: boolean }>(request, serve, 'settings:get', {})).isBlindMode,
    )
    .toBe(true);

  await page.reload();
  await expect(page.getByTestId('team-blind-mode')).toBeChecked();
  await page.getByTestId('team-blind-mode').uncheck();
  await expect
    .poll(
      async () => (await callOk<{ isBlindMode: boolean }>(request, serve, 'settings:get', {})).isBlindMode,
    )
    .toBe(false);
  await page.reload();
  await expect(page.getByTestId('team-section')).toBeVisible();
  await expect(page.getByTestId('team-blind-mode')).not.toBeChecked();
});
