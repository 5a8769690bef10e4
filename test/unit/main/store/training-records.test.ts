import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pointsOfProgress, readRunMetricsFile } from '../../../../src/main/services/run-records';
import { createStore, type Store } from '../../../../src/main/store/store';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-training-records-');
let store: Store;
let runId: string;

beforeEach(() => {
  store = createStore(':memory:');
  const project = store.projects.create({ name: 'p', description: '' });
  runId = store.runs.create({
    id: 'r1',
    projectId: project.id,
    name: 'r',
    kind: 'crosscoder',
    config: {},
    dir: null,
  }).id;
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

describe('RunsRepository: job, outcome', () => {
  it('a new run has no job, error or result; setJob and setOutcome record them', () => {
    expect(store.runs.get(runId)).toMatchObject({ jobId: null, error: null, result: null });
    expect(store.runs.setJob(runId, 'job-1').jobId).toBe('job-1');
    const result = { evaluation: { mse: 0.5 } };
    expect(store.runs.setOutcome(runId, { status: 'finished', error: null, result })).toMatchObject({
      status: 'finished',
      error: null,
      result,
      jobId: 'job-1',
    });
    expect(store.runs.setOutcome(runId, { status: 'failed', error: 'boom', result: null })).toMatchObject({
      status: 'failed',
      error: 'boom',
      result: null,
    });
    expect(store.runs.listActive()).toEqual([]);
    store.runs.setStatus(runId, 'running');
    expect(store.runs.listActive().map((r) => r.id)).toEqual([runId]);
    expect(store.runs.find('nope')).toBeNull();
    expect(() => store.runs.setJob('nope', 'j')).toThrow(/No run/);
    expect(() => store.runs.setOutcome('nope', { status: 'failed', error: null, result: null })).toThrow(
      /No run/,
    );
  });
});

describe('MetricsRepository: latest, deleteAfter', () => {
  it('gives the latest value of each metric and the highest step; drops points after a step', () => {
    expect(store.metrics.latest(runId)).toEqual({ step: 0, values: {} });
    store.metrics.append(runId, [
      { step: 1, name: 'loss', value: 3 },
      { step: 2, name: 'loss', value: 2 },
      { step: 1, name: 'l0', value: 9 },
      { step: 3, name: 'mse', value: 1 },
    ]);
    expect(store.metrics.latest(runId)).toEqual({ step: 3, values: { loss: 2, l0: 9, mse: 1 } });
    expect(store.metrics.deleteAfter(runId, 1)).toBe(2);
    expect(store.metrics.latest(runId)).toEqual({ step: 1, values: { loss: 3, l0: 9 } });
  });
});

describe('run metric points', () => {
  it('takes the chart metrics of a progress snapshot at its run step', () => {
    expect(
      pointsOfProgress({ runStep: 4, loss: 1, mse: 0.5, l1: 2, l0: 3, deadFraction: 0, other: 7 }),
    ).toEqual([
      { step: 4, name: 'loss', value: 1 },
      { step: 4, name: 'mse', value: 0.5 },
      { step: 4, name: 'l1', value: 2 },
      { step: 4, name: 'l0', value: 3 },
      { step: 4, name: 'deadFraction', value: 0 },
    ]);
    expect(pointsOfProgress({ loss: 1 })).toEqual([]);
    expect(pointsOfProgress({ runStep: 0, loss: 1 })).toEqual([]);
    expect(pointsOfProgress({ runStep: 2, loss: Number.NaN, mse: 1 })).toEqual([
      { step: 2, name: 'mse', value: 1 },
    ]);
  });

  it('reads metrics.jsonl, skipping a cut-off line, thinned to every k-th step and the last', () => {
    const dir = tmp.make();
    expect(readRunMetricsFile(dir)).toEqual([]);
    const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify({ step: i + 1, loss: i, mse: 1 }));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), `${lines.join('\n')}\n{"step": 11, "lo`);
    const all = readRunMetricsFile(dir);
    expect(all.filter((p) => p.name === 'loss').map((p) => p.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const thinned = readRunMetricsFile(dir, 4);
    expect(thinned.filter((p) => p.name === 'loss').map((p) => p.step)).toEqual([3, 6, 9, 10]);
  });
});
