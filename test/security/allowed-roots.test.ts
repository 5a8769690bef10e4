import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import { defaultPathPolicy, pathOutsideRoots } from '../../src/main/services/path-policy';
import { createFakeExecutor } from '../helpers/fake-executor';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createTmpDirs } from '../helpers/tmp-dir';

// Paths in requests from the adapters (IPC, HTTP) must lie inside the allowed roots: the data folder,
// the app's folder, home, the temporary folder and CTT_ALLOWED_ROOTS. System trees are refused before
// any handler runs, also through a symbolic link placed inside a root.
const tmp = createTmpDirs();
const workbenches: Workbench[] = [];
afterAll(async () => {
  for (const w of workbenches) await w.close();
  tmp.cleanup();
});

function open(): Workbench {
  const workbench = createWorkbench({
    dataDir: tmp.make(),
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    demoStudyDir: null,
  });
  workbenches.push(workbench);
  return workbench;
}

const owner = { transport: 'http' as const };

describe('allowed roots for paths in requests', () => {
  const outsideCalls: Array<[string, Record<string, unknown>, string]> = [
    ['features:importStudy', { dir: '/etc' }, 'input.dir'],
    ['bundle:preview', { path: '/etc/hostname' }, 'input.path'],
    ['bundle:merge', { path: '/proc/self/environ' }, 'input.path'],
    ['export:write', { runId: 'r', format: 'csv', path: '/etc/ctt-export.csv' }, 'input.path'],
    ['import:annotationsCsv', { runId: 'r', annotatorId: 1, path: '/etc/passwd' }, 'input.path'],
  ];

  it.each(outsideCalls)('%s refuses a system path, naming the field', async (channel, input, field) => {
    const result = await open().invoke(channel, input, owner);
    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', field } });
    if (!result.ok) expect(result.error.message).toContain('outside the folders the workbench may use');
  });

  it('refuses a link inside a root that points outside, and accepts a path in the temporary folder', async () => {
    const workbench = open();
    const dir = tmp.make();
    const link = join(dir, 'etc-link');
    symlinkSync('/etc', link);
    const refused = await workbench.invoke('bundle:preview', { path: join(link, 'hostname') }, owner);
    expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_input', field: 'input.path' } });
    // Inside a root the call reaches its handler (which refuses a file that is not a bundle).
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'not a bundle');
    const reached = await workbench.invoke('bundle:preview', { path: file }, owner);
    expect(reached.ok).toBe(false);
    if (!reached.ok) expect(reached.error.message).not.toContain('outside the folders');
  });

  it('adds the folders of CTT_ALLOWED_ROOTS and checks nested path keys', () => {
    const extra = tmp.make();
    mkdirSync(join(extra, 'models'));
    const policy = defaultPathPolicy({
      dataDir: tmp.make(),
      appDir: null,
      env: { CTT_ALLOWED_ROOTS: '/etc' },
    });
    expect(pathOutsideRoots({ source: { kind: 'folder', path: '/etc/hosts' } }, policy)).toBeNull();
    const strict = defaultPathPolicy({ dataDir: extra, appDir: null, env: { CTT_ALLOWED_ROOTS: '' } });
    expect(pathOutsideRoots({ source: { kind: 'folder', path: '/etc/hosts' } }, strict)).toEqual({
      field: 'input.source.path',
      path: '/etc/hosts',
    });
    expect(pathOutsideRoots({ source: { path: join(extra, 'models') } }, strict)).toBeNull();
  });
});
