import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/http/server';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { requestChannels } from '../../src/shared/contract';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { rawRequest } from '../helpers/http';
import { storeChecksum } from '../helpers/store-checksum';
import { createTmpDirs } from '../helpers/tmp-dir';

// Serve mode at its door: every route and every contract channel refuses requests without a valid
// token; foreign Host headers (DNS rebinding) and Origin headers of other sites are refused even with
// the token; the static route never serves a file outside the renderer folder, whatever the encoding.
// (test/integration/http-server.test.ts covers the basic cases; these go wider.)

const token = 'owner-token-for-security-tests-0123456789';
const secret = 'TOP-SECRET-OUTSIDE-THE-RENDERER';
const tmp = createTmpDirs('ctt-sec-serve-');
let workbench: Workbench;
let server: RunningServer;
let root: string;
let annotatorToken: string;
const indexHtml = '<!doctype html><title>Crosscoder Workbench</title>';

beforeAll(async () => {
  root = tmp.make();
  const rendererDir = join(root, 'renderer');
  mkdirSync(join(rendererDir, 'assets'), { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), indexHtml);
  writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(root, 'secret.txt'), secret);
  writeFileSync(join(root, 'renderer.txt'), secret);
  writeFileSync(join(root, 'renderer-secret.txt'), secret);
  mkdirSync(join(root, 'renderer-evil'));
  writeFileSync(join(root, 'renderer-evil', 'index.html'), secret);
  workbench = createWorkbench({
    dataDir: join(root, 'data'),
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoStudyDir: null,
  });
  server = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir, token });
  const ada = await workbench.invoke('annotators:create', { name: 'ada' }, { transport: 'cli' });
  const adaId = (ada as { ok: true; value: { id: number } }).value.id;
  const created = await workbench.invoke(
    'annotators:createToken',
    { annotatorId: adaId },
    { transport: 'cli' },
  );
  annotatorToken = (created as { ok: true; value: { token: string } }).value.token;
  // A new token replaces the old one: the old one must stop working.
  await workbench
    .invoke('annotators:createToken', { annotatorId: adaId }, { transport: 'cli' })
    .then(async () => {
      const again = await workbench.invoke(
        'annotators:createToken',
        { annotatorId: adaId },
        { transport: 'cli' },
      );
      staleAnnotatorToken = annotatorToken;
      annotatorToken = (again as { ok: true; value: { token: string } }).value.token;
    });
});
let staleAnnotatorToken = '';
afterAll(async () => {
  await server?.close();
  await workbench?.close();
  tmp.cleanup();
});

const port = (): string => new URL(server.url).port;

/** Sends bytes as they are (no Host added, duplicate headers allowed) and returns the raw reply. */
function rawSocket(text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port()), '127.0.0.1', () => socket.end(text));
    let reply = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (reply += chunk));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}
const post = (path: string, headers: Record<string, string>, body = '{}') =>
  rawRequest(server.url, {
    method: 'POST',
    path,
    headers: { 'Content-Type': 'application/json', ...headers },
    body,
  });

