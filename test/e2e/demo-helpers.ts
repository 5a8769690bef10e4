import { test, expect, type APIRequestContext, type Page } from '@playwright/test';
import { startServe, type ServeHandle, type ServeProcess } from './serve-fixture';

// Shared helpers for the specs that run against a real `ctt serve --demo` (features, features-history,
// team, review).

/** A running `ctt serve --demo`. */
export type DemoServe = ServeProcess & Pick<ServeHandle, 'kill'>;

/**
 * Declares (at a spec's top level) that the spec starts demo servers, and returns the function that
 * starts one: on `dataDir` when given (left in place), else on a fresh temp folder named with
 * `tmpPrefix`. After all the spec's tests every server is ended (SIGTERM), then the folders created
 * are removed.
 */
export function useDemoServers(tmpPrefix: string): (dataDir?: string) => Promise<DemoServe> {
  const handles: ServeHandle[] = [];
  test.afterAll(async () => {
    for (const h of handles) await h.kill('SIGTERM');
    for (const h of handles) await h.stop();
  });
  return async (dataDir?: string) => {
    const handle = await startServe({ demo: true, dataDir, tmpPrefix });
    handles.push(handle);
    return { ...handle.serve, kill: handle.kill };
  };
}

export interface CallResult<T> {
  status: number;
  body: { ok: boolean; value?: T; error?: { code: string; message: string; field?: string } };
}

/** Calls a contract channel over HTTP with a token (the owner's by default); returns the status and `{ok, value|error}`. */
export async function call<T>(
  request: APIRequestContext,
  serve: DemoServe,
  channel: string,
  input: unknown,
  token = serve.token,
): Promise<CallResult<T>> {
  const response = await request.post(`${serve.url}/api/invoke/${channel}`, {
    headers: { Authorization: `Bearer ${token}` },
    data: input,
  });
  return { status: response.status(), body: await response.json() };
}

/** Calls a contract channel over HTTP with a token (the owner's by default) and returns its value; fails the test on a refusal. */
export async function callOk<T>(
  request: APIRequestContext,
  serve: DemoServe,
  channel: string,
  input: unknown,
  token = serve.token,
): Promise<T> {
  const response = await request.post(`${serve.url}/api/invoke/${channel}`, {
    headers: { Authorization: `Bearer ${token}` },
    data: input,
  });
  const body = (await response.json()) as { ok: boolean; value?: T; error?: unknown };
  expect(body.ok, `${channel}: ${JSON.stringify(body.error)}`).toBe(true);
  return body.value as T;
}

/** Opens the Features page by keyboard and, for the owner, creates the annotator typed at the gate. */
export async function openFeatures(page: Page, annotatorName: string | null): Promise<void> {
  await page.keyboard.press('Alt+5');
  await expect(page.getByRole('heading', { name: 'Features & annotation', level: 1 })).toBeVisible();
  if (annotatorName !== null) {
    await expect(page.getByTestId('annotator-gate')).toBeVisible();
    await page.keyboard.type(annotatorName);
    await page.keyboard.press('Enter');
  }
  await expect(page.getByTestId('annotation-form')).toBeVisible();
}
