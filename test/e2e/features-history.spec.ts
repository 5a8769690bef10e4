import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { call, openFeatures, useDemoServers, type DemoServe } from './demo-helpers';

// The Features page's revision history against a real `ctt serve --demo`: a stale edit from a second
// window shows the conflict instead of overwriting (take theirs / keep mine), restoring an old version
// from the history panel, Ctrl+Z re-saving the previous record as a new revision, and what the form
// does when the server answers that the feature is gone. Every outcome is checked in the store too
// (annotations:history over HTTP): revisions are only ever appended, none is lost.

const startDemoServe = useDemoServers('ctt-e2e-history-');

interface Fields {
  description: string;
  interpretability: number | null;
  complexity: number | null;
  status: string;
  isFlagged: boolean;
  timeSpentMs: number;
  [key: string]: unknown;
}
interface Revision {
  revision: number;
  fields: Fields;
  changed: string[];
  createdAt: string;
}
/** The stored revisions of one annotator's record of a feature, oldest first. */
async function history(
  request: APIRequestContext,
  serve: DemoServe,
  featureId: number,
  annotatorId: number,
): Promise<Revision[]> {
  const result = await call<Revision[]>(request, serve, 'annotations:history', { featureId, annotatorId });
  expect(result.status).toBe(200);
  return [...result.body.value!].sort((a, b) => a.revision - b.revision);
}

const descriptionsOf = (revisions: Revision[]): string[] => revisions.map((r) => r.fields.description);

/** A record without the time spent (which every save refreshes), for comparing two revisions. */
function withoutTime(fields: Fields): Partial<Fields> {
  const rest: Partial<Fields> = { ...fields };
  delete rest.timeSpentMs;
  return rest;
}

async function annotatorIdOf(request: APIRequestContext, serve: DemoServe, name: string): Promise<number> {
  const annotators = await call<Array<{ id: number; name: string }>>(request, serve, 'annotators:list', {});
  const found = annotators.body.value?.find((a) => a.name === name);
  expect(found, `annotator ${name} exists`).toBeDefined();
  return found!.id;
}

const featureTitle = (page: Page) => page.getByTestId('feature-title');
const saveState = (page: Page) => page.getByTestId('save-state');
const description = (page: Page) => page.getByTestId('description');

/** The feature id of the active queue row (the feature on screen). */
async function activeFeatureId(page: Page): Promise<number> {
  const row = page.locator('[data-testid="queue-row"][aria-selected="true"]');
  await expect(row).toHaveCount(1);
  return Number(await row.getAttribute('data-feature-id'));
}

/** Replaces the description (one edit) and waits until it is stored as revision `revision`. */
async function writeDescription(page: Page, text: string, revision: number): Promise<void> {
  await description(page).fill(text);
  await expect(saveState(page)).toHaveAttribute('data-state', 'saved');
  await expect(saveState(page)).toContainText(`Saved rev ${revision} ·`);
}

