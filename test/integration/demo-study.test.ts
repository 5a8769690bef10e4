import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardIndexSchema } from '../../src/core/attribution/dashboard-files';
import { selectBackend } from '../../src/core/backend';
import { loadRun } from '../../src/core/crosscoder/run-files';
import { featureDashboardSchema } from '../../src/shared/annotation';
import { attributionSummarySchema } from '../../src/shared/attribution';
import { selectTopFeatures } from '../../src/shared/lifecycle';
import { studyManifestFile, studyManifestSchema } from '../../src/shared/study';
import { demoRoot } from '../helpers/activation-fixtures';
import { createTmpDirs } from '../helpers/tmp-dir';

// The shipped demo study (resources/demo/study, built by scripts/make-demo-study.ts) is what the
// annotation workbench imports: every file it names must be there and readable by the app's schemas.

const repoRoot = join(demoRoot, '..', '..');
const shipped = join(demoRoot, 'study');

function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

/** Checks a study folder; returns what the checks found, for the caller's own expectations. */
async function checkStudy(dir: string, expected: { nFeatures: number; contexts: number }) {
  const manifest = studyManifestSchema.parse(JSON.parse(readFileSync(join(dir, studyManifestFile), 'utf8')));
  const revisions = manifest.revisions.map((r) => r.revision);
  const selected = new Set<number>();
  const tasks: string[] = [];
  for (const file of manifest.attributions) {
    const summary = attributionSummarySchema.parse(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    // The attribution service lists `<jobId>.json` files only.
    expect(basename(file)).toBe(`${summary.jobId}.json`);
    expect(existsSync(join(repoRoot, summary.taskFile)), summary.taskFile).toBe(true);
    const { result } = summary;
    expect(result.provenance.revisions.map((r) => r.revision)).toEqual(revisions);
    expect(result.provenance.layer).toBe(manifest.layer);
    expect(result.ie).toHaveLength(revisions.length);
    for (const row of result.ie) expect(row).toHaveLength(expected.nFeatures);
    expect(result.items).toHaveLength(result.n);
    for (const item of result.items!) {
      expect(item.top).toHaveLength(revisions.length);
      for (const top of item.top) expect(top.length).toBeLessThanOrEqual(10);
    }
    selectTopFeatures(result.ie, manifest.top).forEach((f) => selected.add(f));
    tasks.push(basename(summary.taskFile, '.jsonl'));
  }
  expect(manifest.dashboards).not.toBeNull();
  const dashboards = join(dir, manifest.dashboards!);
  const index = dashboardIndexSchema.parse(JSON.parse(readFileSync(join(dashboards, 'index.json'), 'utf8')));
  expect(index.revisions.map((r) => r.revision)).toEqual(revisions);
  expect(index.features.map((f) => f.feature).sort((a, b) => a - b)).toEqual(
    [...selected].sort((a, b) => a - b),
  );
  for (const entry of index.features) {
    const dashboard = featureDashboardSchema.parse(
      JSON.parse(readFileSync(join(dashboards, entry.file), 'utf8')),
    );
    expect(dashboard.feature).toBe(entry.feature);
    expect(dashboard.density).toBe(entry.density);
    // 20 top contexts unless the feature fires on fewer rows of the store than that.
    const active = Math.round(dashboard.density * dashboard.rows);
    expect(dashboard.topContexts).toHaveLength(Math.min(expected.contexts, active));
    expect(dashboard.checkpoints.map((c) => c.revision)).toEqual(revisions);
  }
  const run = await loadRun(dir);
  try {
    expect(run.config.nCheckpoints).toBe(revisions.length);
    expect(run.config.nFeatures).toBe(expected.nFeatures);
  } finally {
    run.crosscoder.dispose();
  }
  return { manifest, tasks, dashboards: index.features.length };
}

describe('the demo study', () => {
  const tmp = createTmpDirs('ctt-demo-study-');
  beforeAll(async () => {
    await selectBackend('wasm');
  });
  afterAll(() => tmp.cleanup());

  it('shipped in resources/demo/study: manifest, attributions with items, dashboards, loadable run, < 4 MB', async () => {
    const found = await checkStudy(shipped, { nFeatures: 256, contexts: 20 });
    expect(found.tasks).toEqual(['sv_pp_attractor.eng', 'det_noun.eng', 'sv_pp_attractor.fra']);
    expect(found.manifest.revisions.map((r) => r.revision)).toEqual(['step100', 'step400', 'step1600']);
    expect(found.dashboards).toBeGreaterThanOrEqual(10);
    // Only the final save's weights: no optimizer state, no activations.
    expect(readdirSync(join(shipped, 'saves'))).toHaveLength(1);
    const save = readdirSync(join(shipped, 'saves'))[0]!;
    expect(readdirSync(join(shipped, 'saves', save))).toEqual(['crosscoder.safetensors']);
    expect(folderBytes(shipped)).toBeLessThan(4_000_000);
  });

  it('is rebuilt by scripts/make-demo-study.ts (small settings) into a study of the same shape', async () => {
    const out = join(tmp.make(), 'study');
    const build = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        'scripts/make-demo-study.ts',
        ...['--out', out, '--features', '32', '--steps', '20', '--batch', '128'],
        ...['--tokens', '1500', '--pairs', '6', '--ig-steps', '2'],
      ],
      { cwd: repoRoot, encoding: 'utf8', env: { ...process.env, CTT_BACKEND: 'wasm' } },
    );
    expect(build.status, build.stderr).toBe(0);
    const found = await checkStudy(out, { nFeatures: 32, contexts: 20 });
    expect(found.tasks).toHaveLength(3);
  }, 120_000);
});
