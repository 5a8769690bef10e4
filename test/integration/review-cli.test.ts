import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvTable } from '../../src/core/review/csv-reader';
import { exportColumns } from '../../src/core/review/export-table';
import { createWorkbench, databasePath, type Workbench } from '../../src/main/workbench';
import type { AttributionIndex, FeatureQueuePage } from '../../src/shared/annotation';
import type { RequestOutput } from '../../src/shared/contract';
import { fieldsOf } from '../helpers/review-fixtures';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import { createTmpDirs } from '../helpers/tmp-dir';

// The demo study end to end: imported through the contract, annotated by two annotators through the
// services, then `ctt export` in every format, `ctt import-annotations`, `ctt bundle export`, and
// `ctt serve --project BUNDLE` answering the Features page's calls from the bundle alone.

const ctt = (args: string[]) =>
  spawnSync(process.execPath, ['bin/ctt.mjs', ...args], {
    encoding: 'utf8',
    env: { ...process.env, CTT_BACKEND: 'wasm' },
  });

const tmp = createTmpDirs('ctt-review-cli-');
let dataDir: string;
let database: string;
let runId: string;
let attributions: AttributionIndex[];
let selected: number;

beforeAll(async () => {
  dataDir = tmp.make();
  database = databasePath(dataDir);
  const workbench: Workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    demoCorpusFile: null,
  });
  try {
    const invoke = async <T>(channel: string, input: unknown): Promise<T> => {
      const result = await workbench.invoke(channel, input, { transport: 'cli' });
      if (!result.ok) throw new Error(`${channel}: ${result.error.message}`);
      return result.value as T;
    };
    const study = await invoke<RequestOutput<'features:importStudy'>>('features:importStudy', {});
    runId = study.runId;
    attributions = await invoke<AttributionIndex[]>('features:attributions', { runId });
    const newest = attributions[0]!;
    selected = newest.selected;
    const ada = await invoke<{ id: number }>('annotators:create', { name: 'ada' });
    const bob = await invoke<{ id: number }>('annotators:create', { name: 'bob' });
    const page = await invoke<FeatureQueuePage>('features:queue', {
      runId,
      annotatorId: ada.id,
      sort: 'index',
      direction: 'asc',
    });
    for (const [k, item] of page.items.slice(0, 4).entries()) {
      for (const [annotator, delta] of [
        [ada.id, 0],
        [bob.id, 0.2],
      ] as const)
        await invoke('annotations:save', {
          featureId: item.featureId,
          annotatorId: annotator,
          fields: fieldsOf({
            description: `feature #${item.index}: agreement_${k} & 100% {x}`,
            interpretability: 0.5 + delta,
            complexity: 0.25,
            languages: [{ code: 'eng', isTentative: k % 2 === 1, isCustom: false }],
          }),
        });
    }
  } finally {
    await workbench.close();
  }
}, 120_000);
afterAll(() => tmp.cleanup());

