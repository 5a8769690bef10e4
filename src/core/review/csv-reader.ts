/**
 * Strict CSV reader (RFC 4180) for importing annotation tables: all or error. Either every record is
 * returned, or a `CsvError` names the place: physical line (1-based, as an editor shows it), data record
 * (1-based, header excluded), column (1-based, with its header name) and, for encoding errors, the byte
 * offset.
 *
 * - Bytes must be UTF-8: the first invalid sequence (e.g. a Windows-1252 "é" = 0xE9) is reported with
 *   its byte offset; UTF-16 (by its byte-order mark) and NUL bytes are refused. A UTF-8 BOM is dropped.
 * - Fields: separated by `,`; records by CRLF, LF or CR. A field that starts with `"` is quoted: it may
 *   hold `,`, line breaks and `""` (one quote), and its closing quote must be followed by `,`, a line
 *   break or the end. A `"` inside an unquoted field is an error, as is an unterminated quote.
 * - Every record has as many fields as the header. Empty lines are skipped (a one-column empty value is
 *   written `""` by `table-formats.ts`, so it survives). Header names must be unique and non-empty,
 *   except an empty first name (the index column pandas writes), whose column is ignored.
 * - Lines starting with `#` before the header are the preamble (the provenance of our CSV exports).
 */
import { exportMarker } from './provenance';
import type { Column, Row } from './table-formats';

export interface CsvPlace {
  line?: number | null;
  record?: number | null;
  column?: number | null;
  columnName?: string | null;
  byteOffset?: number | null;
}

export class CsvError extends Error {
  constructor(
    readonly reason: string,
    readonly place: CsvPlace = {},
  ) {
    super(`${describePlace(place)}${reason}`);
    this.name = 'CsvError';
  }
}

function describePlace(p: CsvPlace): string {
  const parts: string[] = [];
  if (p.byteOffset != null) parts.push(`byte offset ${p.byteOffset}`);
  if (p.line != null) parts.push(p.record != null ? `line ${p.line} (record ${p.record})` : `line ${p.line}`);
  if (p.column != null) parts.push(`column ${p.column}${p.columnName ? ` "${p.columnName}"` : ''}`);
  return parts.length > 0 ? `${parts.join(', ')}: ` : '';
}

