import { expect, test } from './serve-fixture';

test.describe('serve mode', () => {
  test('refuses requests without the token', async ({ serve, request }) => {
    const page = await request.get(`${serve.url}/`);
    expect(page.status()).toBe(401);
    const api = await request.post(`${serve.url}/api/invoke/app:info`, { data: {} });
    expect(api.status()).toBe(401);
    expect(await api.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
  });

  test('answers malformed input with invalid_input naming the field, and changes nothing', async ({
    serve,
    request,
  }) => {
    const headers = { Authorization: `Bearer ${serve.token}` };
    const bad = await request.post(`${serve.url}/api/invoke/annotators:create`, {
      headers,
      data: { name: '' },
    });
    expect(bad.status()).toBe(400);
    const body = (await bad.json()) as {
      ok: boolean;
      error: { code: string; field: string; message: string };
    };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('invalid_input');
    expect(body.error.field).toBe('input.name');
    const list = await request.post(`${serve.url}/api/invoke/annotators:list`, { headers, data: {} });
    expect(await list.json()).toEqual({ ok: true, value: [] });
  });

  test('runs the backend self-test to 100% and cancels a second one', async ({ serve, page }) => {
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(serve.openUrl);
    // The token was traded for a cookie and dropped from the address bar.
    await expect(page).toHaveURL(`${serve.url}/`);
    await expect(page.getByRole('navigation', { name: 'Workflows' })).toBeVisible();
    await expect(page.getByTestId('empty-models')).toBeVisible();
    await expect(page.getByTestId('status-backend')).toContainText('wasm');

    await page.keyboard.press('Alt+8');
    await expect(page.getByRole('heading', { name: 'Jobs', level: 1 })).toBeVisible();
    await expect(page.getByTestId('jobs-empty')).toBeVisible();

    await page.getByTestId('selftest-sizes').fill('64, 128');
    await page.getByTestId('selftest-repeats').fill('3');
    await page.getByTestId('selftest-start').click();
    const first = page.getByTestId('job-row').first();
    await expect(first).toHaveAttribute('data-state', 'succeeded');
    await expect(first.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    await expect(page.getByTestId('gflops-chart')).toBeVisible();
    await expect(page.getByTestId('selftest-result')).toContainText('wasm');

    await page.getByTestId('selftest-sizes').fill('1024, 1024, 1024, 1024');
    await page.getByTestId('selftest-repeats').fill('200');
    await page.getByTestId('selftest-start').click();
    const second = page.getByTestId('job-row').first();
    await expect(second).toHaveAttribute('data-state', 'running');
    await expect
      .poll(async () => Number(await second.getByRole('progressbar').getAttribute('aria-valuenow')), {
        timeout: 60_000,
      })
      .toBeGreaterThan(0);
    await expect(page.getByTestId('statusbar')).toContainText('Backend self-test');
    await second.getByTestId('job-cancel').click();
    await expect(second).toHaveAttribute('data-state', 'cancelled');
    await page.screenshot({ path: 'test-results/jobs-page.png' });

    // A reloaded UI resyncs from the store: both jobs, with their final states.
    await page.reload();
    await expect(page.getByTestId('job-row')).toHaveCount(2);
    await expect(page.getByTestId('job-row').nth(0)).toHaveAttribute('data-state', 'cancelled');
    await expect(page.getByTestId('job-row').nth(1)).toHaveAttribute('data-state', 'succeeded');
    expect(consoleErrors).toEqual([]);
  });

  test('shows the shortcut legend on ? and settings with the backend choice', async ({ serve, page }) => {
    await page.goto(serve.openUrl);
    await page.keyboard.press('?');
    await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    await page.keyboard.press('Alt+9');
    await expect(page.getByTestId('backend-attempts')).toContainText('wasm');
    await expect(page.getByTestId('about-version')).toContainText('Crosscoder Workbench');
  });
});