test('a stale edit from a second window shows the conflict; take theirs and keep mine lose nothing', async ({
  browser,
  request,
}) => {
  const serve = await startDemoServe();
  // One owner session (one cookie jar), two windows, both annotating as Ada.
  const context = await browser.newContext();
  const a = await context.newPage();
  await a.goto(serve.openUrl);
  await openFeatures(a, 'Ada');
  const title = (await featureTitle(a).textContent()) ?? '';
  const featureId = await activeFeatureId(a);
  const ada = await annotatorIdOf(request, serve, 'Ada');

  const v1 = 'Subject noun (first version)';
  await writeDescription(a, v1, 1);

  // Window B opens the same feature: it has revision 1.
  const b = await context.newPage();
  await b.goto(serve.openUrl);
  await openFeatures(b, null);
  await expect(featureTitle(b)).toHaveText(title);
  await expect(description(b)).toHaveValue(v1);
  await expect(saveState(b)).toContainText('Saved rev 1');

  // A saves revision 2; B still edits from revision 1.
  const a2 = 'Subject noun of the main clause (A, rev 2)';
  await writeDescription(a, a2, 2);
  const bStale = 'Subject noun, edited in B from rev 1';
  await description(b).fill(bStale);
  const conflict = b.getByTestId('conflict');
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText('Theirs (rev 2)');
  await expect(b.getByTestId('conflict-theirs')).toHaveText(a2);
  await expect(b.getByTestId('conflict-mine')).toHaveText(bStale);
  await expect(saveState(b)).toHaveAttribute('data-state', 'failed');
  await expect(saveState(b)).toContainText('Not saved: changed in another window');
  // Nothing was written over A's revision.
  expect(descriptionsOf(await history(request, serve, featureId, ada))).toEqual([v1, a2]);

  // Take theirs: B shows A's text and saves nothing.
  await b.getByTestId('conflict-take-theirs').click();
  await expect(conflict).toHaveCount(0);
  await expect(description(b)).toHaveValue(a2);
  await expect(saveState(b)).toHaveAttribute('data-state', 'idle');
  await expect(saveState(b)).toContainText('Saved rev 2');
  expect(descriptionsOf(await history(request, serve, featureId, ada))).toEqual([v1, a2]);

  // Again: A saves revision 3 (a save from B would have made A's conflict instead), B edits from 2.
  const a3 = 'Subject noun of the main clause, singular (A, rev 3)';
  await writeDescription(a, a3, 3);
  const bMine = 'Subject noun, plural too (B keeps this)';
  await description(b).fill(bMine);
  await expect(conflict).toBeVisible();
  await expect(conflict).toContainText('Theirs (rev 3)');
  await expect(b.getByTestId('conflict-theirs')).toHaveText(a3);
  await expect(b.getByTestId('conflict-mine')).toHaveText(bMine);
  expect(descriptionsOf(await history(request, serve, featureId, ada))).toEqual([v1, a2, a3]);

  // Keep mine: B's text becomes revision 4, on top of A's revision 3 (which stays in the history).
  await b.getByTestId('conflict-keep-mine').click();
  await expect(conflict).toHaveCount(0);
  await expect(saveState(b)).toHaveAttribute('data-state', 'saved');
  await expect(saveState(b)).toContainText('Saved rev 4 ·');
  await expect(description(b)).toHaveValue(bMine);
  await b.getByTestId('history').locator('summary').click();
  const rows = b.getByTestId('history-row');
  await expect(rows).toHaveCount(4);
  for (const [i, revision] of [4, 3, 2, 1].entries())
    await expect(rows.nth(i)).toContainText(`rev ${revision} ·`);
  await expect(rows.nth(0)).toContainText('description');
  await expect(rows.nth(1)).toContainText('description');

  // A is now the stale window: its next edit shows B's revision as theirs instead of overwriting it.
  const aStale = 'A edits again from rev 3';
  await description(a).fill(aStale);
  await expect(a.getByTestId('conflict')).toBeVisible();
  await expect(a.getByTestId('conflict')).toContainText('Theirs (rev 4)');
  await expect(a.getByTestId('conflict-theirs')).toHaveText(bMine);
  await a.getByTestId('conflict-take-theirs').click();
  await expect(description(a)).toHaveValue(bMine);

  // The store: revisions 1..4 in order, each window's saved text kept, the stale texts never stored.
  const revisions = await history(request, serve, featureId, ada);
  expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3, 4]);
  expect(descriptionsOf(revisions)).toEqual([v1, a2, a3, bMine]);
  for (const r of revisions.slice(1)) expect(r.changed).toContain('description');
  const latest = await call<Revision>(request, serve, 'annotations:latest', { featureId, annotatorId: ada });
  expect(latest.body.value?.revision).toBe(4);
  expect(latest.body.value?.fields.description).toBe(bMine);

  // B goes on from revision 4 without a conflict.
  const bMore = `${bMine}; also objects`;
  await writeDescription(b, bMore, 5);
  await expect(b.getByTestId('conflict')).toHaveCount(0);
  expect(descriptionsOf(await history(request, serve, featureId, ada))).toEqual([v1, a2, a3, bMine, bMore]);
  await context.close();
});

