import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rawRequest } from './http';

// A real `ctt serve` in a child process (the command a user runs), for tests that kill it with SIGKILL
// or run two of them on one data folder.

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface ServeReply<T = unknown> {
  status: number;
  ok: boolean;
  value?: T;
  error?: { code: string; message: string; field?: string };
}

export interface ServeChild {
  child: ChildProcess;
  url: string;
  token: string;
  output(): string;
  /** POST /api/invoke/<channel> with the start token (or `token`). */
  invoke<T = unknown>(channel: string, input: unknown, token?: string): Promise<ServeReply<T>>;
  /** Resolves with the signal or exit code once the process is gone. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (the server cancels its jobs and closes the store), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `node bin/ctt.mjs serve --port 0 --data-dir <dataDir> …extra` and waits for the `Open:` line.
 * Rejects with the output when the process ends before printing it or after `timeoutMs`.
 */
export function startServeChild(
  dataDir: string,
  extra: string[] = [],
  options: { timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<ServeChild> {
  const child = spawn(
    process.execPath,
    ['bin/ctt.mjs', 'serve', '--port', '0', '--data-dir', dataDir, '--backend', 'wasm', ...extra],
    { cwd: repoRoot, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let text = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => (text += chunk));
  child.stderr!.on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.on('close', (code, signal) => done({ code, signal })),
  );
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`ctt serve did not start within ${options.timeoutMs ?? 30_000} ms:\n${text}`));
    }, options.timeoutMs ?? 30_000);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`ctt serve ended (code ${code}, signal ${signal}) before serving:\n${text}`));
    });
    const poll = setInterval(() => {
      const match = /Open: (http:\/\/[^/\s]+)\/\?token=(\S+)/.exec(text);
      if (match === null) return;
      clearInterval(poll);
      clearTimeout(timer);
      const url = match[1]!;
      const token = match[2]!;
      const kill = (signal: NodeJS.Signals) => {
        if (child.exitCode === null && child.signalCode === null) child.kill(signal);
        return exited;
      };
      resolvePromise({
        child,
        url,
        token,
        output: () => text,
        exited,
        async invoke<T>(channel: string, input: unknown, as = token): Promise<ServeReply<T>> {
          const response = await rawRequest(url, {
            method: 'POST',
            path: `/api/invoke/${channel}`,
            headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${as}` },
            body: JSON.stringify(input),
          });
          const json = JSON.parse(response.body) as Omit<ServeReply<T>, 'status'>;
          return { status: response.status, ...json };
        },
        kill9: () => kill('SIGKILL'),
        async stop(graceMs = 10_000) {
          const timerKill = setTimeout(() => kill('SIGKILL'), graceMs);
          const result = await kill('SIGTERM');
          clearTimeout(timerKill);
          return result;
        },
      });
    }, 20);
    void exited.then(() => clearInterval(poll));
  });
}

/** Calls `invoke` and throws with the error message unless it succeeded. */
export async function must<T>(reply: Promise<ServeReply<T>>, what: string): Promise<T> {
  const r = await reply;
  if (!r.ok) throw new Error(`${what}: ${r.status} ${r.error?.code}: ${r.error?.message}`);
  return r.value as T;
}
