// UI side of the annotation benchmark: serve mode (annotation-serve.ts) on the generated data folder, Debian chromium
// driven by Playwright, the Features page on the 65,536-feature run with "selected only" off, and
// timings taken inside the page (see annotation-page-script.ts for what each one waits for).
import { chromium, type Browser, type CDPSession, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { benchPageScript } from './annotation-page-script';
import { profileByModule, traceByCategory, type Share } from './annotation-profile';
import { summarise, type Summary } from './annotation-stats';

interface TimedRequest {
  channel: string;
  start: number;
  end: number;
}
interface Measured {
  toDom: number;
  total: number;
  requests: TimedRequest[];
}

export interface UiRow {
  name: string;
  summary: Summary;
  /** Medians of where a switch's time goes (switch rows only). */
  breakdown?: SwitchBreakdown;
}

export interface SwitchBreakdown {
  /** Key press → first request sent (flush, queue lookup, React commit of the skeleton). */
  keyToRequest: number;
  /** features:get round trip; features:dashboard starts only after it (detail first, then dashboard). */
  get: number;
  dashboard: number;
  latest: number;
  /** Key press → last of get / dashboard / latest answered. */
  keyToData: number;
  /** Last answer → everything on screen (React render, charts measured and drawn). */
  render: number;
  /** DOM done → the frame painted. */
  frame: number;
  requests: number;
}

export interface HeapSample {
  at: string;
  usedMiB: number;
  nodes: number;
}

/** Page main-thread time per warm switch (ms), by bundle module and by trace category. */
export interface TimeShares {
  byModule: Share[];
  byCategory: Share[];
}

export interface UiResult {
  rows: UiRow[];
  appInfo: Summary;
  domRows: number;
  heap: HeapSample[];
  profile: TimeShares | null;
}

export interface UiOptions {
  dataDir: string;
  /** The renderer build to serve (its own copy; see annotation-serve.ts). */
  rendererDir: string;
  runId: string;
  /** Feature indices of the first rows of the queue (all features, |IE| desc). */
  order: readonly number[];
  nFeatures: number;
  switches: number;
  typedChars: number;
  jumps: number;
  calls: number;
  isProfiled: boolean;
}

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

/** Starts serve mode on the data folder; resolves once it printed its URL and its backend. */
async function startServe(
  dataDir: string,
  rendererDir: string,
): Promise<{ openUrl: string; stop: () => Promise<void> }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'test/bench/annotation-serve.ts', dataDir, rendererDir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const openUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`ctt serve printed no backend in 120 s:\n${output}`)),
      120_000,
    );
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const url = /Open: (\S+)/.exec(output)?.[1];
      if (url !== undefined && /Backend: /.test(output)) {
        clearTimeout(timer);
        resolve(url);
      }
    });
    child.once('exit', (code) => reject(new Error(`ctt serve exited with ${code}:\n${output}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  return { openUrl, stop };
}

const median = (values: number[]): number => summarise(values).p50;

function breakdownOf(samples: readonly Measured[]): SwitchBreakdown {
  const parts = samples.map((s) => {
    const first = (channel: string) => s.requests.find((r) => r.channel === channel);
    const get = first('features:get');
    const dashboard = first('features:dashboard');
    const latest = first('annotations:latest');
    const data = Math.max(get?.end ?? 0, dashboard?.end ?? 0, latest?.end ?? 0);
    return {
      keyToRequest: Math.min(...s.requests.map((r) => r.start)),
      get: get ? get.end - get.start : Number.NaN,
      dashboard: dashboard ? dashboard.end - dashboard.start : Number.NaN,
      latest: latest ? latest.end - latest.start : Number.NaN,
      keyToData: data,
      render: s.toDom - data,
      frame: s.total - s.toDom,
      requests: s.requests.length,
    };
  });
  const pick = (key: keyof SwitchBreakdown) => median(parts.map((p) => p[key]).filter(Number.isFinite));
  return {
    keyToRequest: pick('keyToRequest'),
    get: pick('get'),
    dashboard: pick('dashboard'),
    latest: pick('latest'),
    keyToData: pick('keyToData'),
    render: pick('render'),
    frame: pick('frame'),
    requests: pick('requests'),
  };
}

async function heapOf(cdp: CDPSession, at: string): Promise<HeapSample> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const metric = (name: string): number => metrics.find((m) => m.name === name)?.value ?? Number.NaN;
  return { at, usedMiB: metric('JSHeapUsedSize') / 2 ** 20, nodes: metric('Nodes') };
}

/** One key press that moves to feature #`index`, timed in the page; waits for the page to settle after. */
async function switchTo(page: Page, key: 'j' | 'k', index: number): Promise<Measured> {
  await page.evaluate('window.__bench.arm()');
  await page.keyboard.press(key);
  const measured = (await page.evaluate(`window.__bench.switchDone(${index})`)) as Measured;
  await page.evaluate('window.__bench.settle()');
  return measured;
}

/** Opens the Features page on the run, all features (selected only off), and waits for row 0 on screen. */
async function openQueue(page: Page, options: UiOptions): Promise<void> {
  await page.locator('nav.sidebar').waitFor();
  await page.keyboard.press('Alt+5');
  await page.getByTestId('queue-run').waitFor();
  await page.getByTestId('queue-run').selectOption(options.runId);
  await page.getByTestId('queue-selected-only').uncheck();
  await page
    .getByTestId('queue-total')
    .filter({ hasText: `${options.nFeatures.toLocaleString('en-US')} features` })
    .waitFor({ timeout: 60_000 });
  await page.evaluate(`window.__bench.waitShown(${options.order[0]})`);
  // Letters are shortcuts only outside text fields; nothing keeps focus.
  await page.evaluate('document.activeElement && document.activeElement.blur()');
  await page.evaluate('window.__bench.settle()');
}

/** Where the time of `count` warm switches goes: a CPU profile by module, then a trace by category. */
async function whereTimeGoes(
  browser: Browser,
  page: Page,
  cdp: CDPSession,
  rendererDir: string,
  warmSwitches: () => Promise<number>,
): Promise<TimeShares> {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const profiledSwitches = await warmSwitches();
  const { profile } = await cdp.send('Profiler.stop');
  await browser.startTracing(page, {
    categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8', 'blink'],
  });
  const tracedSwitches = await warmSwitches();
  const trace = await browser.stopTracing();
  const perSwitch = (shares: Share[], n: number): Share[] => shares.map((s) => ({ ...s, ms: s.ms / n }));
  return {
    byModule: perSwitch(profileByModule(profile, rendererDir), profiledSwitches),
    byCategory: perSwitch(traceByCategory(trace), tracedSwitches),
  };
}

type Scrolled = Measured & { slots: number };

async function scrollTo(page: Page, row: number | 'end'): Promise<Scrolled> {
  const arg = row === 'end' ? "'end'" : String(row);
  const measured = (await page.evaluate(`window.__bench.scrollTo(${arg})`)) as Scrolled;
  await page.evaluate('window.__bench.settle()');
  return measured;
}

/** To the end of the list and back three times, then jumps to unvisited pages spread over the list. */
async function measureScrolling(
  page: Page,
  options: UiOptions,
): Promise<{ endAndBack: Scrolled[]; jumps: Scrolled[] }> {
  const endAndBack: Scrolled[] = [];
  for (let i = 0; i < 3; i++) endAndBack.push(await scrollTo(page, 'end'), await scrollTo(page, 0));
  const jumps: Scrolled[] = [];
  for (let i = 0; i < options.jumps; i++) {
    // Pages of 100 rows; the first and the last are loaded already.
    const page100 = 1 + Math.floor(((i + 0.5) / options.jumps) * (options.nFeatures / 100 - 2));
    jumps.push(await scrollTo(page, page100 * 100 + 37));
  }
  await scrollTo(page, 0);
  return { endAndBack, jumps };
}

/** Types `text` into the description of the feature on screen, one key at a time. */
async function measureTyping(page: Page, text: string): Promise<Measured[]> {
  await page.keyboard.press('e');
  await page.getByTestId('description').waitFor();
  const before = (await page.getByTestId('description').inputValue()).length;
  const typing: Measured[] = [];
  for (let i = 0; i < text.length; i++) {
    await page.evaluate('window.__bench.arm()');
    await page.keyboard.press(text[i] === ' ' ? 'Space' : text[i]!);
    typing.push((await page.evaluate(`window.__bench.typed(${before + i + 1})`)) as Measured);
  }
  await page.keyboard.press('Escape');
  await page.evaluate('window.__bench.settle()');
  return typing;
}

export async function runUi(options: UiOptions): Promise<UiResult> {
  const serve = await startServe(options.dataDir, options.rendererDir);
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: chromiumArgs,
  });
  try {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript({ content: benchPageScript });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    await page.goto(serve.openUrl);
    await openQueue(page, options);
    const heap = [await heapOf(cdp, 'Features page open')];
    const { order, switches: n } = options;

    const cold: Measured[] = [];
    for (let i = 1; i <= n; i++) cold.push(await switchTo(page, 'j', order[i]!));
    const warm: Measured[] = [];
    for (let i = n - 1; i >= 0; i--) warm.push(await switchTo(page, 'k', order[i]!));
    for (let i = 1; i <= n; i++) warm.push(await switchTo(page, 'j', order[i]!));
    heap.push(await heapOf(cdp, `after ${n} cold + ${2 * n} warm switches`));
    const { endAndBack, jumps } = await measureScrolling(page, options);
    heap.push(await heapOf(cdp, `after scrolling (${3 + options.jumps} pages visited)`));
    const text = 'plural subject before an attractor; pushes the verb'.slice(0, options.typedChars);
    const typing = await measureTyping(page, text);
    heap.push(await heapOf(cdp, 'end'));
    const appInfo = summarise((await page.evaluate(`window.__bench.appInfo(${options.calls})`)) as number[]);

    let profile: TimeShares | null = null;
    const warmSummary = summarise(warm.map((m) => m.total));
    if (options.isProfiled || warmSummary.p95 > 100) {
      // Ten back, ten forward over features already visited.
      profile = await whereTimeGoes(browser, page, cdp, options.rendererDir, async () => {
        for (let i = n - 1; i >= n - 10; i--) await switchTo(page, 'k', order[i]!);
        for (let i = n - 9; i <= n; i++) await switchTo(page, 'j', order[i]!);
        return 20;
      });
    }
    const totals = (list: readonly Measured[]): Summary => summarise(list.map((m) => m.total));
    const rows: UiRow[] = [
      { name: 'switch, cold (first visit)', summary: totals(cold), breakdown: breakdownOf(cold) },
      { name: 'switch, warm (revisit)', summary: warmSummary, breakdown: breakdownOf(warm) },
      { name: 'scroll list: end and back', summary: totals(endAndBack) },
      { name: 'scroll list: jump to unvisited page', summary: totals(jumps) },
      { name: `type ${text.length} chars in description`, summary: totals(typing) },
    ];
    const domRows = Math.max(...[...endAndBack, ...jumps].map((m) => m.slots));
    return { rows, appInfo, domRows, heap, profile };
  } finally {
    await browser.close();
    await serve.stop();
  }
}
