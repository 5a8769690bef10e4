// Where the page's time goes during feature switches, for the annotation benchmark's report:
// - a CPU profile (CDP Profiler) with self time grouped by the module of the renderer bundle it falls in
//   (the bundle is not minified and marks each module with a `// node_modules/…` or `// src/…` line);
// - a Chromium trace with the renderer main thread's self time grouped as scripting, style, layout,
//   paint, GC, other.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Share {
  name: string;
  ms: number;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples?: number[];
  timeDeltas?: number[];
}

/** Libraries grouped under the name a reader knows them by. */
const libraryGroups: [RegExp, string][] = [
  [
    /^node_modules\/(recharts|reselect|immer|redux|redux-thunk|react-redux|@reduxjs|es-toolkit|victory-vendor|d3-[a-z]+|internmap|decimal\.js-light|eventemitter3|tiny-invariant)/,
    'recharts (with reselect, immer, redux, es-toolkit, d3)',
  ],
  [
    /^node_modules\/(react|react-dom|scheduler|use-sync-external-store|react-is)(\/|$)/,
    'react, react-dom, scheduler',
  ],
  [/^node_modules\/@tanstack/, '@tanstack/react-virtual'],
  [/^node_modules\/zod/, 'zod'],
];

/** Maps a 0-based line of the bundle to the module it belongs to. */
function moduleLines(bundlePath: string): (line: number) => string {
  const starts: { line: number; name: string }[] = [];
  readFileSync(bundlePath, 'utf8')
    .split('\n')
    .forEach((text, line) => {
      const name = /^\/\/ ((?:node_modules\/(?:@[^/]+\/)?[^/\s]+)|src\/\S+)/.exec(text)?.[1];
      if (name !== undefined) starts.push({ line, name });
    });
  return (line) => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = '(bundle prelude)';
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]!.line <= line) {
        found = starts[mid]!.name;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const group = libraryGroups.find(([pattern]) => pattern.test(found));
    return group ? group[1] : found.replace(/^node_modules\//, '');
  };
}

/** Self time of a CPU profile by bundle module (natives by name); idle left out. */
export function profileByModule(profile: CpuProfile, rendererDir: string): Share[] {
  const selfMs = new Map<number, number>();
  (profile.samples ?? []).forEach((id, i) =>
    selfMs.set(id, (selfMs.get(id) ?? 0) + (profile.timeDeltas?.[i] ?? 0) / 1000),
  );
  const maps = new Map<string, (line: number) => string>();
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    let name: string;
    const file = /\/assets\/([^/?#]+\.js)/.exec(url)?.[1];
    if (file !== undefined) {
      if (!maps.has(file)) maps.set(file, moduleLines(join(rendererDir, 'assets', file)));
      name = maps.get(file)!(lineNumber);
    } else if (url === '') name = functionName.startsWith('(') ? functionName : `native ${functionName}`;
    else name = 'other scripts (bench instrumentation, extensions)';
    if (name === '(idle)') continue;
    byName.set(name, (byName.get(name) ?? 0) + (selfMs.get(node.id) ?? 0));
  }
  return [...byName.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms);
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: { name?: string };
}

const categories: [RegExp, string][] = [
  [/GC|Heap/, 'GC'],
  [/^(ParseHTML|v8\.compile|V8\.Compile|v8\.parse)/, 'parse/compile'],
  [
    /^(FunctionCall|EvaluateScript|TimerFire|FireAnimationFrame|EventDispatch|RunMicrotasks|v8\.|V8\.|FireIdleCallback|XHR)/,
    'scripting',
  ],
  [/UpdateLayoutTree|RecalculateStyles|[Rr]ecalcStyle|UpdateStyle|ParseAuthorStyleSheet/, 'style'],
  [/Layout|HitTest|IntersectionObserver|ResizeObserver|commitPendingSelection/, 'layout'],
  [/Paint|Layerize|Composit|Commit|UpdateLayer|Decode|Raster/, 'paint'],
];
const categoryOf = (name: string): string =>
  categories.find(([pattern]) => pattern.test(name))?.[1] ?? 'other';

/** Self time on the renderer's main thread by category, from a Chromium trace (JSON). */
export function traceByCategory(trace: Buffer): Share[] {
  const events = (JSON.parse(trace.toString('utf8')) as { traceEvents: TraceEvent[] }).traceEvents;
  const mains = new Set(
    events
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'CrRendererMain')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const complete = events.filter(
    (e) => e.ph === 'X' && e.dur !== undefined && mains.has(`${e.pid}:${e.tid}`),
  );
  // The busiest renderer main thread is the page's.
  const perThread = new Map<string, number>();
  for (const e of complete) perThread.set(`${e.pid}:${e.tid}`, (perThread.get(`${e.pid}:${e.tid}`) ?? 0) + 1);
  const thread = [...perThread.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const mine = complete
    .filter((e) => `${e.pid}:${e.tid}` === thread)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  // Self time: an event's duration less that of the events nested directly in it.
  const totals = new Map<string, number>();
  const byName = new Map<string, Map<string, number>>();
  const stack: { end: number; name: string; category: string; self: number }[] = [];
  const close = (until: number): void => {
    while (stack.length > 0 && stack[stack.length - 1]!.end <= until) {
      const done = stack.pop()!;
      totals.set(done.category, (totals.get(done.category) ?? 0) + done.self / 1000);
      const names = byName.get(done.category) ?? new Map<string, number>();
      names.set(done.name, (names.get(done.name) ?? 0) + done.self / 1000);
      byName.set(done.category, names);
    }
  };
  for (const e of mine) {
    close(e.ts);
    const parent = stack[stack.length - 1];
    if (parent) parent.self -= e.dur!;
    stack.push({ end: e.ts + e.dur!, name: e.name, category: categoryOf(e.name), self: e.dur! });
  }
  close(Number.POSITIVE_INFINITY);
  // Each category named with its three largest trace events.
  const label = (category: string): string => {
    const names = [...(byName.get(category) ?? new Map<string, number>()).entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name]) => name);
    return `${category}: ${names.join(', ')}`;
  };
  return [...totals.entries()]
    .map(([category, ms]) => ({ name: label(category), ms }))
    .sort((a, b) => b.ms - a.ms);
}
