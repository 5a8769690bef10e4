import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../src/main/http/server';
import { annotatorChannels } from '../../src/main/services/session-access';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { requestChannels } from '../../src/shared/contract';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { rawRequest } from '../helpers/http';
import { storeChecksum } from '../helpers/store-checksum';
import { createTmpDirs } from '../helpers/tmp-dir';

// An annotator's link (token) is that annotator and nobody else: it cannot read or change another
// annotator's answers through any channel or any trick of the JSON body, with blind mode off or on;
// in blind mode others' answers stay hidden until one's own is done, including through the queue's
// search. Owner channels are closed to it.

const ownerToken = 'owner-token-isolation-0123456789abcdef';
const tmp = createTmpDirs('ctt-sec-annotators-');
let workbench: Workbench;
let server: RunningServer;
let runId: string;
let features: number[];
const ids: Record<'ada' | 'bob', number> = { ada: 0, bob: 0 };
const tokens: Record<'ada' | 'bob', string> = { ada: '', bob: '' };

interface Reply<T = unknown> {
  status: number;
  ok: boolean;
  value?: T;
  error?: { code: string; message: string; field?: string };
}

async function invoke<T = unknown>(channel: string, body: unknown, token: string): Promise<Reply<T>> {
  const response = await rawRequest(server.url, {
    method: 'POST',
    path: `/api/invoke/${channel}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, ...(JSON.parse(response.body) as Omit<Reply<T>, 'status'>) };
}
async function owner<T>(channel: string, input: unknown): Promise<T> {
  const r = await invoke<T>(channel, input, ownerToken);
  if (!r.ok) throw new Error(`${channel}: ${r.error?.message}`);
  return r.value as T;
}
const setBlind = (isBlindMode: boolean) => owner('settings:update', { isBlindMode });

beforeAll(async () => {
  const dataDir = tmp.make();
  workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
  server = await startServer({ workbench, host: '127.0.0.1', port: 0, rendererDir: null, token: ownerToken });
  runId = (await owner<{ runId: string }>('features:importStudy', {})).runId;
  features = workbench.store.features
    .list(runId)
    .slice(0, 4)
    .map((f) => f.id);
  for (const name of ['ada', 'bob'] as const) {
    ids[name] = (await owner<{ id: number }>('annotators:create', { name })).id;
    tokens[name] = (
      await owner<{ token: string }>('annotators:createToken', { annotatorId: ids[name] })
    ).token;
  }
  // Bob's answers: a draft on feature 0, a done answer on feature 1, with a word nobody else uses.
  for (const [i, status] of [
    [0, 'draft'],
    [1, 'done'],
  ] as const) {
    const saved = await invoke(
      'annotations:save',
      {
        featureId: features[i],
        annotatorId: ids.bob,
        fields: { description: `bob-zebra-secret ${i}`, status, interpretability: 0.9 },
      },
      tokens.bob,
    );
    expect(saved.ok).toBe(true);
  }
});
afterAll(async () => {
  await server?.close();
  await workbench?.close();
  tmp.cleanup();
});

describe.each([false, true])('blind mode %s', (isBlind) => {
  beforeAll(() => setBlind(isBlind));

  it('no annotator channel reads or writes another annotator by id', async () => {
    const before = storeChecksum(workbench.store.db);
    const attempts: [string, unknown][] = [
      ['annotations:latest', { featureId: features[1], annotatorId: ids.bob }],
      ['annotations:history', { featureId: features[1], annotatorId: ids.bob }],
      ['annotations:others', { featureId: features[1], annotatorId: ids.bob }],
      [
        'annotations:save',
        { featureId: features[1], annotatorId: ids.bob, fields: { description: 'ada writes as bob' } },
      ],
      ['annotations:save', { featureId: features[1], annotatorId: ids.bob, baseRevision: 1, fields: {} }],
      ['features:queue', { runId, annotatorId: ids.bob }],
      ['features:queue', { runId, annotatorId: ids.ada, assignedTo: ids.bob }],
      ['comments:add', { featureId: features[1], annotatorId: ids.bob, text: 'as bob' }],
    ];
    for (const [channel, input] of attempts) {
      const r = await invoke(channel, input, tokens.ada);
      expect(r, `${channel} ${JSON.stringify(input)}`).toMatchObject({
        status: 401,
        ok: false,
        error: { code: 'unauthorized' },
      });
      expect(r.error!.message).toMatch(/belongs to annotator .* cannot act for or read annotator/);
      expect(JSON.stringify(r)).not.toContain('zebra');
    }
    // Tricks of the body: the last duplicate key wins and is checked; ids as strings or floats, nulls,
    // arrays and __proto__ keys do not pass validation or end up as the caller.
    const tricks = [
      `{"featureId":${features[1]},"annotatorId":${ids.ada},"annotatorId":${ids.bob}}`,
      `{"featureId":${features[1]},"annotatorId":"${ids.bob}"}`,
      `{"featureId":${features[1]},"annotatorId":${ids.bob}.0000000001}`,
      `{"featureId":${features[1]},"annotatorId":[${ids.bob}]}`,
      `{"featureId":${features[1]},"__proto__":{"annotatorId":${ids.bob}}}`,
      `{"featureId":${features[1]},"constructor":{"prototype":{"annotatorId":${ids.bob}}}}`,
      `{"featureId":${features[1]},"annotatorId":null}`,
    ];
    for (const channel of ['annotations:latest', 'annotations:history', 'annotations:others']) {
      for (const body of tricks) {
        const r = await invoke<unknown>(channel, body, tokens.ada);
        expect(JSON.stringify(r), `${channel} ${body}`).not.toContain('zebra');
        if (r.ok) expect(JSON.stringify(r.value)).not.toContain(`"annotatorId":${ids.bob}`);
      }
    }
    // History without an annotator is the caller's own.
    const own = await invoke<unknown[]>('annotations:history', { featureId: features[1] }, tokens.ada);
    expect(own).toMatchObject({ ok: true, value: [] });
    expect(storeChecksum(workbench.store.db)).toBe(before);
  });

  it("the queue search does not find words of another annotator's description", async () => {
    const page = await invoke<{ total: number; items: unknown[] }>(
      'features:queue',
      { runId, annotatorId: ids.ada, search: 'zebra', isSelectedOnly: false },
      tokens.ada,
    );
    expect(page.ok).toBe(true);
    expect(page.value!.total).toBe(0);
    expect(JSON.stringify(page.value)).not.toContain('zebra');
    const bobs = await invoke<{ total: number }>(
      'features:queue',
      { runId, annotatorId: ids.bob, search: 'zebra', isSelectedOnly: false },
      tokens.bob,
    );
    expect(bobs.value!.total).toBe(2);
  });

  it("no channel open to an annotator returns another annotator's description", async () => {
    for (const featureId of features.slice(0, 2)) {
      for (const channel of ['features:get', 'features:dashboard', 'comments:list', 'annotations:latest']) {
        const r = await invoke(channel, { featureId, annotatorId: ids.ada }, tokens.ada);
        expect(JSON.stringify(r), channel).not.toContain('zebra');
      }
    }
    for (const [channel, input] of [
      ['annotators:progress', { runId }],
      ['annotators:list', {}],
      ['runs:list', {}],
      ['queues:list', { runId }],
      ['features:attributions', { runId }],
      ['settings:get', {}],
      ['session:get', {}],
      ['bundle:identity', {}],
    ] as const) {
      const r = await invoke(channel, input, tokens.ada);
      expect(r.ok, channel).toBe(true);
      expect(JSON.stringify(r), channel).not.toContain('zebra');
    }
  });
});

describe("blind mode: others' answers", () => {
  beforeAll(() => setBlind(true));
  it("stay hidden until one's own answer is done, then show", async () => {
    const featureId = features[1]!;
    const hidden = await invoke('annotations:others', { featureId, annotatorId: ids.ada }, tokens.ada);
    expect(hidden).toMatchObject({ status: 401, ok: false, error: { code: 'unauthorized' } });
    expect(hidden.error!.message).toMatch(/Blind mode/);
    expect(JSON.stringify(hidden)).not.toContain('zebra');
    // A draft is not enough.
    await invoke(
      'annotations:save',
      { featureId, annotatorId: ids.ada, fields: { description: 'mine', status: 'draft' } },
      tokens.ada,
    );
    expect((await invoke('annotations:others', { featureId, annotatorId: ids.ada }, tokens.ada)).status).toBe(
      401,
    );
    await invoke(
      'annotations:save',
      { featureId, annotatorId: ids.ada, fields: { description: 'mine', status: 'done' } },
      tokens.ada,
    );
    const shown = await invoke<{ annotatorId: number; fields: { description: string } }[]>(
      'annotations:others',
      { featureId, annotatorId: ids.ada },
      tokens.ada,
    );
    expect(shown.ok).toBe(true);
    expect(shown.value!.map((o) => o.annotatorId)).toEqual([ids.bob]);
    // Back to a draft: hidden again.
    await invoke(
      'annotations:save',
      { featureId, annotatorId: ids.ada, fields: { description: 'again', status: 'draft' } },
      tokens.ada,
    );
    expect((await invoke('annotations:others', { featureId, annotatorId: ids.ada }, tokens.ada)).status).toBe(
      401,
    );
    // Bob's answers are untouched by all this.
    const bobs = workbench.store.annotations.history(featureId, ids.bob);
    expect(bobs.map((r) => r.fields.description)).toEqual(['bob-zebra-secret 1']);
  });
});

describe('owner channels', () => {
  it('every channel outside the annotator allow-list answers 401 to an annotator token and changes nothing', async () => {
    const before = storeChecksum(workbench.store.db);
    const closed = requestChannels.filter((c) => !annotatorChannels.has(c));
    expect(closed.length).toBeGreaterThan(30);
    for (const channel of closed) {
      // Input that does not fit the channel may be refused as invalid first; either way, nothing runs.
      const r = await invoke(
        channel,
        { runId, featureId: features[0], annotatorId: ids.ada, name: 'x', path: '/tmp/x' },
        tokens.ada,
      );
      expect(r.ok, channel).toBe(false);
      expect([400, 401], channel).toContain(r.status);
    }
    // Valid input for the owner's most powerful channels: refused by who is calling.
    for (const [channel, input] of [
      ['settings:update', { isBlindMode: false }],
      ['annotators:create', { name: 'mallory' }],
      ['annotators:createToken', { annotatorId: ids.bob }],
      ['features:importStudy', {}],
      ['adjudication:get', { featureId: features[1] }],
      ['review:disagreements', { runId }],
      ['export:write', { runId, format: 'csv', path: join(tmp.make(), 'out.csv') }],
      ['bundle:export', { path: join(tmp.make(), 'out.bundle') }],
      ['jobs:list', {}],
      ['models:list', {}],
    ] as const) {
      const r = await invoke(channel, input, tokens.ada);
      expect(r, channel).toMatchObject({
        status: 401,
        ok: false,
        error: { code: 'unauthorized', field: 'channel' },
      });
    }
    expect(storeChecksum(workbench.store.db)).toBe(before);
    console.log(
      `[security] annotator token: ${closed.length} owner channels refused; ${annotatorChannels.size} open, all only as itself`,
    );
  });
});
