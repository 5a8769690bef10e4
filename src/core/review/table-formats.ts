/**
 * Writers for exported tables: CSV, JSONL and Markdown (LaTeX in `latex-table.ts`), each carrying the
 * provenance of `provenance.ts`. A table is typed columns plus rows in groups (`table-groups.ts` makes
 * the paper's lifecycle groups; a flat table is one group with an empty label).
 *
 * - CSV (RFC 4180): UTF-8, CRLF, fields quoted when they hold `,` `"` CR LF or start with `#`, quotes
 *   doubled; header = column keys. Provenance: `# ` lines before the header (the reader in
 *   `csv-reader.ts` returns them as the preamble; other tools may need "skip lines starting with #").
 *   Formula-injection guard (OWASP "CSV Injection"): a text cell starting with = + - @ TAB or CR
 *   (after any leading apostrophes) gets one more leading `'`; number columns are never touched (−0.5
 *   stays a number). A cell that is exactly "-" (the paper's "uninterpretable") cannot be a formula and is
 *   left alone. Groups are not marked: keep the category in a column.
 * - JSONL: line 1 is `{"type":"provenance","provenance":{…},"columns":[…]}`; every further line is one row
 *   as a flat object of column keys (in column order), groups concatenated in order. The provenance is a
 *   line of the file rather than a sidecar so that the file cannot lose it; readers skip line 1.
 * - Markdown (GFM tables): an HTML comment with the provenance, a `###` heading per labelled group;
 *   `\ | * _ ` [ ] < > ~` are backslash-escaped, line breaks become `<br>`.
 */
import { type Provenance, provenanceLines } from './provenance';

export type ColumnType = 'text' | 'number';
export interface Column {
  /** Machine name: CSV header, JSONL key (e.g. `feat_id`). */
  key: string;
  /** Human header for Markdown and LaTeX (e.g. "FeatID"). */
  label: string;
  /** Text cells are strings; number cells finite numbers or null (empty). */
  type: ColumnType;
  /** Decimals shown in Markdown and LaTeX; CSV and JSONL always keep full precision. */
  digits?: number;
}
export type Cell = string | number | null;
export type Row = Readonly<Record<string, Cell>>;
export interface TableGroup {
  key: string;
  label: string;
  rows: readonly Row[];
}
export interface ExportTable {
  columns: readonly Column[];
  groups: readonly TableGroup[];
  provenance: Provenance;
}

export const flatTable = (
  columns: readonly Column[],
  rows: readonly Row[],
  provenance: Provenance,
): ExportTable => ({
  columns,
  groups: [{ key: 'all', label: '', rows }],
  provenance,
});

/** Throws on duplicate keys, a missing cell, or a cell of the wrong type (no half-written files). */
export function checkTable(table: ExportTable): void {
  const keys = table.columns.map((c) => c.key);
  const duplicate = keys.find((k, i) => keys.indexOf(k) !== i);
  if (duplicate !== undefined) throw new Error(`column "${duplicate}" appears twice`);
  if (keys.some((k) => k === '')) throw new Error('a column key is empty');
  allRows(table).forEach((row, i) => {
    for (const c of table.columns) {
      const v = row[c.key];
      const isValid =
        c.type === 'text'
          ? typeof v === 'string'
          : v === null || (typeof v === 'number' && Number.isFinite(v));
      if (!isValid)
        throw new Error(
          `row ${i}, column "${c.key}" (${c.type}): invalid value ${JSON.stringify(v) ?? 'undefined'}`,
        );
    }
  });
}

const allRows = (table: ExportTable): Row[] => table.groups.flatMap((g) => g.rows);

const formulaStart = /^'*[=+\-@\t\r]/;

/** The injection guard for one text cell (see the file comment); `csv-reader.ts` undoes it. */
export const guardFormula = (text: string): string =>
  text !== '-' && formulaStart.test(text) ? `'${text}` : text;

function csvField(value: string, isSoleColumn: boolean): string {
  const needsQuotes = /[",\r\n]/.test(value) || value.startsWith('#') || (isSoleColumn && value === '');
  return needsQuotes ? `"${value.replaceAll('"', '""')}"` : value;
}

function csvCell(column: Column, value: Cell, isSoleColumn: boolean): string {
  if (column.type === 'number') return value === null ? '' : String(value);
  return csvField(guardFormula(value as string), isSoleColumn);
}

export interface CsvOptions {
  /** Write the `# ` provenance lines (default true). */
  withProvenance?: boolean;
  /** Start with a UTF-8 byte-order mark, which Excel needs to detect UTF-8 (default false). */
  withBom?: boolean;
}

export function writeCsv(table: ExportTable, options: CsvOptions = {}): string {
  checkTable(table);
  const sole = table.columns.length === 1;
  const lines = [
    ...(options.withProvenance === false ? [] : provenanceLines(table.provenance).map((l) => `# ${l}`)),
    table.columns.map((c) => csvField(c.key, sole)).join(','),
    ...allRows(table).map((row) => table.columns.map((c) => csvCell(c, row[c.key]!, sole)).join(',')),
  ];
  return `${options.withBom ? '\uFEFF' : ''}${lines.join('\r\n')}\r\n`;
}

export function writeJsonl(table: ExportTable): string {
  checkTable(table);
  const header = { type: 'provenance', provenance: table.provenance, columns: table.columns };
  const rows = allRows(table).map((row) => Object.fromEntries(table.columns.map((c) => [c.key, row[c.key]])));
  return [header, ...rows].map((o) => JSON.stringify(o)).join('\n') + '\n';
}

/** Number as shown in Markdown/LaTeX: fixed decimals when the column asks, else the shortest form. */
export const displayNumber = (value: number, digits: number | undefined): string =>
  digits === undefined ? String(value) : value.toFixed(digits);

/** GFM cell text: backslash-escape Markdown punctuation and pipes; line breaks as `<br>`. */
export const escapeMarkdown = (text: string): string =>
  text.replace(/[\\|*_`[\]<>~]/g, (ch) => `\\${ch}`).replace(/\r\n|[\r\n\u2028\u2029]/g, '<br>');

function markdownTable(columns: readonly Column[], rows: readonly Row[]): string[] {
  const cell = (c: Column, v: Cell): string =>
    v === null ? '' : typeof v === 'number' ? displayNumber(v, c.digits) : escapeMarkdown(v);
  return [
    `| ${columns.map((c) => escapeMarkdown(c.label)).join(' | ')} |`,
    `| ${columns.map((c) => (c.type === 'number' ? '---:' : ':---')).join(' | ')} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(c, row[c.key]!)).join(' | ')} |`),
  ];
}

export function writeMarkdown(table: ExportTable): string {
  checkTable(table);
  // "--" cannot appear inside an HTML comment.
  const comment = provenanceLines(table.provenance).map((l) => l.replace(/-(?=-)/g, '- '));
  const parts = [['<!--', ...comment, '-->'].join('\n')];
  for (const group of table.groups) {
    const heading = group.label === '' ? [] : [`### ${escapeMarkdown(group.label)}`, ''];
    parts.push([...heading, ...markdownTable(table.columns, group.rows)].join('\n'));
  }
  return parts.join('\n\n') + '\n';
}
