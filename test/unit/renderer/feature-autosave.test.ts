import { describe, expect, it } from 'vitest';
import { AutosaveScheduler, type SaveFailure, type SaveState } from '../../../src/renderer/features/autosave';
import { classifySaveError } from '../../../src/renderer/features/save-errors';

/** Manual timers and a scripted server: every save waits until the test settles it. */
function harness(firstRevision = 0) {
  const timers = new Map<number, () => void>();
  let nextTimer = 1;
  const states: SaveState[] = [];
  const saved: Array<{ record: string; previous: string | null; revision: number }> = [];
  const calls: Array<{
    record: string;
    base: number;
    resolve: (r: number) => void;
    reject: (e: unknown) => void;
  }> = [];
  const scheduler = new AutosaveScheduler<string>(
    {
      save: (record, base) =>
        new Promise((resolve, reject) =>
          calls.push({
            record,
            base,
            resolve: (revision) => resolve({ revision, createdAt: '2025-01-01T12:01:33Z' }),
            reject,
          }),
        ),
      classify: classifySaveError,
      onState: (s) => states.push(s),
      onSaved: (s, record, previous) => saved.push({ record, previous, revision: s.revision }),
      setTimer: (run) => {
        timers.set(nextTimer, run);
        return nextTimer++;
      },
      clearTimer: (h) => timers.delete(h as number),
    },
    firstRevision,
    firstRevision === 0 ? null : 'stored',
  );
  const fireTimers = (): void => {
    const all = [...timers.values()];
    timers.clear();
    all.forEach((run) => run());
  };
  const tick = () => new Promise((r) => setTimeout(r, 0));
  return { scheduler, states, saved, calls, timers, fireTimers, tick };
}

const apiError = (code: string, field?: string) => ({ error: { code, message: `${code} happened`, field } });

describe('autosave scheduler', () => {
  it('debounces a burst of edits into one save from the base revision', async () => {
    const h = harness(3);
    h.scheduler.change('a');
    h.scheduler.change('ab');
    h.scheduler.change('abc');
    expect(h.timers.size).toBe(1);
    expect(h.calls).toHaveLength(0);
    h.fireTimers();
    expect(h.calls).toEqual([expect.objectContaining({ record: 'abc', base: 3 })]);
    h.calls[0]!.resolve(4);
    await h.tick();
    expect(h.saved).toEqual([{ record: 'abc', previous: 'stored', revision: 4 }]);
    expect(h.states.at(-1)).toEqual({ kind: 'saved', revision: 4, savedAt: '2025-01-01T12:01:33Z' });
    expect(h.scheduler.revision).toBe(4);
  });

  it('runs one save at a time; an edit during a save goes next from the new revision', async () => {
    const h = harness();
    h.scheduler.change('one');
    const first = h.scheduler.flush();
    h.scheduler.change('two');
    const second = h.scheduler.flush();
    expect(h.calls).toHaveLength(1);
    h.calls[0]!.resolve(1);
    await h.tick();
    expect(h.calls).toHaveLength(2);
    expect(h.calls[1]).toMatchObject({ record: 'two', base: 1 });
    h.calls[1]!.resolve(2);
    expect(await first).toBe(true);
    expect(await second).toBe(true);
    expect(h.saved.map((s) => s.previous)).toEqual([null, 'one']);
  });

  it('holds a conflict: no more saves until rebased, then saves mine over theirs', async () => {
    const h = harness(2);
    h.scheduler.change('mine');
    const flushed = h.scheduler.flush();
    h.calls[0]!.reject(apiError('conflict'));
    expect(await flushed).toBe(false);
    expect(h.states.at(-1)).toEqual({
      kind: 'failed',
      failure: { kind: 'conflict', message: 'conflict happened' },
    });
    h.scheduler.change('mine, more');
    expect(await h.scheduler.flush()).toBe(false);
    expect(h.calls).toHaveLength(1);
    const kept = h.scheduler.rebase(5, 'mine, more', 'theirs', true);
    await h.tick();
    expect(h.calls[1]).toMatchObject({ record: 'mine, more', base: 5 });
    h.calls[1]!.resolve(6);
    expect(await kept).toBe(true);
    expect(h.saved.at(-1)).toEqual({ record: 'mine, more', previous: 'theirs', revision: 6 });
  });

  it('takes theirs without saving', async () => {
    const h = harness(2);
    h.scheduler.change('mine');
    void h.scheduler.flush();
    h.calls[0]!.reject(apiError('conflict'));
    await h.tick();
    expect(await h.scheduler.rebase(5, 'theirs', 'theirs', false)).toBe(true);
    expect(h.calls).toHaveLength(1);
    expect(h.scheduler.revision).toBe(5);
    expect(h.scheduler.hasPending).toBe(false);
  });

  it('drops an invalid record, names its field, and saves the next edit', async () => {
    const h = harness();
    h.scheduler.change('bad');
    const flushed = h.scheduler.flush();
    h.calls[0]!.reject(apiError('invalid_input', 'input.fields.interpretability'));
    expect(await flushed).toBe(false);
    const last = h.states.at(-1) as { kind: 'failed'; failure: SaveFailure };
    expect(last.failure).toEqual({
      kind: 'invalid',
      message: 'invalid_input happened',
      field: 'input.fields.interpretability',
    });
    expect(h.scheduler.hasPending).toBe(false);
    h.scheduler.change('good');
    const again = h.scheduler.flush();
    h.calls[1]!.resolve(1);
    expect(await again).toBe(true);
  });

  it('keeps the edit and retries on its own while the server is unreachable', async () => {
    const h = harness();
    h.scheduler.change('typed');
    const flushed = h.scheduler.flush();
    h.calls[0]!.reject(new Error('fetch failed'));
    expect(await flushed).toBe(false);
    expect(h.scheduler.hasPending).toBe(true);
    expect(h.timers.size).toBe(1);
    h.fireTimers();
    await h.tick();
    expect(h.calls[1]).toMatchObject({ record: 'typed', base: 0 });
    h.calls[1]!.resolve(1);
    await h.tick();
    expect(h.states.at(-1)).toMatchObject({ kind: 'saved', revision: 1 });
  });

  it('hands the pending edit to an unload path once, and stops after a vanished feature', async () => {
    const h = harness(7);
    h.scheduler.change('last words');
    expect(h.scheduler.takePending()).toEqual({ record: 'last words', baseRevision: 7 });
    expect(h.scheduler.takePending()).toBeNull();
    expect(h.timers.size).toBe(0);
    h.scheduler.change('x');
    const flushed = h.scheduler.flush();
    h.calls[0]!.reject(apiError('not_found'));
    expect(await flushed).toBe(false);
    h.scheduler.change('y');
    await h.scheduler.flush();
    expect(h.calls).toHaveLength(1);
  });
});
