import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/http/server';
import { latestSchemaVersion } from '../../src/main/store/migrations';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { jobSnapshotSchema } from '../../src/shared/domain';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor, waitUntil } from '../helpers/fake-executor';
import { openEventStream, rawRequest } from '../helpers/http';
import { createTmpDirs } from '../helpers/tmp-dir';

const token = 'test-token-0123456789abcdef';
const indexHtml = '<!doctype html><title>Crosscoder Workbench</title><div id="root"></div>';

const tmp = createTmpDirs('ctt-http-');
const fake = createFakeExecutor();
let workbench: Workbench;
let server: RunningServer;

beforeAll(async () => {
  const root = tmp.make();
  const rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), indexHtml);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log("app");');
  // Must never be reachable: it sits next to the renderer folder, not in it.
  writeFileSync(join(root, 'secret.txt'), 'TOP-SECRET');
  writeFileSync(join(root, 'renderer-secret.txt'), 'TOP-SECRET');
  workbench = createWorkbench({
    dataDir: join(root, 'data'),
    mode: 'serve',
    execute: fake.execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
  server = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir, token });
});

afterAll(async () => {
  await server?.close();
  await workbench?.close();
  tmp.cleanup();
});

const auth = { Authorization: `Bearer ${token}` };

interface Reply {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string; field?: string };
}

/** POST /api/invoke/<channel> with a JSON body and the bearer token. */
async function invoke(channel: string, input: unknown, headers: Record<string, string> = auth) {
  const response = await rawRequest(server.url, {
    method: 'POST',
    path: `/api/invoke/${channel}`,
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(input),
  });
  return { status: response.status, json: JSON.parse(response.body) as Reply, headers: response.headers };
}

describe('serve mode: startServer', () => {
  it('listens on loopback on a free port and prints an open URL with the token', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(server.url).not.toMatch(/:0$/);
    expect(server.token).toBe(token);
    expect(server.openUrl).toBe(`${server.url}/?token=${token}`);
  });

  it('creates a random token when none is given', async () => {
    const other = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir: null });
    try {
      expect(other.token.length).toBeGreaterThanOrEqual(32);
      expect(other.token).not.toBe(token);
      const response = await rawRequest(other.url, {
        method: 'POST',
        path: '/api/invoke/app:info',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: '{}',
      });
      expect(response.status).toBe(401);
    } finally {
      await other.close();
    }
  });
});

describe('serve mode: authentication', () => {
  it('refuses a request without a token with 401 JSON', async () => {
    const { status, json, headers } = await invoke('app:info', {}, {});
    expect(status).toBe(401);
    expect(headers['content-type']).toMatch(/^application\/json/);
    expect(json).toMatchObject({ ok: false, error: { code: 'unauthorized', field: 'token' } });
    expect(json.error?.message).toMatch(/Missing token/);
  });

  it('refuses a wrong token in any of the three places', async () => {
    expect((await invoke('app:info', {}, { Authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await invoke('app:info', {}, { Authorization: `Bearer ${token}x` })).status).toBe(401);
    const viaQuery = await rawRequest(server.url, { path: '/?token=wrong' });
    expect(viaQuery.status).toBe(401);
    expect(viaQuery.headers['set-cookie']).toBeUndefined();
    const viaCookie = await rawRequest(server.url, { path: '/', headers: { Cookie: 'ctt_token=wrong' } });
    expect(viaCookie.status).toBe(401);
    expect(JSON.parse(viaCookie.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    expect(viaCookie.body).not.toContain('Crosscoder Workbench</title>');
  });

  it('refuses a Host header that is not loopback, even with the right token', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/app:info',
      headers: { Host: 'evil.example', 'Content-Type': 'application/json', ...auth },
      body: '{}',
    });
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', field: 'host' },
    });

    const withPort = await rawRequest(server.url, {
      path: '/',
      headers: { Host: 'evil.example:80', ...auth },
    });
    expect(withPort.status).toBe(403);
    const localhost = await rawRequest(server.url, {
      path: '/',
      headers: { Host: `localhost:${new URL(server.url).port}`, ...auth },
    });
    expect(localhost.status).toBe(200);
  });

  it('trades ?token= on a GET for an HttpOnly cookie, then serves the UI with that cookie', async () => {
    const redirect = await rawRequest(server.url, { path: `/?token=${token}` });
    expect(redirect.status).toBe(303);
    expect(redirect.headers.location).toBe('/');
    const cookie = redirect.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain(`ctt_token=${token}`);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');

    const page = await rawRequest(server.url, { path: '/', headers: { Cookie: cookie.split(';')[0]! } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toBe(indexHtml);
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    expect(page.headers['x-frame-options']).toBe('DENY');
  });
});

describe('serve mode: invoke', () => {
  it('app:info answers 200 with the app and backend info', async () => {
    const { status, json } = await invoke('app:info', {});
    expect(status).toBe(200);
    expect(json.ok).toBe(true);
    const info = json.value as { appVersion: string; backend: unknown };
    expect(info).toMatchObject({
      appName: 'Crosscoder Workbench',
      mode: 'serve',
      schemaVersion: latestSchemaVersion,
    });
    expect(info.appVersion).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.backend).toMatchObject({ backend: 'cpu', tfjsVersion: '0.0.0-test' });
  });

  it('invalid input is 400 invalid_input naming the field, and stores nothing', async () => {
    const { status, json } = await invoke('projects:create', { name: 42 });
    expect(status).toBe(400);
    expect(json).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.name' } });
    expect(json.error?.message).toContain('input.name');
    const list = await invoke('projects:list', {});
    expect(list).toMatchObject({ status: 200, json: { ok: true, value: [] } });
  });

  it('creates a project, then a duplicate is 409 conflict', async () => {
    const created = await invoke('projects:create', { name: 'http-project' });
    expect(created.status).toBe(200);
    expect(created.json.value).toMatchObject({ name: 'http-project', description: '' });
    const duplicate = await invoke('projects:create', { name: 'http-project' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.json.error?.code).toBe('conflict');
    expect((await invoke('projects:list', {})).json.value).toHaveLength(1);
  });

  it('a malformed JSON body is 400 invalid_input on the body', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/projects:create',
      headers: { 'Content-Type': 'application/json', ...auth },
      body: '{"name": "half',
    });
    expect(response.status).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({
      ok: false,
      error: { code: 'invalid_input', field: 'body' },
    });
  });

  it('an empty body counts as {}', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/settings:get',
      headers: { 'Content-Type': 'application/json', ...auth },
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ ok: true, value: { maxConcurrentJobs: 1 } });
  });

  it('a non-JSON content type is 415 and does not reach the handler', async () => {
    const response = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/projects:create',
      headers: { 'Content-Type': 'text/plain', ...auth },
      body: JSON.stringify({ name: 'via-form' }),
    });
    expect(response.status).toBe(415);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
    const names = ((await invoke('projects:list', {})).json.value as { name: string }[]).map((p) => p.name);
    expect(names).not.toContain('via-form');
  });

  it('GET on an invoke route is 405; an unknown channel is 404', async () => {
    const get = await rawRequest(server.url, { path: '/api/invoke/app:info', headers: auth });
    expect(get.status).toBe(405);
    const unknown = await invoke('projects:drop', {});
    expect(unknown.status).toBe(404);
    expect(unknown.json).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });
});

