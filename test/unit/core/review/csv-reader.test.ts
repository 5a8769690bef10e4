import { describe, expect, it } from 'vitest';
import {
  CsvError,
  decodeUtf8,
  parseCsv,
  readCsvTable,
  unguardFormula,
} from '../../../../src/core/review/csv-reader';
import type { Column } from '../../../../src/core/review/table-formats';

const errorOf = (f: () => unknown): CsvError => {
  try {
    f();
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('expected a CsvError');
};

describe('strict CSV parser', () => {
  it('reads quoted fields with commas, doubled quotes and line breaks; CRLF, LF and CR records', () => {
    const doc = parseCsv('a,b,c\r\n1,"x, ""y""\nz",3\n4,,"6"\r7,8,9');
    expect(doc.header.fields).toEqual(['a', 'b', 'c']);
    expect(doc.records.map((r) => r.fields)).toEqual([
      ['1', 'x, "y"\nz', '3'],
      ['4', '', '6'],
      ['7', '8', '9'],
    ]);
    // Physical lines: the quoted line break pushes record 2 to line 4.
    expect(doc.records.map((r) => r.line)).toEqual([2, 4, 5]);
  });

  it('drops a BOM, skips blank lines, keeps # lines before the header as the preamble', () => {
    const doc = parseCsv('\uFEFF# made by x\n#second\n\nid,name\n\n1,"# not a comment"\n');
    expect(doc.preamble).toEqual(['made by x', 'second']);
    expect(doc.header).toEqual({ line: 4, fields: ['id', 'name'] });
    expect(doc.records).toEqual([{ line: 6, fields: ['1', '# not a comment'] }]);
  });

  it('names line, record and column of a malformed field', () => {
    const stray = errorOf(() => parseCsv('id,description\n1,ok\n2,say "hi"\n'));
    expect(stray.place).toMatchObject({ line: 3, record: 2, column: 2, columnName: 'description' });
    expect(stray.message).toBe(
      'line 3 (record 2), column 2 "description": a " inside an unquoted field (quote the whole field and double the quote)',
    );
    const after = errorOf(() => parseCsv('id,description\n1,"quoted"x\n'));
    expect(after.message).toMatch(
      /^line 2 \(record 1\), column 2 "description": unexpected "x" after a closing quote/,
    );
    const open = errorOf(() => parseCsv('id,description\n1,ok\n2,"never\nclosed\n'));
    expect(open.message).toMatch(/^line 3 \(record 2\), column 2 "description": unterminated quoted field/);
  });

  it('refuses records with the wrong number of fields, duplicate or empty header names, an empty file', () => {
    expect(errorOf(() => parseCsv('a,b\n1,2\n3\n')).message).toBe(
      'line 3 (record 2): 1 fields, the header has 2',
    );
    expect(errorOf(() => parseCsv('a,b\n1,2,3\n')).message).toMatch(/3 fields/);
    expect(errorOf(() => parseCsv('a,b,a\n')).message).toBe(
      'line 1, column 3: column name "a" appears twice (columns 1 and 3)',
    );
    expect(errorOf(() => parseCsv('a,,b\n')).message).toMatch(/column 2: empty column name/);
    expect(errorOf(() => parseCsv('# only a comment\n')).message).toMatch(/no header/);
    // pandas' unnamed index column is allowed.
    expect(parseCsv(',a\n0,x\n').header.fields).toEqual(['', 'a']);
  });
});

describe('encodings', () => {
  it('reports the byte offset and line of invalid UTF-8 (a Windows-1252 é)', () => {
    const bytes = Uint8Array.from([...new TextEncoder().encode('id,description\n1,caf'), 0xe9, 0x0a]);
    const e = errorOf(() => parseCsv(bytes));
    expect(e.place).toMatchObject({ byteOffset: 20, line: 2 });
    expect(e.message).toBe('byte offset 20, line 2: invalid UTF-8 (byte 0xE9); save the file as UTF-8');
  });

  it('refuses overlong forms, surrogates, truncated sequences, UTF-16 and NUL bytes', () => {
    const bad = [
      [0xc0, 0xaf], // overlong "/"
      [0xe0, 0x80, 0xaf], // overlong
      [0xed, 0xa0, 0x80], // U+D800
      [0xf4, 0x90, 0x80, 0x80], // > U+10FFFF
      [0xe2, 0x82], // truncated "€"
    ];
    for (const seq of bad)
      expect(errorOf(() => decodeUtf8(Uint8Array.from([0x61, ...seq]))).place.byteOffset).toBe(1);
    expect(errorOf(() => decodeUtf8(Uint8Array.from([0xff, 0xfe, 0x61, 0]))).message).toMatch(/UTF-16/);
    expect(errorOf(() => decodeUtf8(Uint8Array.from([0x61, 0, 0x62]))).message).toMatch(/NUL/);
  });

  it('accepts valid multi-byte text of every length', () => {
    const text = 'aé€𐍈中🙂';
    expect(decodeUtf8(new TextEncoder().encode(text))).toBe(text);
  });
});

describe('typed table reading', () => {
  const cols: Column[] = [
    { key: 'feat_id', label: 'F', type: 'number' },
    { key: 'description', label: 'D', type: 'text' },
  ];

  it('names every missing required column and lists ignored ones', () => {
    expect(errorOf(() => readCsvTable('x,y\n', cols)).message).toBe(
      'line 1: missing required column(s): feat_id, description',
    );
    expect(readCsvTable('description,feat_id,extra\nhi,3,z\n', cols)).toMatchObject({
      rows: [{ feat_id: 3, description: 'hi' }],
      ignoredColumns: ['extra'],
    });
  });

  it('parses numbers strictly: empty → null, no NaN, no units, error at the cell', () => {
    expect(readCsvTable('feat_id,description\n,x\n-1.5e3,y\n', cols).rows.map((r) => r.feat_id)).toEqual([
      null,
      -1500,
    ]);
    for (const bad of ['NaN', 'Infinity', '1,5', '12px', '0x1F']) {
      const e = errorOf(() => readCsvTable(`feat_id,description\n1,x\n"${bad}",y\n`, cols));
      expect(e.place).toMatchObject({ line: 3, record: 2, column: 1, columnName: 'feat_id' });
    }
  });

  it('undoes the formula guard only for our own exports (or when asked)', () => {
    const body = "feat_id,description\n1,'=x\n2,''@y\n3,'plain\n";
    expect(readCsvTable(body, cols).rows.map((r) => r.description)).toEqual(["'=x", "''@y", "'plain"]);
    const ours = `# Crosscoder Workbench export\n${body}`;
    expect(readCsvTable(ours, cols).rows.map((r) => r.description)).toEqual(['=x', "'@y", "'plain"]);
    expect(readCsvTable(ours, cols, { unguardFormulas: false }).rows[0]!.description).toBe("'=x");
    expect(unguardFormula("'-")).toBe('-');
    expect(unguardFormula('-')).toBe('-');
  });
});
