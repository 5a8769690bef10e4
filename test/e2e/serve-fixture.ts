import { expect, test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface ServeProcess {
  /** Base URL without token, e.g. http://127.0.0.1:41234 */
  url: string;
  /** The URL `ctt serve` printed, carrying the token. */
  openUrl: string;
  token: string;
  dataDir: string;
  output: () => string;
}

export interface ServeOptions {
  /** Start `ctt serve --demo` (the demo study imported on start); checks the import was reported. */
  demo?: boolean;
  /** Serve this data folder; `stop` then leaves it in place. A fresh temp folder when left out. */
  dataDir?: string;
  /** Prefix of the fresh temp folder's name. */
  tmpPrefix?: string;
}

export interface ServeHandle {
  serve: ServeProcess;
  /** Ends the server (SIGTERM, SIGKILL after 10 s) and removes the data folder it created. */
  stop: () => Promise<void>;
  /** Ends the server only: SIGTERM (clean, SIGKILL after 10 s) or SIGKILL (as a crash). */
  kill: (signal?: 'SIGTERM' | 'SIGKILL') => Promise<void>;
}

/**
 * Starts the real `ctt serve` on a free port and reads the printed URL. Without options: a fresh data
 * folder, no demo study, 60 s to print the URL. With `demo`: `--demo`, 90 s, and the demo import checked.
 */
export async function startServe(options: ServeOptions = {}): Promise<ServeHandle> {
  const ownsDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), options.tmpPrefix ?? 'ctt-e2e-'));
  const demo = options.demo === true;
  const urlTimeoutMs = demo ? 90_000 : 60_000;
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/ctt.mjs', 'serve', ...(demo ? ['--demo'] : []), '--port', '0', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CTT_BACKEND: 'wasm' },
    },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ctt serve printed no URL in ${urlTimeoutMs / 1000} s:\n${output}`)),
      urlTimeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      output += d.toString();
      const match = /Open: (\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`ctt serve exited with ${code}:\n${output}`)));
  });
  if (demo) expect(output, 'the demo study is imported on start').toContain('Demo study: run');
  const parsed = new URL(openUrl);
  const serve: ServeProcess = {
    url: parsed.origin,
    openUrl,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    output: () => output,
  };
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  const kill = async (signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> => {
    if (!running()) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (running()) child.kill('SIGKILL');
  };
  const stop = async (): Promise<void> => {
    await kill('SIGTERM');
    if (ownsDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return { serve, stop, kill };
}

export const test = base.extend<object, { serve: ServeProcess }>({
  serve: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const { serve, stop } = await startServe();
      await use(serve);
      await stop();
    },
    { scope: 'worker' },
  ],
});
export { expect } from '@playwright/test';
