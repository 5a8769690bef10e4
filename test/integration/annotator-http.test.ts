import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/http/server';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import {
  attributeResult,
  attributionSummary,
  finishedRun,
  handIe,
  writeAttributionFile,
} from '../helpers/annotation-fixtures';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { rawRequest } from '../helpers/http';
import { createTmpDirs } from '../helpers/tmp-dir';

// Serve mode with annotator links: an annotator's token opens the annotation channels as that
// annotator only; the start token stays the owner's.

const ownerToken = 'owner-token-0123456789abcdef';
const tmp = createTmpDirs('ctt-annotator-http-');
let workbench: Workbench;
let server: RunningServer;
let ada: number;
let bob: number;
let featureId: number;

beforeAll(async () => {
  const dataDir = tmp.make();
  workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
    demoStudyDir: null,
  });
  server = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir: null, token: ownerToken });
  const runDir = join(dataDir, 'runs', 'run-1');
  finishedRun(workbench.store, { id: 'run-1', dir: runDir, nFeatures: 8 });
  writeAttributionFile(runDir, attributionSummary('attr-1', attributeResult('run-1', handIe)));
  ada = (await invoke<{ id: number }>('annotators:create', { name: 'ada' }, ownerToken)).json.value!.id;
  bob = (await invoke<{ id: number }>('annotators:create', { name: 'bob' }, ownerToken)).json.value!.id;
  await invoke('features:indexAttribution', { runId: 'run-1', attributionId: 'attr-1' }, ownerToken);
  featureId = workbench.store.features.list('run-1')[0]!.id;
});
afterAll(async () => {
  await server?.close();
  await workbench?.close();
  tmp.cleanup();
});

interface Reply<T> {
  ok: boolean;
  value?: T;
  error?: { code: string; message: string; field?: string };
}

async function invoke<T = unknown>(channel: string, input: unknown, token: string) {
  const response = await rawRequest(server.url, {
    method: 'POST',
    path: `/api/invoke/${channel}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify(input),
  });
  return { status: response.status, json: JSON.parse(response.body) as Reply<T> };
}

const newToken = async (annotatorId: number): Promise<{ token: string; openPath: string }> =>
  (await invoke<{ token: string; openPath: string }>('annotators:createToken', { annotatorId }, ownerToken))
    .json.value!;

describe('serve mode with annotator tokens', () => {
  it('accepts an annotator token as that annotator', async () => {
    const { token } = await newToken(ada);
    const session = await invoke('session:get', {}, token);
    expect(session).toEqual({
      status: 200,
      json: { ok: true, value: { role: 'annotator', annotatorId: ada, annotatorName: 'ada' } },
    });
    const saved = await invoke(
      'annotations:save',
      { featureId, annotatorId: ada, fields: { description: 'plural nouns', status: 'done' } },
      token,
    );
    expect(saved.status).toBe(200);
    const page = await invoke<{ total: number }>(
      'features:queue',
      { runId: 'run-1', annotatorId: ada },
      token,
    );
    expect(page.status).toBe(200);
    expect(page.json.value!.total).toBeGreaterThan(0);
  });

  it('refuses an owner channel and a foreign annotator with 401 JSON, changing nothing', async () => {
    const { token } = await newToken(ada);
    const forbidden = await invoke('settings:update', { isBlindMode: true }, token);
    expect(forbidden.status).toBe(401);
    expect(forbidden.json).toMatchObject({ ok: false, error: { code: 'unauthorized', field: 'channel' } });
    expect(workbench.store.settings.get().isBlindMode).toBe(false);

    const asBob = await invoke(
      'annotations:save',
      { featureId, annotatorId: bob, fields: { description: 'not mine' } },
      token,
    );
    expect(asBob.status).toBe(401);
    expect(asBob.json).toMatchObject({
      ok: false,
      error: { code: 'unauthorized', field: 'input.annotatorId' },
    });
    expect(workbench.store.annotations.history(featureId, bob)).toEqual([]);

    const createToken = await invoke('annotators:createToken', { annotatorId: ada }, token);
    expect(createToken.status).toBe(401);
  });

  it('the owner token still works for everything, and is the owner', async () => {
    expect((await invoke('session:get', {}, ownerToken)).json.value).toEqual({
      role: 'owner',
      annotatorId: null,
      annotatorName: null,
    });
    expect((await invoke('settings:get', {}, ownerToken)).status).toBe(200);
    expect((await invoke('runs:list', {}, ownerToken)).status).toBe(200);
  });

  it('a replaced token stops working; the open path trades the new one for a cookie', async () => {
    const old = await newToken(bob);
    const fresh = await newToken(bob);
    expect((await invoke('session:get', {}, old.token)).status).toBe(401);
    const exchange = await rawRequest(server.url, { path: fresh.openPath });
    expect(exchange.status).toBe(303);
    const cookie = String(exchange.headers['set-cookie']);
    expect(cookie).toContain(`ctt_token=${fresh.token}`);
    const viaCookie = await rawRequest(server.url, {
      method: 'POST',
      path: '/api/invoke/session:get',
      headers: { 'Content-Type': 'application/json', Cookie: cookie.split(';')[0]! },
      body: '{}',
    });
    expect(JSON.parse(viaCookie.body)).toMatchObject({
      ok: true,
      value: { role: 'annotator', annotatorId: bob },
    });
  });
});
