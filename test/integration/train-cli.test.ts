import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeActivationsFile } from '../../src/core/activations/activations-file';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { makeDictionary, sampleBatch } from '../helpers/synthetic-crosscoder-data';
import { createTmpDirs } from '../helpers/tmp-dir';

// `ctt train` killed with SIGKILL mid-run resumes from its last save and ends with the weights of an
// uninterrupted run; `ctt evaluate` and `ctt crosscoder loss` read the result.
const env = { ...process.env, CTT_BACKEND: 'wasm' };
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], { encoding: 'utf8', env });

describe('ctt train / evaluate / crosscoder loss', () => {
  const tmp = createTmpDirs();
  afterAll(() => tmp.cleanup());

  it('resumes after kill -9 to the same weights as an uninterrupted run', async () => {
    const dir = tmp.make();
    const acts = join(dir, 'acts.safetensors');
    const dict = makeDictionary({ dModel: 8, only0: 3, only1: 3, shared: 6, seed: 4 });
    await writeActivationsFile(acts, { acts_NMD: sampleBatch(dict, 4096, 11), nCheckpoints: 2, dModel: 8 });
    const args = (out: string) => [
      'train',
      '--acts',
      acts,
      '--features',
      '32',
      '--steps',
      '1500',
      '--batch',
      '64',
      '--lr',
      '1e-2',
      '--lambda',
      '0.05',
      '--save-every',
      '100',
      '--out',
      out,
    ];

    const straight = join(dir, 'straight');
    const run = ctt(args(straight));
    expect(run.status, run.stderr).toBe(0);

    const killed = join(dir, 'killed');
    const child = spawn(process.execPath, ['bin/ctt.mjs', ...args(killed)], { env, stdio: 'ignore' });
    const savedStep = (): number => {
      const file = join(killed, 'config.json');
      return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { step: number }).step : 0;
    };
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (savedStep() >= 300) {
          clearInterval(timer);
          child.kill('SIGKILL');
          resolve();
        }
      }, 10);
      child.once('exit', () => {
        clearInterval(timer);
        reject(new Error('training finished before it could be killed'));
      });
    });
    await new Promise((r) => child.once('exit', r));
    const stepAtKill = savedStep();
    expect(stepAtKill).toBeGreaterThanOrEqual(300);
    expect(stepAtKill).toBeLessThan(1500);

    const resumed = ctt(args(killed));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(new RegExp(`resumed at step ${stepAtKill}`));

    const [a, b] = await Promise.all(
      [straight, killed].map((d) => readSafetensors(join(d, 'crosscoder.safetensors'))),
    );
    for (const name of ['W_enc', 'W_dec', 'b_enc', 'b_dec', 'scale']) {
      const x = a!.get(name)!.data;
      const y = b!.get(name)!.data;
      expect(Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!))), name).toBeLessThan(1e-6);
    }
    const steps = readFileSync(join(killed, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { step: number }).step);
    expect(steps).toEqual(Array.from({ length: 1500 }, (_, i) => i + 1));

    const loss = JSON.parse(
      ctt(['crosscoder', 'loss', '--run', killed, '--acts', acts, '--json']).stdout,
    ) as Record<string, number>;
    expect(Object.keys(loss).sort()).toEqual(['l0', 'l1', 'loss', 'mse']);
    expect(loss.loss).toBeCloseTo(loss.mse! + 0.05 * loss.l1!, 5);
    const evaluation = JSON.parse(ctt(['evaluate', killed, '--acts', acts, '--json']).stdout) as {
      tokens: number;
      explainedVariance: number;
      relDecHistogram: number[][];
    };
    expect(evaluation.tokens).toBe(4096);
    expect(evaluation.explainedVariance).toBeGreaterThan(0.8);
    expect(evaluation.relDecHistogram).toHaveLength(2);
  });

  it('refuses a resume with different settings and a config out of range, naming the field', async () => {
    const dir = tmp.make();
    const acts = join(dir, 'acts.safetensors');
    const dict = makeDictionary({ dModel: 8, only0: 1, only1: 1, shared: 2, seed: 5 });
    await writeActivationsFile(acts, { acts_NMD: sampleBatch(dict, 256, 1), nCheckpoints: 2, dModel: 8 });
    const out = join(dir, 'run');
    expect(
      ctt(['train', '--acts', acts, '--features', '16', '--steps', '5', '--batch', '32', '--out', out])
        .status,
    ).toBe(0);
    const other = ctt([
      'train',
      '--acts',
      acts,
      '--features',
      '24',
      '--steps',
      '5',
      '--batch',
      '32',
      '--out',
      out,
    ]);
    expect(other.status).toBe(1);
    expect(other.stderr).toMatch(/saved run has nFeatures = 16, this one 24/);
    const bad = ctt([
      'train',
      '--acts',
      acts,
      '--type',
      'batchtopk',
      '--k',
      '40',
      '--features',
      '16',
      '--steps',
      '5',
      '--batch',
      '32',
      '--out',
      join(dir, 'bad'),
    ]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/k = 40 exceeds the number of features 16/);
    expect(existsSync(join(dir, 'bad', 'config.json'))).toBe(false);
  });
});
