// `npm run bench -- annotation`: does the annotation queue stay fluid with 65,536 features (issue 7)?
// 1. A generated study (annotation-study.ts) imported with `features:importStudy` into a fresh data
//    folder; ~2,000 annotations saved with `annotations:save`.
// 2. Server side, in-process: `features:queue` (default, all features at offset 0 and 60,000, category,
//    status and description filters), `features:get`, `features:dashboard`, against the naive queue
//    (every row into JS, filter/sort/slice there) measured in the same run.
// 3. UI: serve mode on that folder (annotation-serve.ts), Debian chromium, the Features page with
//    "selected only" off: feature switches (cold and warm), scrolling the virtual list, typing; against
//    a bare `app:info` round trip from the page and the 100 ms budget.
// Prints numbers and ratios, never pass/fail. Options: --features N --dashboards N --top K --calls N
// --switches N --no-ui --profile --keep (leave the data folder). Builds the app into the run's temp
// folder (electron-vite --outDir) and needs /usr/bin/chromium (or CHROMIUM_PATH).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createWorkbench, databasePath, type Workbench } from '../../src/main/workbench';
import type { FeatureQueueItem } from '../../src/shared/annotation';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { call, saveAnnotations, timeServer, type ServerRow } from './annotation-server';
import { mib, ms, ratio, summarise, table, type Summary } from './annotation-stats';
import { writeBenchStudy } from './annotation-study';
import { runUi, type UiResult } from './annotation-ui';