describe('ctt export on the demo study', () => {
  for (const format of ['csv', 'jsonl', 'latex', 'md'] as const)
    it(`writes ${format}`, () => {
      const out = join(tmp.make(), `table.${format}`);
      const run = ctt(['export', '--project', database, '--run', runId, '--format', format, '--out', out]);
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`Wrote ${selected} feature row(s)`);
      const text = readFileSync(out, 'utf8');
      if (format === 'jsonl') {
        const lines = text.trim().split('\n');
        expect(lines).toHaveLength(selected + 1);
        expect(JSON.parse(lines[0]!)).toMatchObject({
          type: 'provenance',
          provenance: { model: 'demo-lm', layer: 1, annotators: ['ada', 'bob'] },
        });
        return;
      }
      expect(text).toContain('model: demo-lm');
      expect(text).toContain(
        'revisions: step100 (51200 tokens seen), step400 (204800 tokens seen), step1600 (819200 tokens seen)',
      );
      expect(text).toMatch(/run config hash: sha256:[0-9a-f]{64}/);
      if (format === 'csv') {
        const table = readCsvTable(readFileSync(out), exportColumns(attributions[0]!.revisions, false));
        expect(table.rows).toHaveLength(selected);
        const annotated = table.rows.filter((r) => r.record === 'consensus');
        expect(annotated).toHaveLength(4);
        expect(annotated[0]).toMatchObject({ annotators: 'ada; bob', n_annotators: 2 });
        expect(annotated[0]!.interpretability).toBeCloseTo(0.6, 12);
        expect(annotated[0]!.description).toMatch(/^feature #\d+: agreement_0 & 100% \{x\}$/);
      }
      if (format === 'latex') {
        expect(text).toContain('\\toprule');
        expect(text).toContain('agreement\\_0 \\& 100\\% \\{x\\}');
      }
      if (format === 'md') expect(text).toMatch(/^### /m);
    });

  it('exports another attribution with --attribution, and refuses an unknown run', () => {
    const other = attributions.at(-1)!;
    const out = join(tmp.make(), 'other.md');
    const run = ctt([
      'export',
      '--project',
      database,
      '--run',
      runId,
      '--attribution',
      other.id,
      '--format',
      'md',
      '--out',
      out,
    ]);
    expect(run.status, run.stderr).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain(`task: ${other.task}`);
    const bad = ctt(['export', '--project', database, '--run', 'nope', '--format', 'csv', '--out', out]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('No run with id nope.');
    const badFormat = ctt([
      'export',
      '--project',
      database,
      '--run',
      runId,
      '--format',
      'xlsx',
      '--out',
      out,
    ]);
    expect(badFormat.status).not.toBe(0);
    expect(badFormat.stderr).toContain('not one of csv, jsonl, latex, md');
  });
});

describe('ctt import-annotations on the demo study', () => {
  it('checks with --dry-run, imports, and refuses a bad file naming file, row and column', () => {
    const dir = tmp.make();
    const csv = join(dir, 'annotation.csv');
    writeFileSync(csv, 'feat_id,description,languages\n2,"subject number, plural",eng\n4,-,\n');
    const dry = ctt([
      'import-annotations',
      '--project',
      database,
      '--run',
      runId,
      '--annotator',
      'study',
      '--csv',
      csv,
      '--dry-run',
    ]);
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toContain('Checked (dry run)');
    expect(dry.stdout).toContain('2 row(s), 2 would be new');
    const applied = ctt([
      'import-annotations',
      '--project',
      database,
      '--run',
      runId,
      '--annotator',
      'study',
      '--csv',
      csv,
      '--json',
    ]);
    expect(applied.status, applied.stderr).toBe(0);
    expect(JSON.parse(applied.stdout)).toMatchObject({ rows: 2, imported: 2, isApplied: true });
    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, 'feat_id,description\n2,a\n2,b\n');
    const refused = ctt([
      'import-annotations',
      '--project',
      database,
      '--run',
      runId,
      '--annotator',
      'study',
      '--csv',
      bad,
    ]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain(
      `${bad}: line 3 (record 2), column 1 "feat_id": feature 2 appears twice`,
    );
  });
});

const hasUi = existsSync('out/renderer/index.html');

describe('a review bundle of the demo study', () => {
  it.skipIf(!hasUi)(
    'is served by `ctt serve --project BUNDLE` with the Features page data inside',
    async () => {
      const bundle = join(tmp.make(), 'demo.cttbundle');
      const made = ctt(['bundle', 'export', '--project', database, '--out', bundle]);
      expect(made.status, made.stderr).toBe(0);
      expect(made.stdout).toMatch(/features, \d+ dashboards/);
      const child = spawn(process.execPath, ['bin/ctt.mjs', 'serve', '--port', '0', '--project', bundle], {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CTT_BACKEND: 'wasm' },
      });
      let output = '';
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      try {
        const openUrl = await new Promise<string>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no URL in 60 s:\n${output}`)), 60_000);
          child.stdout.on('data', (d: Buffer) => {
            output += d.toString();
            const match = /Open: (\S+)/.exec(output);
            if (match?.[1]) {
              clearTimeout(timer);
              resolve(match[1]);
            }
          });
          child.once('exit', (code) => reject(new Error(`ctt serve exited with ${code}:\n${output}`)));
        });
        expect(output).toContain(`Review bundle: runs ${runId}`);
        const url = new URL(openUrl);
        const call = async (channel: string, input: unknown) => {
          const response = await fetch(`${url.origin}/api/invoke/${channel}`, {
            method: 'POST',
            headers: {
              Authorization: `Bearer ${url.searchParams.get('token')}`,
              'Content-Type': 'application/json',
            },
            body: JSON.stringify(input),
          });
          return (await response.json()) as { ok: boolean; value: unknown };
        };
        const annotators = (await call('annotators:list', {})).value as { id: number; name: string }[];
        const ada = annotators.find((a) => a.name === 'ada')!;
        const page = (await call('features:queue', { runId, annotatorId: ada.id })).value as FeatureQueuePage;
        expect(page.total).toBe(selected);
        const dashboard = await call('features:dashboard', { featureId: page.items[0]!.featureId });
        expect(dashboard.ok).toBe(true);
        expect(dashboard.value).not.toBeNull();
      } finally {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      }
    },
    120_000,
  );
});
