import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { requestChannels } from '../../../src/shared/contract';
import { fakeBackendInfo } from '../../helpers/fake-backend';
import { createTmpDirs } from '../../helpers/tmp-dir';

// The Electron binary cannot run here, so the window shell is checked against a recording stand-in for
// the `electron` module: the options it passes and the handlers it registers are Electron's real API.
const recorded = vi.hoisted(() => ({
  windowOptions: [] as unknown[],
  handlers: new Map<string, (event: unknown, input: unknown) => unknown>(),
  contentsHandlers: new Map<string, (...args: unknown[]) => unknown>(),
  windowOpenHandler: null as null | ((details: { url: string }) => { action: string }),
  permissionHandler: null as null | ((c: unknown, p: string, cb: (ok: boolean) => void) => void),
  loadedFile: null as string | null,
}));

vi.mock('electron', () => {
  class BrowserWindow {
    webContents = {
      setWindowOpenHandler: (h: typeof recorded.windowOpenHandler) => (recorded.windowOpenHandler = h),
      on: (name: string, h: (...args: unknown[]) => unknown) => recorded.contentsHandlers.set(name, h),
    };
    constructor(options: unknown) {
      recorded.windowOptions.push(options);
    }
    once(): void {}
    loadFile(file: string): Promise<void> {
      recorded.loadedFile = file;
      return Promise.resolve();
    }
    loadURL(): Promise<void> {
      return Promise.resolve();
    }
  }
  return {
    BrowserWindow,
    shell: { openExternal: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: typeof recorded.permissionHandler) =>
          (recorded.permissionHandler = h),
        setPermissionCheckHandler: vi.fn(),
      },
    },
    ipcMain: {
      handle: (channel: string, h: (event: unknown, input: unknown) => unknown) =>
        recorded.handlers.set(channel, h),
      removeHandler: (channel: string) => recorded.handlers.delete(channel),
    },
    webContents: { getAllWebContents: () => [] },
  };
});

describe('Electron window hardening', () => {
  it('creates the window sandboxed and isolated, denies new windows, blocks foreign navigation', async () => {
    const { createMainWindow, hardenSession, isAppUrl } = await import('../../../src/main/windows');
    hardenSession();
    createMainWindow();
    const options = recorded.windowOptions.at(-1) as { webPreferences: Record<string, unknown> };
    expect(options.webPreferences).toMatchObject({
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      webviewTag: false,
    });
    expect(String(options.webPreferences.preload)).toMatch(/preload[/\\]index\.cjs$/);
    expect(recorded.windowOpenHandler?.({ url: 'https://example.org' })).toEqual({ action: 'deny' });

    const prevented = vi.fn();
    recorded.contentsHandlers.get('will-navigate')?.({ preventDefault: prevented }, 'https://evil.example/');
    expect(prevented).toHaveBeenCalledTimes(1);
    expect(isAppUrl('https://evil.example/')).toBe(false);
    // The app's own page (with a hash route) counts; a file whose name only starts like it does not.
    const page = recorded.loadedFile;
    expect(page, 'the window loads the built page from disk').not.toBeNull();
    if (page !== null) {
      const href = pathToFileURL(page).href;
      expect(isAppUrl(`${href}#/features`)).toBe(true);
      expect(isAppUrl(`${href}.evil`)).toBe(false);
      expect(isAppUrl(`${href}/../../secret.html`)).toBe(false);
    }
    expect(isAppUrl('not a url')).toBe(false);

    const granted: boolean[] = [];
    recorded.permissionHandler?.(null, 'media', (ok) => granted.push(ok));
    expect(granted).toEqual([false]);
  });
});

describe('IPC adapter', () => {
  const tmp = createTmpDirs();
  beforeEach(() => recorded.handlers.clear());
  afterEach(() => tmp.cleanup());

  it('registers one handler per contract channel; malformed input gets invalid_input and changes nothing', async () => {
    const { registerIpc } = await import('../../../src/main/ipc/register-ipc');
    const { createWorkbench } = await import('../../../src/main/workbench');
    const workbench = createWorkbench({
      dataDir: tmp.make(),
      mode: 'electron',
      probe: () => Promise.resolve(fakeBackendInfo()),
      execute: () => Promise.resolve(null),
    });
    const unregister = registerIpc(workbench, (url) => url.startsWith('file:///app/'));
    try {
      expect([...recorded.handlers.keys()].sort()).toEqual([...requestChannels].sort());
      const trusted = { senderFrame: { url: 'file:///app/index.html' } };
      const create = recorded.handlers.get('annotators:create')!;

      const bad = (await create(trusted, { name: 7 })) as {
        ok: boolean;
        error: { code: string; field: string };
      };
      expect(bad).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.name' } });
      expect(workbench.store.annotators.list()).toEqual([]);

      const good = (await create(trusted, { name: 'Ada' })) as { ok: boolean; value: { name: string } };
      expect(good).toMatchObject({ ok: true, value: { name: 'Ada' } });

      const foreign = (await create({ senderFrame: { url: 'https://evil.example/' } }, { name: 'Eve' })) as {
        ok: boolean;
        error: { code: string };
      };
      expect(foreign).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(workbench.store.annotators.list().map((a) => a.name)).toEqual(['Ada']);
    } finally {
      unregister();
      await workbench.close();
    }
    expect(recorded.handlers.size).toBe(0);
  });
});
