import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestChannels } from '../../src/shared/contract';
import { repoRoot } from '../helpers/serve-child';
import { createTmpDirs } from '../helpers/tmp-dir';

// The Electron security settings as BUILT (out/, what `npm start` and a packaged app run), not as
// written in the sources (test/unit/main/electron-shell.test.ts checks those): the built main process
// is loaded in Node against a recording stand-in for `electron` (test/helpers/electron-stub), the built
// preload runs in a bare VM context, and the built index.html is read for its CSP. Builds first when
// out/ is missing or older than the sources it comes from.

const out = join(repoRoot, 'out');
const builtMain = join(out, 'main', 'index.js');
const builtPreload = join(out, 'preload', 'index.cjs');
const builtHtml = join(out, 'renderer', 'index.html');
const sources = [
  'src/main/index.ts',
  'src/main/windows.ts',
  'src/main/ipc/register-ipc.ts',
  'src/preload/index.ts',
  'src/main/http/content-security-policy.ts',
  'electron.vite.config.ts',
].map((p) => join(repoRoot, p));
const tmp = createTmpDirs('ctt-sec-electron-');
afterAll(() => tmp.cleanup());

interface Report {
  calls: string[];
  windowCount: number;
  options: { webPreferences: Record<string, unknown> } & Record<string, unknown>;
  loaded: { file?: string; url?: string };
  appUrl: string;
  windowOpen: { url: string; result: { action: string } | null }[];
  openedExternally: string[];
  navigation: Record<string, 'blocked' | 'allowed'>;
  webviewBlocked: boolean;
  permissions: Record<string, boolean>;
  permissionCheck: boolean | null;
  ipcChannels: string[];
  ipcFromApp: { ok: boolean };
  ipcFromOtherSite: { ok: boolean; error?: { code: string } };
  ipcFromOtherFile: { ok: boolean; error?: { code: string } };
  ipcWithoutFrame: { ok: boolean; error?: { code: string } };
  annotatorsAfter: { ok: boolean; value: unknown[] };
}
let report: Report;

beforeAll(() => {
  const builtAt = Math.min(
    ...[builtMain, builtPreload, builtHtml].map((p) => (existsSync(p) ? statSync(p).mtimeMs : 0)),
  );
  if (sources.some((s) => statSync(s).mtimeMs > builtAt)) {
    const build = spawnSync('npx', ['electron-vite', 'build'], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 240_000,
    });
    expect(build.status, `electron-vite build: ${build.stderr}`).toBe(0);
  }
  const run = spawnSync(process.execPath, ['test/helpers/electron-stub/run-built-main.mjs', builtMain], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, CTT_DATA_DIR: tmp.make(), CTT_BACKEND: 'cpu', CTT_STUB_USER_DATA: tmp.make() },
  });
  expect(run.status, run.stderr).toBe(0);
  report = JSON.parse(run.stdout.split('\n').find((l) => l.startsWith('{'))!) as Report;
}, 300_000);

describe('the built main process', () => {
  it('enables the sandbox for every renderer and holds a single-instance lock', () => {
    expect(report.calls).toContain('app.enableSandbox');
    expect(report.calls).toContain('app.requestSingleInstanceLock');
    expect(report.windowCount).toBe(1);
  });

  it('creates the window isolated and sandboxed, without Node, with web security on', () => {
    expect(report.options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
    });
    expect(report.options.webPreferences).not.toHaveProperty('nodeIntegrationInSubFrames', true);
    expect(report.options.webPreferences).not.toHaveProperty('experimentalFeatures', true);
    expect(String(report.options.webPreferences.preload)).toBe(builtPreload);
    expect(report.loaded.file).toBe(builtHtml);
  });

  it('denies every new window (https links go to the system browser) and blocks foreign navigation', () => {
    for (const { url, result } of report.windowOpen) expect(result, url).toEqual({ action: 'deny' });
    expect(report.openedExternally).toEqual(['https://evil.example/']);
    expect(report.navigation).toEqual({
      'https://evil.example/': 'blocked',
      'http://127.0.0.1:4310/': 'blocked',
      'file:///etc/passwd': 'blocked',
      'javascript:alert(1)': 'blocked',
      [`${report.appUrl}#/features`]: 'allowed',
      [report.appUrl]: 'allowed',
    });
    expect(report.webviewBlocked).toBe(true);
  });

  it('denies every permission request and check', () => {
    for (const [name, granted] of Object.entries(report.permissions)) expect(granted, name).toBe(false);
    expect(report.permissionCheck).toBe(false);
  });

  it("answers IPC on contract channels only, and only from the app's own page", () => {
    expect(report.ipcChannels).toEqual([...requestChannels].sort());
    expect(report.ipcFromApp.ok).toBe(true);
    for (const reply of [report.ipcFromOtherSite, report.ipcFromOtherFile, report.ipcWithoutFrame])
      expect(reply).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
    // The refused annotators:create from another site stored nothing.
    expect(report.annotatorsAfter).toEqual({ ok: true, value: [] });
  });
});

describe('the built preload', () => {
  it('exposes window.api (invoke, on) for contract channels only, and nothing of Node or Electron', async () => {
    const exposed: Record<string, unknown> = {};
    const invoked: string[] = [];
    const listened: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string, api: unknown) => (exposed[name] = api) },
      ipcRenderer: {
        invoke: (channel: string) => (invoked.push(channel), Promise.resolve({ ok: true, value: null })),
        on: (channel: string) => listened.push(channel),
        removeListener: () => {},
      },
    };
    const requireStub = (id: string): unknown => {
      if (id === 'electron') return electron;
      throw new Error(`the sandboxed preload may require only electron, not ${id}`);
    };
    const module = { exports: {} };
    runInNewContext(readFileSync(builtPreload, 'utf8'), {
      require: requireStub,
      module,
      exports: module.exports,
      console,
    });
    expect(Object.keys(exposed)).toEqual(['api']);
    const api = exposed.api as {
      invoke: (c: string, i: unknown) => Promise<unknown>;
      on: (e: string, l: () => void) => () => void;
    };
    expect(Object.keys(api).sort()).toEqual(['invoke', 'on']);
    expect(await api.invoke('app:info', {})).toEqual({ ok: true, value: null });
    expect(await api.invoke('shell:openExternal', {})).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await api.invoke('__proto__', {})).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(invoked).toEqual(['app:info']);
    expect(() => api.on('ipc-message', () => {})).toThrow(/Unknown event/);
    const off = api.on('jobs:progress', () => {});
    expect(listened).toEqual(['jobs:progress']);
    off();
  });
});

describe('the built index.html', () => {
  it('carries a strict CSP and no inline script', () => {
    const html = readFileSync(builtHtml, 'utf8');
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1] ?? '';
    const directives = Object.fromEntries(
      csp
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    ) as Record<string, string[]>;
    expect(directives['default-src']).toEqual(["'self'"]);
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual(["'self'"]);
    expect(csp).not.toMatch(/unsafe-eval|\*|http:|https:/);
    // Every script is a file of the app.
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) expect(tag).toMatch(/\bsrc="\.\/assets\//);
    expect(html).not.toMatch(/<script\b(?![^>]*\bsrc=)[^>]*>\s*\S/);
  });
});