/** [sequence length, range of the second byte] for a lead byte ≥ 0x80 (RFC 3629 §4); null: invalid lead. */
function utf8Lead(b: number): [number, number, number] | null {
  if (b >= 0xc2 && b <= 0xdf) return [2, 0x80, 0xbf];
  if (b === 0xe0) return [3, 0xa0, 0xbf]; // no overlong 3-byte forms
  if (b === 0xed) return [3, 0x80, 0x9f]; // no UTF-16 surrogates
  if (b >= 0xe1 && b <= 0xef) return [3, 0x80, 0xbf];
  if (b === 0xf0) return [4, 0x90, 0xbf]; // no overlong 4-byte forms
  if (b >= 0xf1 && b <= 0xf3) return [4, 0x80, 0xbf];
  if (b === 0xf4) return [4, 0x80, 0x8f]; // ≤ U+10FFFF
  return null;
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when it is invalid. */
function utf8SequenceLength(bytes: Uint8Array, i: number): number {
  const b = bytes[i]!;
  if (b < 0x80) return 1;
  const lead = utf8Lead(b);
  if (lead === null) return 0;
  const [length, low, high] = lead;
  if (i + length > bytes.length) return 0;
  const second = bytes[i + 1]!;
  if (second < low || second > high) return 0;
  for (let k = 2; k < length; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return 0;
  return length;
}

const lineAt = (bytes: Uint8Array, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
  return line;
};

/** Strict UTF-8 decoding; the BOM is dropped. Throws `CsvError` with the byte offset and line. */
export function decodeUtf8(bytes: Uint8Array): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    throw new CsvError('the file is UTF-16 (byte-order mark); save it as UTF-8', { byteOffset: 0, line: 1 });
  for (let i = 0; i < bytes.length;) {
    if (bytes[i] === 0)
      throw new CsvError('NUL byte (binary or UTF-16 file?); save it as UTF-8', {
        byteOffset: i,
        line: lineAt(bytes, i),
      });
    const length = utf8SequenceLength(bytes, i);
    if (length === 0) {
      const hex = bytes[i]!.toString(16).toUpperCase().padStart(2, '0');
      throw new CsvError(`invalid UTF-8 (byte 0x${hex}); save the file as UTF-8`, {
        byteOffset: i,
        line: lineAt(bytes, i),
      });
    }
    i += length;
  }
  const text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  return text.startsWith('\uFEFF') ? text.slice(1) : text;
}

export interface CsvRecord {
  /** Physical line where the record starts. */
  line: number;
  fields: string[];
}
export interface CsvDocument {
  preamble: string[];
  header: CsvRecord;
  records: CsvRecord[];
}

/** Cursor over the text; `line` counts CRLF, LF and lone CR as one line break each. */
interface Cursor {
  text: string;
  i: number;
  line: number;
}

const isBreak = (ch: string | undefined): boolean => ch === '\n' || ch === '\r';

function skipBreak(c: Cursor): void {
  c.i += c.text[c.i] === '\r' && c.text[c.i + 1] === '\n' ? 2 : 1;
  c.line++;
}

function quotedField(c: Cursor, place: CsvPlace): string {
  const startLine = c.line;
  let value = '';
  c.i++; // opening quote
  for (;;) {
    const close = c.text.indexOf('"', c.i);
    if (close < 0)
      throw new CsvError('unterminated quoted field (a closing " is missing)', { ...place, line: startLine });
    const chunk = c.text.slice(c.i, close);
    c.line += chunk.match(/\r\n|\r|\n/g)?.length ?? 0;
    value += chunk;
    c.i = close + 1;
    if (c.text[c.i] !== '"') break;
    value += '"';
    c.i++;
  }
  const next = c.text[c.i];
  if (next !== undefined && next !== ',' && !isBreak(next))
    throw new CsvError(
      `unexpected ${JSON.stringify(next)} after a closing quote (quotes inside a field are doubled)`,
      {
        ...place,
        line: c.line,
      },
    );
  return value;
}

function unquotedField(c: Cursor, place: CsvPlace): string {
  const start = c.i;
  while (c.i < c.text.length && c.text[c.i] !== ',' && !isBreak(c.text[c.i])) {
    if (c.text[c.i] === '"')
      throw new CsvError('a " inside an unquoted field (quote the whole field and double the quote)', {
        ...place,
        line: c.line,
      });
    c.i++;
  }
  return c.text.slice(start, c.i);
}

function readRecord(c: Cursor, record: number | null, header: readonly string[] | null): CsvRecord {
  const line = c.line;
  const fields: string[] = [];
  for (;;) {
    const column = fields.length + 1;
    const place: CsvPlace = { line, record, column, columnName: header?.[column - 1] ?? null };
    fields.push(c.text[c.i] === '"' ? quotedField(c, place) : unquotedField(c, place));
    if (c.text[c.i] !== ',') break;
    c.i++;
  }
  if (c.i < c.text.length) skipBreak(c);
  return { line, fields };
}

function checkHeader(header: CsvRecord): void {
  header.fields.forEach((name, k) => {
    if (name === '' && k > 0)
      throw new CsvError('empty column name in the header', { line: header.line, column: k + 1 });
    const first = header.fields.indexOf(name);
    if (name !== '' && first !== k)
      throw new CsvError(`column name "${name}" appears twice (columns ${first + 1} and ${k + 1})`, {
        line: header.line,
        column: k + 1,
      });
  });
}

/** Parses the whole text (or UTF-8 bytes); throws `CsvError` on the first problem. */
export function parseCsv(input: string | Uint8Array): CsvDocument {
  const text = typeof input === 'string' ? input.replace(/^\uFEFF/, '') : decodeUtf8(input);
  const c: Cursor = { text, i: 0, line: 1 };
  const preamble: string[] = [];
  let header: CsvRecord | null = null;
  const records: CsvRecord[] = [];
  while (c.i < text.length) {
    if (isBreak(text[c.i])) {
      skipBreak(c);
    } else if (header === null && text[c.i] === '#') {
      const end = text.slice(c.i).search(/\r|\n/);
      preamble.push(text.slice(c.i + 1, end < 0 ? undefined : c.i + end).replace(/^ /, ''));
      c.i = end < 0 ? text.length : c.i + end;
    } else if (header === null) {
      header = readRecord(c, null, null);
      checkHeader(header);
    } else {
      const record = readRecord(c, records.length + 1, header.fields);
      if (record.fields.length !== header.fields.length)
        throw new CsvError(`${record.fields.length} fields, the header has ${header.fields.length}`, {
          line: record.line,
          record: records.length + 1,
        });
      records.push(record);
    }
  }
  if (header === null) throw new CsvError('no header line (the file is empty)');
  return { preamble, header, records };
}

const numberPattern = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A number cell: empty → null, otherwise a plain decimal or exponent number (no NaN, no Infinity). */
export function parseNumberCell(text: string, place: CsvPlace): number | null {
  const t = text.trim();
  if (t === '') return null;
  if (!numberPattern.test(t)) throw new CsvError(`"${text}" is not a number`, place);
  return Number(t);
}

/** Undoes `guardFormula`: one leading `'` before = + - @ TAB CR (after further apostrophes). */
export const unguardFormula = (text: string): string => (/^''*[=+\-@\t\r]/.test(text) ? text.slice(1) : text);

export interface ReadTableOptions {
  /** Strip the formula guard from text cells: `auto` (default) when the preamble marks our own export. */
  unguardFormulas?: boolean | 'auto';
}
export interface ReadTable {
  preamble: string[];
  rows: Row[];
  /** The line each row started on. */
  lines: number[];
  /** Header names not among the columns (ignored). */
  ignoredColumns: string[];
}

/** Typed rows for the given columns; every column must be in the header. All or `CsvError`. */
export function readCsvTable(
  input: string | Uint8Array,
  columns: readonly Column[],
  options: ReadTableOptions = {},
): ReadTable {
  const doc = parseCsv(input);
  const names = doc.header.fields;
  const missing = columns.filter((c) => !names.includes(c.key)).map((c) => c.key);
  if (missing.length > 0)
    throw new CsvError(`missing required column(s): ${missing.join(', ')}`, { line: doc.header.line });
  const isOurs = doc.preamble[0] === exportMarker;
  const unguard =
    options.unguardFormulas === 'auto' || options.unguardFormulas === undefined
      ? isOurs
      : options.unguardFormulas;
  const rows = doc.records.map((r, k) =>
    Object.fromEntries(
      columns.map((c) => {
        const index = names.indexOf(c.key);
        const raw = r.fields[index]!;
        const place = { line: r.line, record: k + 1, column: index + 1, columnName: c.key };
        return [
          c.key,
          c.type === 'number' ? parseNumberCell(raw, place) : unguard ? unguardFormula(raw) : raw,
        ];
      }),
    ),
  );
  const ignoredColumns = names.filter((n) => n !== '' && !columns.some((c) => c.key === n));
  return { preamble: doc.preamble, rows, lines: doc.records.map((r) => r.line), ignoredColumns };
}