test('restoring version 1 from the history panel adds it as a new revision; v2 and v3 stay', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  const featureId = await activeFeatureId(page);
  const ada = await annotatorIdOf(request, serve, 'Ada');

  const versions = ['Determiner before a noun (v1)', 'Any determiner (v2)', 'Definite article only (v3)'];
  for (const [i, text] of versions.entries()) await writeDescription(page, text, i + 1);
  await page.keyboard.press('Escape');

  const panel = page.getByTestId('history');
  await panel.locator('summary').click();
  const rows = page.getByTestId('history-row');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText('rev 3 ·');
  // The newest revision is the current one: it has no restore button.
  await expect(rows.nth(0).getByTestId('history-restore')).toHaveCount(0);
  const first = rows.filter({ hasText: 'first version' });
  await expect(first).toContainText('rev 1 ·');
  await first.getByTestId('history-restore').click();

  await expect(description(page)).toHaveValue(versions[0]!);
  await expect(saveState(page)).toHaveAttribute('data-state', 'saved');
  await expect(saveState(page)).toContainText('Saved rev 4 ·');
  await expect(rows).toHaveCount(4);
  for (const [i, revision] of [4, 3, 2, 1].entries())
    await expect(rows.nth(i)).toContainText(`rev ${revision} ·`);
  await expect(rows.nth(0)).toContainText('description');

  const revisions = await history(request, serve, featureId, ada);
  expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3, 4]);
  expect(descriptionsOf(revisions)).toEqual([...versions, versions[0]]);
  expect(withoutTime(revisions[3]!.fields)).toEqual(withoutTime(revisions[0]!.fields));
  expect(revisions[3]!.changed).toContain('description');

  // After a reload the form shows the restored version.
  await page.reload();
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect(description(page)).toHaveValue(versions[0]!);
  await expect(saveState(page)).toContainText('Saved rev 4');
});

test('Ctrl+Z after Ctrl+Enter saves the previous record again as a new revision and says so', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  const title = (await featureTitle(page).textContent()) ?? '';
  const index = /#(\d+)/.exec(title)?.[1];
  expect(index, `the title "${title}" names the feature`).toBeDefined();
  const featureId = await activeFeatureId(page);
  const ada = await annotatorIdOf(request, serve, 'Ada');
  const row = page.locator(`[data-testid="queue-row"][data-feature-id="${featureId}"]`);
  const notice = page.getByTestId('features-notice');

  // Revision 1: a rating (status stays draft). Revision 2: submitted (done), and the page moves on.
  await page.keyboard.press('Digit7');
  await expect(page.getByTestId('interpretability-input')).toHaveValue('0.7');
  await expect(saveState(page)).toContainText('Saved rev 1 ·');
  await expect(page.getByTestId('annotation-status')).toHaveText('draft');
  await page.keyboard.press('Control+Enter');
  await expect(featureTitle(page)).not.toHaveText(title);
  await expect(row).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('annotation-form')).toBeVisible();
  await expect
    .poll(async () => (await history(request, serve, featureId, ada)).map((r) => r.fields.status))
    .toEqual(['draft', 'done']);

  // Ctrl+Z (no text field has focus): the record before the submit is saved again as revision 3.
  await expect(page.locator('textarea:focus, input:focus')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(notice).toContainText(`Undone on #${index}: status (rev 3).`);
  await expect(featureTitle(page)).toHaveText(title);
  await expect(page.getByTestId('annotation-status')).toHaveText('draft');
  await expect(page.getByTestId('interpretability-input')).toHaveValue('0.7');
  await expect(saveState(page)).toContainText('Saved rev 3');
  await expect(row).toHaveAttribute('data-status', 'draft');
  let revisions = await history(request, serve, featureId, ada);
  expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3]);
  expect(revisions.map((r) => r.fields.status)).toEqual(['draft', 'done', 'draft']);
  expect(withoutTime(revisions[2]!.fields)).toEqual(withoutTime(revisions[0]!.fields));
  expect(revisions[2]!.changed).toContain('status');

  // Again: the rating goes (revision 4); then there is nothing left to undo.
  await page.keyboard.press('Control+z');
  await expect(notice).toContainText(`Undone on #${index}: interpretability (rev 4).`);
  await expect(page.getByTestId('interpretability-input')).toHaveValue('');
  await expect(saveState(page)).toContainText('Saved rev 4');
  revisions = await history(request, serve, featureId, ada);
  expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3, 4]);
  expect(revisions[3]!.fields.interpretability).toBeNull();
  expect(revisions[3]!.fields.status).toBe('draft');
  await page.keyboard.press('Control+z');
  await expect(notice).toHaveText('Nothing to undo.');
  expect(await history(request, serve, featureId, ada)).toHaveLength(4);
});