const { values: args } = parseArgs({
  options: {
    features: { type: 'string', default: '65536' },
    dashboards: { type: 'string', default: '4096' },
    top: { type: 'string', default: '256' },
    annotations: { type: 'string', default: '2000' },
    calls: { type: 'string', default: '30' },
    switches: { type: 'string', default: '30' },
    'no-ui': { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    keep: { type: 'boolean', default: false },
  },
});
const nFeatures = Number(args.features);
const calls = Number(args.calls);
const budgetMs = 100;

/** Bytes of every file under `path`. */
function sizeOf(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.size;
  return readdirSync(path).reduce((sum, name) => sum + sizeOf(join(path, name)), 0);
}

/** Builds the app into a folder of this run (serve mode here serves its renderer; out/ is left alone). */
function buildRenderer(outDir: string): string {
  const start = performance.now();
  const built = spawnSync('npx', ['electron-vite', 'build', '--outDir', outDir, '--logLevel', 'error'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error('electron-vite build failed');
  return `built the renderer in ${((performance.now() - start) / 1000).toFixed(0)} s`;
}

const root = mkdtempSync(join(tmpdir(), 'ctt-bench-annotation-'));
const studyDir = join(root, 'study');
const dataDir = join(root, 'data');
/** Other work on this machine moves the timings: the load averages say how busy it was. */
const load = (): string =>
  `load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`;
console.log(
  `Annotation queue benchmark: F = ${nFeatures.toLocaleString('en-US')} features, data in ${root}; ${load()}`,
);

/** Writes the study folder and imports it into a fresh data folder through `features:importStudy`. */
async function generateAndImport() {
  let start = performance.now();
  const study = writeBenchStudy(studyDir, {
    nFeatures,
    nDashboards: Number(args.dashboards),
    top: Number(args.top),
    nItems: 100,
    seed: 20_260_101,
  });
  console.log(
    `study folder: ${study.tasks.length} attributions (IE [3][${nFeatures}], RelDec and decoder norms [${nFeatures}][3], 100 items), ` +
      `${study.dashboardIndices.length} dashboards; ${mib(study.bytes)} written in ${ms(performance.now() - start)} ms`,
  );
  const workbench = createWorkbench({
    dataDir,
    mode: 'cli',
    probe: async (preference) => fakeBackendInfo({ preference }),
    demoCorpusFile: null,
    demoStudyDir: null,
  });
  start = performance.now();
  const imported = await call(workbench, 'features:importStudy', { dir: studyDir });
  const importMs = performance.now() - start;
  workbench.store.db.pragma('wal_checkpoint(TRUNCATE)');
  console.log(
    `features:importStudy: ${imported.features} features, ${imported.attributions} attributions, ` +
      `${imported.dashboards} dashboards in ${(importMs / 1000).toFixed(1)} s; database ${mib(sizeOf(databasePath(dataDir)))}, ` +
      `run folder ${mib(sizeOf(join(dataDir, 'runs', imported.runId)))}`,
  );
  return { workbench, imported, importMs };
}

/** Rows [0, count) of the queue of all features by |IE| desc, as the server pages them. */
async function queueRows(workbench: Workbench, runId: string, annotatorId: number, count: number) {
  const rows: FeatureQueueItem[] = [];
  for (let offset = 0; offset < count; offset += 500) {
    const page = await call(workbench, 'features:queue', {
      runId,
      annotatorId,
      isSelectedOnly: false,
      offset,
      limit: Math.min(500, count - offset),
    });
    rows.push(...page.items);
  }
  return rows;
}

try {
  const { workbench, imported, importMs } = await generateAndImport();
  const annotator = await call(workbench, 'annotators:create', { name: 'bench' });
  await call(workbench, 'settings:update', { activeAnnotatorId: annotator.id });
  const attributionId = (await call(workbench, 'features:attributions', { runId: imported.runId }))[0]!.id;
  // The rows the UI walks, and every feature in queue order (annotations go to rows 200 on).
  const rowOrder = await queueRows(workbench, imported.runId, annotator.id, 200);
  const allIds = (await queueRows(workbench, imported.runId, annotator.id, nFeatures)).map(
    (i) => i.featureId,
  );
  const start = performance.now();
  const savesMs = await saveAnnotations(workbench, allIds, annotator.id, Number(args.annotations));
  const saves = summarise(savesMs);
  console.log(
    `annotations:save ×${savesMs.length}: ${(savesMs.length / ((performance.now() - start) / 1000)).toFixed(0)}/s ` +
      `(p50 ${ms(saves.p50)} ms, p95 ${ms(saves.p95)} ms)`,
  );

  const serverRows = await timeServer(
    {
      workbench,
      runId: imported.runId,
      attributionId,
      annotatorId: annotator.id,
      openIds: rowOrder.slice(0, 30).map((i) => i.featureId),
      nFeatures,
    },
    calls,
  );
  await workbench.close();
  const dbBytes = sizeOf(databasePath(dataDir));
  printServer(serverRows);

  let ui: UiResult | null = null;
  if (!args['no-ui']) {
    const uiDir = join(root, 'ui');
    console.log(`\nUI: ${buildRenderer(uiDir)}; serve mode on the data folder, chromium 1280×800; ${load()}`);
    ui = await runUi({
      dataDir,
      rendererDir: join(uiDir, 'renderer'),
      runId: imported.runId,
      order: rowOrder.map((i) => i.index),
      nFeatures,
      switches: Number(args.switches),
      typedChars: 50,
      jumps: 20,
      calls,
      isProfiled: args.profile,
    });
    printUi(ui);
  }
  printSummary(nFeatures, dbBytes, importMs, serverRows, ui);
  console.log(`(${load()})`);
} finally {
  if (args.keep) console.log(`\nkept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}

function printServer(rows: readonly ServerRow[]): void {
  console.log(
    `\nServer, in-process (dispatch + JSON), ${calls} calls each after 2 warm-ups; naive = all rows of the attribution into JS, filter, sort, slice`,
  );
  console.log(
    table(
      ['call', 'rows', 'p50 ms', 'p95 ms', 'max ms', 'naive p50', 'naive p95', 'naive/SQL p50', 'same page'],
      rows.map((r) => [
        r.name,
        r.total === null ? '' : r.total.toLocaleString('en-US'),
        ms(r.sql.p50),
        ms(r.sql.p95),
        ms(r.sql.max),
        r.naive ? ms(r.naive.p50) : '',
        r.naive ? ms(r.naive.p95) : '',
        r.naive ? ratio(r.naive.p50, r.sql.p50) : '',
        r.isSamePage === null ? '' : r.isSamePage ? 'yes' : 'NO',
      ]),
    ),
  );
}

function printUi(ui: UiResult): void {
  console.log(
    `\nIn the page: bare app:info round trip p50 ${ms(ui.appInfo.p50)} ms, p95 ${ms(ui.appInfo.p95)} ms`,
  );
  console.log(
    table(
      ['measurement', 'n', 'p50 ms', 'p95 ms', 'max ms', 'p50/app:info', 'p95/100 ms'],
      ui.rows.map((r) => [
        r.name,
        String(r.summary.n),
        ms(r.summary.p50),
        ms(r.summary.p95),
        ms(r.summary.max),
        ratio(r.summary.p50, ui.appInfo.p50),
        ratio(r.summary.p95, budgetMs),
      ]),
    ),
  );
  console.log('\nWhere a switch goes (medians, ms from the key press):');
  console.log(
    table(
      [
        'switch',
        'key→request',
        'get',
        'dashboard',
        'latest',
        'key→data',
        'data→DOM',
        'DOM→frame',
        'requests',
      ],
      ui.rows.flatMap((r) =>
        r.breakdown
          ? [
              [
                r.name,
                ms(r.breakdown.keyToRequest),
                ms(r.breakdown.get),
                ms(r.breakdown.dashboard),
                ms(r.breakdown.latest),
                ms(r.breakdown.keyToData),
                ms(r.breakdown.render),
                ms(r.breakdown.frame),
                String(r.breakdown.requests),
              ],
            ]
          : [],
      ),
    ),
  );
  console.log(`\nDOM rows the virtual list keeps: ${ui.domRows} (of ${nFeatures.toLocaleString('en-US')})`);
  console.log(
    `JS heap used (after GC): ${ui.heap.map((h) => `${h.at} ${h.usedMiB.toFixed(1)} MiB / ${h.nodes} nodes`).join('; ')}`,
  );
  if (ui.profile) {
    const shares = (title: string, list: readonly { name: string; ms: number }[]): void => {
      const total = list.reduce((sum, s) => sum + s.ms, 0);
      console.log(`\n${title}: ${ms(total)} ms per cycle`);
      console.log(
        table(
          ['', 'ms/switch', 'share'],
          list
            .filter((s) => s.ms >= 0.05)
            .slice(0, 14)
            .map((s) => [s.name, ms(s.ms), `${((100 * s.ms) / total).toFixed(1)}%`]),
        ),
      );
    };
    shares(
      'Trace of 20 warm switch cycles (switch, then the history and others panels loading), renderer main thread self time',
      ui.profile.byCategory,
    );
    shares(
      'CPU profile of 20 warm switch cycles, self time by bundle module (idle left out; sampling inflates totals)',
      ui.profile.byModule,
    );
  }
}

function printSummary(
  features: number,
  dbBytes: number,
  importMs: number,
  server: readonly ServerRow[],
  ui: UiResult | null,
): void {
  const cells = (name: string, s: Summary, reference: string, ratioText: string): string[] => [
    name,
    ms(s.p50),
    ms(s.p95),
    ms(s.max),
    reference,
    ratioText,
  ];
  const rows: string[][] = [['import (one call)', ms(importMs), '', '', '', '']];
  for (const r of server.filter((r) => !r.name.startsWith('app:info'))) {
    rows.push(
      r.naive
        ? cells(r.name, r.sql, `naive ${ms(r.naive.p50)}`, `naive/SQL ${ratio(r.naive.p50, r.sql.p50)}`)
        : cells(r.name, r.sql, `budget ${budgetMs}`, `p95 ${ratio(r.sql.p95, budgetMs)} of 100 ms`),
    );
  }
  if (ui) {
    for (const r of ui.rows) {
      rows.push(
        cells(
          `UI ${r.name}`,
          r.summary,
          `app:info ${ms(ui.appInfo.p50)}`,
          `${ratio(r.summary.p50, ui.appInfo.p50)}; p95 ${ratio(r.summary.p95, budgetMs)} of 100 ms`,
        ),
      );
    }
  }
  console.log(`\nSummary (F = ${features.toLocaleString('en-US')}, database ${mib(dbBytes)}; ms)`);
  console.log(table(['what', 'p50', 'p95', 'max', 'reference p50', 'ratio'], rows));
  if (ui) {
    const warm = ui.rows.find((r) => r.name.startsWith('switch, warm'))!.summary;
    console.log(
      `warm switch p95 ${ms(warm.p95)} ms = ${ratio(warm.p95, budgetMs)} of the ${budgetMs} ms budget; ` +
        `a bare app:info round trip from the page is ${ms(ui.appInfo.p50)} ms`,
    );
  }
}