describe('serve mode: static files', () => {
  it('serves renderer files with their content type and falls back to index.html for app routes', async () => {
    const js = await rawRequest(server.url, { path: '/assets/app.js', headers: auth });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect(js.body).toBe('console.log("app");');
    const route = await rawRequest(server.url, { path: '/annotate/42', headers: auth });
    expect(route.status).toBe(200);
    expect(route.body).toBe(indexHtml);
    const missing = await rawRequest(server.url, { path: '/assets/missing.js', headers: auth });
    expect(missing.status).toBe(404);
  });

  it.each([
    '/..%2fsecret.txt',
    '/..%2f..%2fetc/passwd',
    '/assets/..%2f..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..%5csecret.txt',
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2frenderer-secret.txt',
  ])('does not serve files outside the renderer folder: %s', async (path) => {
    const response = await rawRequest(server.url, { path, headers: auth });
    expect(response.body).not.toContain('TOP-SECRET');
    expect(response.body).not.toMatch(/root:.*:0:0:/);
    expect([200, 400, 404]).toContain(response.status);
    if (response.status === 200) expect(response.body).toBe(indexHtml);
  });
});

describe('serve mode: malformed requests', () => {
  it.each([
    ['GET', '/%zz'],
    ['POST', '/api/invoke/%E0%A4%A'],
  ])('a malformed percent-encoding in %s %s is a client error, not a 500', async (method, path) => {
    const response = await rawRequest(server.url, {
      method,
      path,
      headers: { 'Content-Type': 'application/json', ...auth },
      ...(method === 'POST' ? { body: '{}' } : {}),
    });
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(JSON.parse(response.body)).toMatchObject({ ok: false });
  });
});

describe('serve mode: events', () => {
  it('streams jobs:progress events for a job started through invoke, and unsubscribes on close', async () => {
    const listenersBefore = workbench.bus.size;
    const stream = await openEventStream(server.url, '/api/events', auth);
    try {
      expect(stream.response.statusCode).toBe(200);
      expect(stream.response.headers['content-type']).toMatch(/^text\/event-stream/);
      await waitUntil(() => stream.comments.includes('connected'), 5000, 'the connected comment');
      expect(workbench.bus.size).toBe(listenersBefore + 1);

      const started = await invoke('jobs:startSelfTest', { sizes: [16], repeats: 1 });
      expect(started.status).toBe(200);
      const { jobId } = started.json.value as { jobId: string };
      const call = await fake.waitForCall(fake.calls.length - 1);
      expect(call.job.id).toBe(jobId);
      call.onProgress({ step: 1, total: 2, message: 'halfway' });
      call.resolve({ backend: fakeBackendInfo(), rows: [{ size: 16, medianMs: 1, gflopsPerSecond: 0.01 }] });

      const snapshotsOf = () =>
        stream.events
          .filter((e) => e.event === 'jobs:progress')
          .map((e) => jobSnapshotSchema.parse(JSON.parse(e.data)))
          .filter((s) => s.id === jobId);
      await waitUntil(
        () => snapshotsOf().some((s) => s.state === 'succeeded'),
        10_000,
        'the succeeded event',
      );
      const states = snapshotsOf().map((s) => s.state);
      expect(states[0]).toBe('queued');
      expect(states).toContain('running');
      expect(snapshotsOf().some((s) => s.step === 1 && s.message === 'halfway')).toBe(true);

      const fetched = await invoke('jobs:get', { jobId });
      expect(fetched.json.value).toMatchObject({ id: jobId, state: 'succeeded' });
    } finally {
      stream.close();
    }
    await waitUntil(() => workbench.bus.size === listenersBefore, 5000, 'the stream to unsubscribe');
  });

  it('refuses the event stream without a token', async () => {
    const response = await rawRequest(server.url, { path: '/api/events' });
    expect(response.status).toBe(401);
  });
});
