import { test as base } from '@playwright/test';
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

/** Starts the real `ctt serve` on a free port with a fresh data folder and reads the printed URL. */
export async function startServe(): Promise<{ serve: ServeProcess; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ctt-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['bin/ctt.mjs', 'serve', '--port', '0', '--data-dir', dataDir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, CTT_BACKEND: 'wasm' },
    },
  );
  let output = '';
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ctt serve printed no URL in 60 s:\n${output}`)), 60_000);
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
  const parsed = new URL(openUrl);
  const serve: ServeProcess = {
    url: parsed.origin,
    openUrl,
    token: parsed.searchParams.get('token') ?? '',
    dataDir,
    output: () => output,
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { serve, stop };
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