describe('no valid token, no entry', () => {
  const badCredentials: [string, () => Record<string, string>, string][] = [
    ['none', () => ({}), ''],
    ['empty bearer', () => ({ Authorization: 'Bearer ' }), ''],
    ['wrong bearer', () => ({ Authorization: 'Bearer nope' }), ''],
    ['token with a character more', () => ({ Authorization: `Bearer ${token}x` }), ''],
    ['token with a character less', () => ({ Authorization: `Bearer ${token.slice(0, -1)}` }), ''],
    ['token in upper case', () => ({ Authorization: `Bearer ${token.toUpperCase()}` }), ''],
    ['Basic scheme', () => ({ Authorization: `Basic ${Buffer.from(`x:${token}`).toString('base64')}` }), ''],
    ['a replaced annotator token', () => ({ Authorization: `Bearer ${staleAnnotatorToken}` }), ''],
    ['wrong cookie', () => ({ Cookie: 'ctt_token=nope' }), ''],
    ['token in another cookie', () => ({ Cookie: `other=${token}` }), ''],
    ['malformed cookie', () => ({ Cookie: 'ctt_token=%E0%A4%A' }), ''],
    ['wrong query token', () => ({}), '?token=nope'],
    ['empty query token', () => ({}), '?token='],
  ];

  it('every contract channel answers 401 and reaches no handler', async () => {
    const before = storeChecksum(workbench.store.db);
    let cases = 0;
    for (const channel of requestChannels) {
      for (const [label, headers, query] of badCredentials) {
        const response = await post(
          `/api/invoke/${channel}${query}`,
          headers(),
          JSON.stringify({ name: 'x' }),
        );
        expect(response.status, `${channel} with ${label}`).toBe(401);
        const json = JSON.parse(response.body) as { ok: boolean; error: { code: string; field: string } };
        expect(json).toMatchObject({ ok: false, error: { code: 'unauthorized', field: 'token' } });
        cases++;
      }
    }
    expect(storeChecksum(workbench.store.db)).toBe(before);
    console.log(
      `[security] ${cases} unauthenticated invoke requests (${requestChannels.length} channels × ${badCredentials.length} credentials): all 401`,
    );
  });

  it.each([
    '/',
    '/index.html',
    '/assets/app.js',
    '/api/events',
    '/api/invoke/app:info',
    '/nothing',
    '/api/other',
    '/%2e%2e/secret.txt',
  ])('every method on %s answers 401 without a token', async (path) => {
    for (const method of ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
      for (const [label, headers, query] of badCredentials) {
        const response = await rawRequest(server.url, {
          method,
          path: `${path}${query}`,
          headers: headers(),
        });
        expect(response.status, `${method} ${path} with ${label}`).toBe(401);
        expect(response.body).not.toContain('Crosscoder Workbench</title>');
        expect(response.headers['set-cookie']).toBeUndefined();
        expect(response.headers['access-control-allow-origin']).toBeUndefined();
      }
    }
  });

  it('an annotator token may not open owner channels nor trade itself for the owner', async () => {
    const settings = await post(
      '/api/invoke/settings:update',
      { Authorization: `Bearer ${annotatorToken}` },
      '{"isBlindMode":true}',
    );
    expect(settings.status).toBe(401);
    const session = await post('/api/invoke/session:get', { Authorization: `Bearer ${annotatorToken}` });
    expect(JSON.parse(session.body)).toMatchObject({ ok: true, value: { role: 'annotator' } });
  });
});

describe('other origins are refused, even with the token', () => {
  const auth = () => ({ Authorization: `Bearer ${token}` });
  it.each([
    'evil.example',
    'evil.example:80',
    '127.0.0.1.evil.example',
    'localhost.evil.example',
    'evil.example:127.0.0.1',
    '[::1].evil.example',
    '[::1]evil.example',
    '127.evil.example',
    '127.0.0.1:80:80',
    '127.0.0.1@evil.example',
    '0.0.0.0',
    '192.168.1.10',
  ])('Host %j (DNS rebinding) is 403 on every route', async (host) => {
    for (const [method, path] of [
      ['POST', '/api/invoke/app:info'],
      ['GET', '/api/events'],
      ['GET', '/'],
      ['GET', `/?token=${token}`],
    ] as const) {
      const response = await rawRequest(server.url, {
        method,
        path,
        headers: { Host: host, 'Content-Type': 'application/json', ...auth() },
        ...(method === 'POST' ? { body: '{}' } : {}),
      });
      expect(response.status, `${method} ${path} Host ${host}`).toBe(403);
      expect(response.headers['set-cookie']).toBeUndefined();
    }
  });

  it.each(['localhost', '127.0.0.1', '127.0.0.2', '[::1]'])(
    'loopback Host %s with its port is served',
    async (name) => {
      const response = await post('/api/invoke/app:info', { Host: `${name}:${port()}`, ...auth() });
      expect(response.status).toBe(200);
    },
  );

  it.each([
    ['an empty Host', 'Host: \r\n'],
    ['no Host', ''],
  ])('%s is refused', async (_label, hostLines) => {
    const reply = await rawSocket(
      `POST /api/invoke/app:info HTTP/1.1\r\n${hostLines}Authorization: Bearer ${token}\r\n` +
        'Content-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
    );
    const status = Number(reply.split(' ')[1]);
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
  });

  it.each([
    'https://evil.example',
    'http://evil.example',
    'null',
    'http://127.0.0.1.evil.example',
    'http://localhost:1',
  ])('a POST with Origin %s is 403 and changes nothing', async (origin) => {
    const before = storeChecksum(workbench.store.db);
    const response = await post(
      '/api/invoke/annotators:create',
      { Origin: origin, ...auth() },
      '{"name":"via-other-site"}',
    );
    expect(response.status).toBe(403);
    expect(JSON.parse(response.body)).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', field: 'origin' },
    });
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    expect(storeChecksum(workbench.store.db)).toBe(before);
    // The same request from the app's own page goes through.
    const own = await post('/api/invoke/app:info', { Origin: `http://127.0.0.1:${port()}`, ...auth() });
    expect(own.status).toBe(200);
  });

  it('a cross-site form post (text/plain) and a preflight get no CORS grant', async () => {
    const form = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/annotators:create',
      headers: { 'Content-Type': 'text/plain', Cookie: `ctt_token=${token}` },
      body: '{"name":"form"}',
    });
    expect(form.status).toBe(415);
    const preflight = await rawRequest(server.url, {
      method: 'OPTIONS',
      path: '/api/invoke/annotators:create',
      headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'POST', ...auth() },
    });
    expect(preflight.status).toBeGreaterThanOrEqual(400);
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
  });

  it('the cookie it sets is HttpOnly and SameSite=Strict, and every response carries the CSP', async () => {
    const redirect = await rawRequest(server.url, { path: `/?token=${token}` });
    const cookie = redirect.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    for (const path of ['/', '/nothing', '/api/invoke/app:info']) {
      const r = await rawRequest(server.url, { path, headers: auth() });
      expect(r.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(r.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(r.headers['x-content-type-options']).toBe('nosniff');
    }
  });
});

