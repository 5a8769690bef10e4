import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { attributedItems, metricItemsOf, topFeaturesOf } from '../../../../src/core/attribution/attribute';
import {
  dashboardIndexSchema,
  readDashboardIndex,
  writeDashboardFiles,
} from '../../../../src/core/attribution/dashboard-files';
import type { FeatureDashboard } from '../../../../src/core/attribution/dashboards';
import type { MinimalPair } from '../../../../src/core/tasks/minimal-pair';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const pair = (i: number, good: string, bad: string): MinimalPair => ({
  id: `t:${i}`,
  taskName: 't',
  source: 'blimp',
  language: 'eng',
  prefix: 'the cat',
  goodAnswer: good,
  badAnswer: bad,
  sentenceGood: `the cat${good} .`,
  sentenceBad: `the cat${bad} .`,
  line: i + 1,
  file: 't.jsonl',
});

describe('per-item IE records', () => {
  it('ranks features by |IE| (ties by index) and leaves zeros out', () => {
    expect(topFeaturesOf(Float32Array.of(0.5, -2, 0, 2, 0.1), 3)).toEqual([
      { feature: 1, ie: -2 },
      { feature: 3, ie: 2 },
      { feature: 0, ie: 0.5 },
    ]);
    expect(topFeaturesOf([0, 0, -1], 10)).toEqual([{ feature: 2, ie: -1 }]);
  });

  it('names each item by its index among the pairs read, skipping pairs with no differing position', () => {
    // Characters as tokens: " is" / " is!" never differ at one position (one is a prefix of the other).
    const encode = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
    const pairs = [pair(0, ' is', ' are'), pair(1, ' is', ' is!'), pair(2, ' was', ' were')];
    const { items, pairIndices, dropped } = metricItemsOf(pairs, encode);
    expect(items).toHaveLength(2);
    expect(pairIndices).toEqual([0, 2]);
    expect(dropped).toBe(1);
    const records = attributedItems(
      pairs,
      pairIndices,
      pairIndices.map((_, j) => ({ metricClean: [j, -j], top: [[{ feature: j, ie: 1 }], []] })),
    );
    expect(records.map((r) => [r.item, r.good, r.bad])).toEqual([
      [0, 'the cat is .', 'the cat are .'],
      [2, 'the cat was .', 'the cat were .'],
    ]);
    expect(records[1]!.metricClean).toEqual([1, -1]);
    expect(() => attributedItems(pairs, pairIndices, [])).toThrow(/0 item results for 2/);
  });
});

describe('dashboard files', () => {
  const tmp = createTmpDirs();
  afterAll(() => tmp.cleanup());
  const dashboard = (feature: number, density: number): FeatureDashboard => ({
    feature,
    rows: 10,
    density,
    maxActivation: 1,
    histogram: { edges: [0, 1], counts: [1] },
    topContexts: [],
    quantiles: [],
    checkpoints: [],
  });
  const source = (revisions: string[]) => ({
    run: 'run',
    acts: 'acts',
    revisions: revisions.map((revision) => ({ revision, tokensSeen: null })),
    layer: 1,
  });

  it('merges with an index of the same checkpoints, replaces one of others, and leaves no temp files', () => {
    const dir = join(tmp.make(), 'dashboards');
    writeDashboardFiles(dir, [dashboard(4, 0.1), dashboard(2, 0.2)], source(['a', 'b']));
    const merged = writeDashboardFiles(dir, [dashboard(7, 0.3), dashboard(2, 0.5)], source(['a', 'b']));
    expect(merged.features.map((f) => [f.feature, f.density])).toEqual([
      [4, 0.1],
      [2, 0.5],
      [7, 0.3],
    ]);
    expect(dashboardIndexSchema.parse(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')))).toEqual(
      merged,
    );
    expect(JSON.parse(readFileSync(join(dir, 'feature-2.json'), 'utf8'))).toMatchObject({ density: 0.5 });
    expect(readdirSync(dir).sort()).toEqual([
      'feature-2.json',
      'feature-4.json',
      'feature-7.json',
      'index.json',
    ]);
    const other = writeDashboardFiles(dir, [dashboard(1, 0.4)], source(['a', 'c']));
    expect(other.features.map((f) => f.feature)).toEqual([1]);
    expect(readDashboardIndex(dir)?.features.map((f) => f.feature)).toEqual([1]);
    // An unreadable index is replaced, not merged.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.json'), '{');
    expect(readDashboardIndex(dir)).toBeNull();
    expect(writeDashboardFiles(dir, [dashboard(3, 0)], source(['a', 'c'])).features).toHaveLength(1);
  });
});
