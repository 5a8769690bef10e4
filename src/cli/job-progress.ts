import type { JobSnapshot } from '../shared/domain';

const formatDuration = (ms: number): string => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s}s` : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
};

/** One status line per job snapshot: bar, step/total, ETA and message (rewritten in place on a TTY). */
export function renderProgress(snapshot: JobSnapshot): string {
  const fraction = snapshot.total > 0 ? snapshot.step / snapshot.total : 0;
  const width = 24;
  const filled = Math.round(fraction * width);
  const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
  const eta = snapshot.etaMs === null ? '' : ` ETA ${formatDuration(snapshot.etaMs)}`;
  return `${bar} ${snapshot.step}/${snapshot.total}${eta} ${snapshot.state}: ${snapshot.message}`;
}

export function createProgressPrinter(stream: NodeJS.WriteStream = process.stderr): (s: JobSnapshot) => void {
  return (snapshot) => {
    const line = renderProgress(snapshot);
    if (stream.isTTY) stream.write(`\r\x1b[2K${line}`);
    else stream.write(`${line}\n`);
    if (stream.isTTY && snapshot.finishedAt !== null) stream.write('\n');
  };
}