describe('the static route never leaves the renderer folder', () => {
  const traversals = [
    '/../secret.txt',
    '/../../../../../../etc/passwd',
    '/..%2fsecret.txt',
    '/%2e%2e/secret.txt',
    '/%2e%2e%2fsecret.txt',
    '/%2E%2E%2Fsecret.txt',
    '/.%2e/secret.txt',
    '/%252e%252e%252fsecret.txt',
    '/%252e%252e/secret.txt',
    '/..%252fsecret.txt',
    '/..\\secret.txt',
    '/..%5csecret.txt',
    '/..%5c..%5c..%5cetc%5cpasswd',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/../../secret.txt',
    '/%c0%ae%c0%ae/secret.txt',
    '/%c0%ae%c0%ae%c0%afsecret.txt',
    '/..%c0%afsecret.txt',
    '/%uff0e%uff0e/secret.txt',
    '/%EF%BC%8E%EF%BC%8E/secret.txt',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/%2F%2Fetc%2Fpasswd',
    `/${'%2e%2e%2f'.repeat(20)}etc/passwd`,
    '/secret.txt%00.html',
    '/index.html%00/../../secret.txt',
    '/%00../secret.txt',
    '/..%00/secret.txt',
    '/..%2frenderer-secret.txt',
    '/..%2frenderer.txt',
    '/..%2frenderer-evil/index.html',
    '/../renderer-evil/index.html',
    '/C:%5cWindows%5cwin.ini',
    '/file:%2f%2f%2fetc%2fpasswd',
    `/${'a/'.repeat(2000)}../secret.txt`,
    '/%',
    '/%zz',
  ];
  it.each(traversals)('%s', async (path) => {
    for (const method of ['GET', 'HEAD']) {
      const response = await rawRequest(server.url, {
        method,
        path,
        headers: { Authorization: `Bearer ${token}` },
      });
      expect(response.body).not.toContain(secret);
      expect(response.body).not.toMatch(/root:.*:0:0:/);
      expect([200, 400, 403, 404, 405]).toContain(response.status);
      if (response.status === 200 && method === 'GET') expect(response.body).toBe(indexHtml);
    }
  });

  it('a symlink inside the renderer folder that points outside it is not followed', async () => {
    symlinkSync(join(root, 'secret.txt'), join(root, 'renderer', 'assets', 'link.js'));
    const response = await rawRequest(server.url, {
      path: '/assets/link.js',
      headers: { Authorization: `Bearer ${token}` },
    });
    expect(response.body).not.toContain(secret);
  });
});
