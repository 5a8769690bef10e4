import type { PipelineEvent, PipelineResult } from '../main/pipeline/run-pipeline';

// Progress of `ctt pipeline` on stderr: a line when each stage starts (and why it runs), a bar with ETA
// while it works (rewritten in place on a terminal, every few seconds otherwise), and a line when it
// ends with what it produced. ETA = time so far / share done since the first report × share left.

const formatDuration = (s: number): string =>
  s < 60 ? `${Math.round(s)}s` : `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

export const formatSeconds = (s: number | null): string => (s === null ? '–' : `${s.toFixed(1)} s`);

interface StageClock {
  startedMs: number;
  first: { ms: number; fraction: number } | null;
  lastPrintMs: number;
  lastPercent: number;
}

export function createPipelinePrinter(
  stream: NodeJS.WriteStream = process.stderr,
  options: { intervalMs?: number; clock?: () => number } = {},
): (event: PipelineEvent) => void {
  const clock = options.clock ?? (() => performance.now());
  const isTty = stream.isTTY === true;
  const intervalMs = options.intervalMs ?? (isTty ? 200 : 3000);
  let clockOf: StageClock | null = null;
  let isLineOpen = false;
  const write = (text: string): void => {
    if (isLineOpen) stream.write('\r\x1b[2K');
    isLineOpen = false;
    stream.write(`${text}\n`);
  };
  const tag = (e: { index: number; count: number; stage: string }): string =>
    e.stage === 'download' ? '[download]' : `[${e.index}/${e.count}] ${e.stage}`;
  return (event) => {
    switch (event.type) {
      case 'start':
        write(`pipeline → ${event.outDir} (backend ${event.backend}; stages: ${event.stages.join(', ')})`);
        return;
      case 'note':
        write(`note: ${event.message}`);
        return;
      case 'stage-start':
        clockOf = { startedMs: clock(), first: null, lastPrintMs: -Infinity, lastPercent: -1 };
        write(`${tag(event)}: ${event.title} (${event.why})`);
        return;
      case 'progress': {
        if (clockOf === null) return;
        const now = clock();
        const fraction = Math.min(1, Math.max(0, event.fraction));
        if (clockOf.first === null && fraction > 0) clockOf.first = { ms: now, fraction };
        const percent = Math.floor(fraction * 100);
        if (now - clockOf.lastPrintMs < intervalMs || (!isTty && percent === clockOf.lastPercent)) return;
        clockOf.lastPrintMs = now;
        clockOf.lastPercent = percent;
        const line = `${tag(event)} ${bar(fraction)} ${String(percent).padStart(3)}%${eta(clockOf, now, fraction)} ${event.report.message ?? ''}`;
        if (isTty) {
          stream.write(`\r\x1b[2K${line.slice(0, Math.max(20, (stream.columns || 120) - 1))}`);
          isLineOpen = true;
        } else stream.write(`${line}\n`);
        return;
      }
      case 'stage-end': {
        const what =
          event.status === 'reused'
            ? 'reused (inputs unchanged)'
            : event.status === 'skipped'
              ? 'skipped'
              : `done in ${formatSeconds(event.seconds)}`;
        write(`${tag(event)} ${what}`);
        for (const line of event.lines) write(`      ${line}`);
        clockOf = null;
        return;
      }
    }
  };
}

function bar(fraction: number): string {
  const width = 24;
  const filled = Math.round(fraction * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
}

function eta(c: StageClock, now: number, fraction: number): string {
  if (c.first === null || fraction <= c.first.fraction || now - c.startedMs < 1000) return '';
  const perFraction = (now - c.first.ms) / (fraction - c.first.fraction);
  return ` ETA ${formatDuration((perFraction * (1 - fraction)) / 1000)}`;
}

/** The stage times of a finished pipeline, one line. */
export function stageTimesLine(result: PipelineResult): string {
  const parts = result.stages.map(
    (s) => `${s.name} ${s.status === 'done' ? formatSeconds(s.seconds) : `(${s.status})`}`,
  );
  return `stage times: ${parts.join(', ')}; total ${formatSeconds(result.totalSeconds)}`;
}