test('Ctrl+Z does not overwrite a newer save from another window: it says so and keeps both', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  const title = (await featureTitle(page).textContent()) ?? '';
  const featureId = await activeFeatureId(page);
  const ada = await annotatorIdOf(request, serve, 'Ada');
  await page.keyboard.press('Digit7');
  await expect(saveState(page)).toContainText('Saved rev 1 ·');
  await page.keyboard.press('Control+Enter');
  await expect(featureTitle(page)).not.toHaveText(title);
  await expect.poll(async () => (await history(request, serve, featureId, ada)).length).toBe(2);

  // Another window (same annotator) saves revision 3 on top of the submitted record.
  const [, submitted] = await history(request, serve, featureId, ada);
  const other = 'Written in another window after the submit';
  const saved = await call<Revision>(request, serve, 'annotations:save', {
    featureId,
    annotatorId: ada,
    fields: { ...submitted!.fields, description: other },
    baseRevision: 2,
  });
  expect(saved.body.value?.revision).toBe(3);

  // Undo here would bring back revision 1 over it: refused with a notice, nothing stored.
  await expect(page.locator('textarea:focus, input:focus')).toHaveCount(0);
  await page.keyboard.press('Control+z');
  await expect(page.getByTestId('features-notice')).toContainText('changed in another window since');
  await expect(page.getByTestId('features-notice')).toContainText('nothing was overwritten');
  const revisions = await history(request, serve, featureId, ada);
  expect(revisions.map((r) => r.revision)).toEqual([1, 2, 3]);
  expect(revisions[2]!.fields.description).toBe(other);
});

// No channel removes a feature: features are only inserted (`ensureRange` … ON CONFLICT DO NOTHING),
// importing the same study again returns its run, another study makes a new run with new features,
// re-indexing an attribution replaces scores only, and annotation_revisions reference features with
// ON DELETE RESTRICT. So a feature cannot vanish through the product; this test replays the server's
// own `not_found` answer (taken from a save for an id that does not exist) for the feature on screen.
test('a save answered "feature not found" stops saving that feature and does not block moving on', async ({
  page,
  request,
}) => {
  const serve = await startDemoServe();
  await page.goto(serve.openUrl);
  await openFeatures(page, 'Ada');
  const title = (await featureTitle(page).textContent()) ?? '';
  const featureId = await activeFeatureId(page);
  const ada = await annotatorIdOf(request, serve, 'Ada');

  const missing = await request.post(`${serve.url}/api/invoke/annotations:save`, {
    headers: { Authorization: `Bearer ${serve.token}` },
    data: { featureId: 2_000_000_000, annotatorId: ada, fields: { description: 'x' }, baseRevision: 0 },
  });
  expect(missing.status()).toBe(404);
  const notFound = await missing.text();
  expect(JSON.parse(notFound)).toMatchObject({ ok: false, error: { code: 'not_found' } });

  const isSave = (url: URL): boolean =>
    decodeURIComponent(url.pathname).endsWith('/api/invoke/annotations:save');
  await page.route(isSave, (route) =>
    route.fulfill({ status: 404, contentType: 'application/json', body: notFound }),
  );
  await description(page).fill('Written after the feature went away');
  await expect(page.getByTestId('feature-gone')).toBeVisible();
  await expect(saveState(page)).toHaveAttribute('data-state', 'failed');
  await expect(saveState(page)).toContainText('Not saved:');
  expect(await history(request, serve, featureId, ada)).toHaveLength(0);

  // Moving on is not blocked by the unsaved edit of a vanished feature.
  await page.keyboard.press('Escape');
  await page.keyboard.press('j');
  await expect(featureTitle(page)).not.toHaveText(title);
  await expect(page.getByTestId('feature-gone')).toHaveCount(0);
  await expect(page.getByTestId('features-notice')).not.toContainText('not saved');

  // The next feature saves normally once the server answers again.
  await page.unroute(isSave);
  const nextId = await activeFeatureId(page);
  expect(nextId).not.toBe(featureId);
  await writeDescription(page, 'The next feature saves', 1);
  expect(descriptionsOf(await history(request, serve, nextId, ada))).toEqual(['The next feature saves']);
  expect(await history(request, serve, featureId, ada)).toHaveLength(0);
});
