import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { nativeAddonStatus } from '../../../src/core/native/native-addon';

// Cancelling a job terminates its worker thread, possibly in the middle of a native training step. The
// process must survive that (it once aborted on a C++ throw during shutdown, then crashed in OpenMP's
// pool threads after Node unloaded the worker's addon). Runs in a child so a crash fails one test.

const status = nativeAddonStatus();
const script = (path: string) => `
const { Worker } = require('node:worker_threads');
const code = \`
const { parentPort } = require('node:worker_threads');
const addon = require(${JSON.stringify(path)});
const s = new addon.CrosscoderSession({ nCheckpoints: 3, dModel: 256, nFeatures: 2048, batchSize: 2048, type: 'l1', memoryLimitBytes: 4e9 });
const x = new Float32Array(2048 * 3 * 256).fill(0.5);
const o = { learningRate: 1e-4, lambda: 1, k: 32, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 1, auxkAlpha: 0.03, isDead: null };
s.step(x, o);
parentPort.postMessage('stepping');
for (;;) s.step(x, o);
\`;
let rounds = 0;
const next = () => {
  const w = new Worker(code, { eval: true });
  w.once('message', () => setTimeout(() => w.terminate().then(() => (++rounds < 3 ? next() : console.log('survived'))), 50 + 100 * rounds));
};
next();
`;

describe('native engine in a worker thread', () => {
  it.skipIf(!status.ok)('survives the worker being terminated mid-step, three times', () => {
    const path = status.ok ? status.path : '';
    const run = spawnSync(process.execPath, ['-e', script(path)], { encoding: 'utf8', timeout: 120_000 });
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('survived');
  });
});
