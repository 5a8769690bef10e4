import type { ExportFormat } from '../../shared/review';

// Default output paths of the Export page: in the data folder itself (it exists; the writers refuse a
// missing folder rather than create one), named after the run, task and time, with the separator the
// data folder already uses (so Windows paths stay Windows paths).

export const exportExtensions: Record<ExportFormat, string> = {
  csv: 'csv',
  jsonl: 'jsonl',
  latex: 'tex',
  md: 'md',
};

/** `/`, or `\` when the folder is written with backslashes only (a Windows path). */
export const separatorOf = (folder: string): '/' | '\\' =>
  folder.includes('\\') && !folder.includes('/') ? '\\' : '/';

/** Joins path parts with the folder's separator, without doubling it. */
export function joinPath(folder: string, ...names: string[]): string {
  const sep = separatorOf(folder);
  const head = folder.replace(/[\\/]+$/, '');
  return [head === '' ? '' : head, ...names].join(sep) || sep;
}

/** A file-name-safe word: letters, digits, `.`, `_`, `-`; anything else becomes `-`. */
export const slug = (text: string): string =>
  text
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|-+$/g, '')
    .slice(0, 60) || 'export';

/** `20250102-130405` in local time: sorts by name and never holds a `:` (not allowed on Windows). */
export function timeStamp(date: Date): string {
  const p = (n: number): string => String(n).padStart(2, '0');
  return (
    `${date.getFullYear()}${p(date.getMonth() + 1)}${p(date.getDate())}-` +
    `${p(date.getHours())}${p(date.getMinutes())}${p(date.getSeconds())}`
  );
}

/** `<dataDir>/<run>-<task>-<stamp>.<ext>` (the task left out when there is none). */
export function defaultExportPath(
  dataDir: string,
  run: string,
  task: string | null,
  format: ExportFormat,
  date: Date,
): string {
  const name = [slug(run), task === null || task === '' ? null : slug(task), timeStamp(date)]
    .filter((x): x is string => x !== null)
    .join('-');
  return joinPath(dataDir, `${name}.${exportExtensions[format]}`);
}

/** A path's extension swapped for the format's (the user's folder and name kept). */
export function withFormatExtension(path: string, format: ExportFormat): string {
  const ext = exportExtensions[format];
  const known = Object.values(exportExtensions).join('|');
  const match = new RegExp(`\\.(${known})$`, 'i').exec(path);
  return match === null ? `${path}.${ext}` : `${path.slice(0, match.index)}.${ext}`;
}

/** `<dataDir>/review-bundle-<stamp>.sqlite`. */
export const defaultBundlePath = (dataDir: string, date: Date): string =>
  joinPath(dataDir, `review-bundle-${timeStamp(date)}.sqlite`);

/** Absolute on POSIX (`/…`) or Windows (`C:\…`, `C:/…`, `\\server\…`). */
export const isAbsolutePath = (path: string): boolean => /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path.trim());
