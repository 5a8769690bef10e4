import { spawn } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createStore } from '../../src/main/store/store';
import { fieldsForRevision } from './fixtures/annotation-fields';
import { createTmpDirs } from '../helpers/tmp-dir';

// The durability promise of the annotation store: a revision acknowledged to the writer survives the
// process being killed with SIGKILL at any moment, and the database stays consistent.

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../..');
const writerScript = resolve(here, 'fixtures/annotation-writer.ts');
const tmp = createTmpDirs('ctt-crash-');
afterAll(() => tmp.cleanup());

interface WriterRun {
  featureId: number;
  annotatorId: number;
  startRevision: number;
  acks: { revision: number; id: number }[];
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Starts the writer, waits for `minAcks` acknowledgements, kills it with SIGKILL, returns what it said. */
function runWriterAndKill(dbPath: string, minAcks: number): Promise<WriterRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writerScript, dbPath], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const run: WriterRun = {
      featureId: 0,
      annotatorId: 0,
      startRevision: 0,
      acks: [],
      signal: null,
      stderr: '',
    };
    let buffer = '';
    let killed = false;
    const timeout = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`writer produced ${run.acks.length} acks before the timeout; stderr: ${run.stderr}`));
    }, 90_000);
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => (run.stderr += chunk));
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffer += chunk;
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        const [word, a, b, c] = line.split(' ');
        if (word === 'ready') {
          run.featureId = Number(a);
          run.annotatorId = Number(b);
          run.startRevision = Number(c);
        } else if (word === 'ack') {
          run.acks.push({ revision: Number(a), id: Number(b) });
        }
      }
      if (!killed && run.acks.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    // 'close' fires after stdout is drained, so every ack the writer managed to write is counted.
    child.on('close', (_code, signal) => {
      clearTimeout(timeout);
      run.signal = signal;
      resolvePromise(run);
    });
    child.on('error', reject);
  });
}

describe('annotations survive kill -9', () => {
  const dbPath = join(tmp.make(), 'workbench.sqlite');

  /** Reopens the killed writer's database and checks every acknowledged revision. */
  function verify(run: WriterRun): number {
    const store = createStore(dbPath);
    try {
      expect(store.db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(store.db.pragma('foreign_key_check')).toEqual([]);
      const history = store.annotations.history(run.featureId, run.annotatorId);
      // Contiguous 1..n.
      expect(history.map((r) => r.revision)).toEqual(history.map((_, i) => i + 1));
      const byRevision = new Map(history.map((r) => [r.revision, r]));
      for (const ack of run.acks) {
        const stored = byRevision.get(ack.revision);
        expect(stored, `acknowledged revision ${ack.revision}`).toBeDefined();
        expect(stored!.id).toBe(ack.id);
        expect(stored!.fields).toEqual(fieldsForRevision(ack.revision));
      }
      // At most one commit can land between the last ack and the kill; it is whole, too.
      const lastAck = run.acks.at(-1)!.revision;
      expect(history.length).toBeGreaterThanOrEqual(lastAck);
      expect(history.length).toBeLessThanOrEqual(lastAck + 1);
      for (const r of history) expect(r.fields).toEqual(fieldsForRevision(r.revision));
      expect(store.annotations.latest(run.featureId, run.annotatorId)?.revision).toBe(history.length);
      return history.length;
    } finally {
      store.close();
    }
  }

  it('keeps every acknowledged revision, contiguous and intact, across two kills', async () => {
    const first = await runWriterAndKill(dbPath, 200);
    expect(first.signal, first.stderr).toBe('SIGKILL');
    expect(first.startRevision).toBe(1);
    expect(first.acks.length).toBeGreaterThanOrEqual(200);
    expect(first.acks.map((a) => a.revision)).toEqual(first.acks.map((_, i) => i + 1));
    const afterFirst = verify(first);

    // The writer resumes on the recovered database from the next revision, and is killed again.
    const second = await runWriterAndKill(dbPath, 200);
    expect(second.signal, second.stderr).toBe('SIGKILL');
    expect(second.startRevision).toBe(afterFirst + 1);
    expect(second.acks[0]!.revision).toBe(afterFirst + 1);
    const afterSecond = verify(second);
    expect(afterSecond).toBeGreaterThanOrEqual(afterFirst + 200);
  });
});
