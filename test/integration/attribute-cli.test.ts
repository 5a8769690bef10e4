import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTmpDirs } from '../helpers/tmp-dir';

// Demo family end to end through the CLI: extract → train → attribute → lifecycle (2 checkpoints).
const env = { ...process.env, CTT_BACKEND: 'wasm' };
const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], { encoding: 'utf8', env });
const family = 'resources/demo/models/demo-lm';

describe('ctt attribute, lifecycle and dashboards on the demo family', () => {
  const tmp = createTmpDirs();
  afterAll(() => tmp.cleanup());

  it('writes signed IE [M][F] with provenance, and lifecycle categories for the selected features', () => {
    const dir = tmp.make();
    const acts = join(dir, 'acts');
    const run = join(dir, 'run');
    const ie = join(dir, 'ie.json');
    const steps = [
      [
        'extract',
        '--model',
        family,
        '--revisions',
        'step200,step1600',
        '--layer',
        '1',
        '--tokens',
        '3000',
        '--out',
        acts,
      ],
      [
        'train',
        '--acts',
        acts,
        '--features',
        '128',
        '--steps',
        '150',
        '--batch',
        '256',
        '--lr',
        '2e-3',
        '--lambda',
        '1',
        '--out',
        run,
      ],
      [
        'attribute',
        '--run',
        run,
        '--model',
        family,
        '--revisions',
        'step200,step1600',
        '--layer',
        '1',
        '--task',
        'resources/demo/tasks/sv_pp_attractor.eng.jsonl',
        '--limit',
        '16',
        '--out',
        ie,
      ],
    ];
    for (const args of steps) {
      const result = ctt(args);
      expect(result.status, `${args[0]}: ${result.stderr}`).toBe(0);
    }
    const file = JSON.parse(readFileSync(ie, 'utf8')) as {
      ie: number[][];
      items: {
        item: number;
        good: string;
        metricClean: number[];
        top: { feature: number; ie: number }[][];
      }[];
      n: number;
      isComplete: boolean;
      provenance: {
        method: string;
        steps: number;
        revisions: { revision: string; tokensSeen: number | null }[];
        threshold: number | null;
      };
    };
    expect(file.ie).toHaveLength(2);
    expect(file.ie[0]).toHaveLength(128);
    expect(file.n).toBe(16);
    expect(file.isComplete).toBe(true);
    // Per pair, from the same pass: top features by |IE| per checkpoint.
    expect(file.items).toHaveLength(16);
    for (const item of file.items) {
      expect(item.good.length).toBeGreaterThan(0);
      expect(item.metricClean).toHaveLength(2);
      for (const top of item.top) {
        expect(top.length).toBeLessThanOrEqual(10);
        const sizes = top.map((x) => Math.abs(x.ie));
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      }
    }
    expect(file.provenance).toMatchObject({ method: 'ig', steps: 10, threshold: null });
    expect(file.provenance.revisions).toEqual([
      { revision: 'step200', tokensSeen: 200 * 512 },
      { revision: 'step1600', tokensSeen: 1600 * 512 },
    ]);

    const lifecycle = ctt(['lifecycle', '--ie', ie, '--top', '5', '--json']);
    expect(lifecycle.status, lifecycle.stderr).toBe(0);
    const selected = JSON.parse(lifecycle.stdout) as {
      feature: number;
      ie: number[];
      relIE: number | null;
      category: string;
    }[];
    expect(selected.length).toBeGreaterThan(0);
    expect(selected.length).toBeLessThanOrEqual(10);
    for (const s of selected) {
      expect(s.ie).toEqual([file.ie[0]![s.feature], file.ie[1]![s.feature]]);
      expect(s.relIE).toBeCloseTo(Math.abs(s.ie[1]!) / (Math.abs(s.ie[0]!) + Math.abs(s.ie[1]!)), 10);
      expect(['emerged', 'maintained', 'discontinued']).toContain(s.category);
    }
    // Dashboards for the selected features, from the same store and run.
    const dash = join(dir, 'dash');
    const dashboards = ctt([
      'dashboards',
      '--run',
      run,
      '--acts',
      acts,
      '--features',
      'selected',
      '--ie',
      ie,
      '--top',
      '5',
      '--out',
      dash,
    ]);
    expect(dashboards.status, dashboards.stderr).toBe(0);
    const index = JSON.parse(readFileSync(join(dash, 'index.json'), 'utf8')) as {
      features: { feature: number; file: string }[];
      rows: number;
    };
    expect(index.features.map((x) => x.feature)).toEqual(selected.map((x) => x.feature));
    for (const entry of index.features) {
      const d = JSON.parse(readFileSync(join(dash, entry.file), 'utf8')) as {
        rows: number;
        density: number;
        histogram: { counts: number[] };
        topContexts: {
          activation: number;
          position: number;
          tokens: { activation: number | null; isCenter: boolean }[];
        }[];
        quantiles: { low: number; high: number }[];
        checkpoints: { relDec: number; topLogits: { value: number }[]; bottomLogits: { value: number }[] }[];
      };
      expect(d.histogram.counts.reduce((a, b) => a + b, 0)).toBe(Math.round(d.density * d.rows));
      expect(d.topContexts.length).toBeLessThanOrEqual(20);
      const top = d.topContexts.map((c) => c.activation);
      expect(top).toEqual([...top].sort((a, b) => b - a));
      for (const c of d.topContexts) {
        expect(c.tokens.length).toBeLessThanOrEqual(11);
        expect(c.tokens.find((t) => t.isCenter)!.activation).toBe(c.activation);
      }
      for (let q = 1; q < d.quantiles.length; q++)
        expect(d.quantiles[q]!.low).toBeGreaterThanOrEqual(d.quantiles[q - 1]!.low);
      expect(d.checkpoints).toHaveLength(2);
      expect(d.checkpoints[0]!.relDec + d.checkpoints[1]!.relDec).toBeCloseTo(1, 6);
      for (const c of d.checkpoints)
        expect(c.topLogits[0]!.value).toBeGreaterThanOrEqual(c.bottomLogits[0]!.value);
    }

    const ablation = ctt([
      'ablation',
      '--run',
      run,
      '--model',
      family,
      '--revisions',
      'step200,step1600',
      '--layer',
      '1',
      '--task',
      'resources/demo/tasks/sv_pp_attractor.eng.jsonl',
      '--limit',
      '16',
      '--ie',
      ie,
      '--top',
      '5',
      '--json',
    ]);
    expect(ablation.status, ablation.stderr).toBe(0);
    const check = JSON.parse(ablation.stdout) as {
      n: number;
      features: { share: number[] | null }[];
      spearmanRelIE: number | null;
    };
    expect(check.n).toBe(16);
    expect(check.features).toHaveLength(selected.length);
    expect(check.spearmanRelIE === null || Math.abs(check.spearmanRelIE) <= 1).toBe(true);

    const bad = ctt(['lifecycle', '--ie', ie, '--low', '0.8', '--high', '0.2', '--json']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/0 ≤ low < high ≤ 1/);
    const wrongCount = ctt([
      'attribute',
      '--run',
      run,
      '--model',
      family,
      '--revisions',
      'step200',
      '--layer',
      '1',
      '--task',
      'resources/demo/tasks/det_noun.eng.jsonl',
      '--out',
      join(dir, 'x.json'),
    ]);
    expect(wrongCount.stderr).toMatch(/crosscoder over 2 checkpoints; --revisions names 1/);
  });
});
