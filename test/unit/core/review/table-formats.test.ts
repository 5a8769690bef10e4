import { describe, expect, it } from 'vitest';
import { readCsvTable } from '../../../../src/core/review/csv-reader';
import { checkpointLabel, provenanceLines, tokensLabel } from '../../../../src/core/review/provenance';
import {
  checkTable,
  type Column,
  escapeMarkdown,
  flatTable,
  guardFormula,
  type Row,
  writeCsv,
  writeJsonl,
  writeMarkdown,
} from '../../../../src/core/review/table-formats';
import { SeededRandom } from '../../../../src/core/random';
import { allSpecials, columns, provenance, rows } from './table-fixtures';

const table = flatTable(columns, rows, provenance);

describe('CSV writer', () => {
  it('round-trips quotes, commas, line breaks, unicode and formula-looking text through the reader', () => {
    const csv = writeCsv(table);
    const read = readCsvTable(csv, columns);
    expect(read.rows).toEqual(rows);
    expect(read.preamble[0]).toBe('Crosscoder Workbench export');
    // Bytes with a BOM, as Excel wants them, read the same.
    const bytes = new TextEncoder().encode(writeCsv(table, { withBom: true }));
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(readCsvTable(bytes, columns).rows).toEqual(rows);
  });

  it('round-trips seeded random text made of the awkward characters', () => {
    const alphabet = [
      '"',
      ',',
      '\n',
      '\r',
      '\r\n',
      "'",
      '=',
      '+',
      '-',
      '@',
      '#',
      ' ',
      '\t',
      'a',
      'é',
      '中',
      '🙂',
      '|',
    ];
    const r = new SeededRandom(7);
    const text = (): string =>
      Array.from({ length: r.int(8) }, () => alphabet[r.int(alphabet.length)]!).join('');
    const cols: Column[] = [
      { key: 'a', label: 'A', type: 'text' },
      { key: 'n', label: 'N', type: 'number' },
      { key: 'b', label: 'B', type: 'text' },
    ];
    const random: Row[] = Array.from({ length: 300 }, () => ({
      a: text(),
      n: r.normal() * 10 ** r.int(12),
      b: text(),
    }));
    expect(readCsvTable(writeCsv(flatTable(cols, random, provenance)), cols).rows).toEqual(random);
  });

  it('keeps an empty value of a one-column table (written "" so it is not a blank line)', () => {
    const cols: Column[] = [{ key: 'description', label: 'D', type: 'text' }];
    const one = [{ description: 'x' }, { description: '' }, { description: 'y' }];
    expect(readCsvTable(writeCsv(flatTable(cols, one, provenance)), cols).rows).toEqual(one);
  });

  it('quotes by RFC 4180, ends lines with CRLF, writes provenance as # lines before the header', () => {
    const csv = writeCsv(table);
    const lines = csv.split('\r\n');
    expect(lines.slice(0, 2)).toEqual(['# Crosscoder Workbench export', '# model: pythia-1b']);
    expect(lines).toContain('feat_id,rel_ie,description,languages');
    expect(lines).toContain('12,0.123456,detects regular plural nouns,"eng,fra*"');
    expect(csv).toContain(
      '"a\\b & 50% $x$ #1 snake_case {br} ~t ^h <l> |p| [o] -- ""q"" \'s, x\ny\r\nz é ß 中 🙂"',
    );
    expect(writeCsv(table, { withProvenance: false }).startsWith('feat_id,')).toBe(true);
  });

  it('guards text cells that start a formula, never number cells, and leaves the lone "-" alone', () => {
    const csv = writeCsv(table, { withProvenance: false });
    expect(csv).toContain('40,1e-7,"\'=HYPERLINK(""http://x"")",\'@eng\r\n');
    expect(csv).toContain('3,-0.5,'); // a negative number is not a formula
    expect(csv).toContain('7,,-,all\r\n');
    expect(['=1+1', '+1', '-2+3', '@SUM(A1)', '\tx', '\rx'].map(guardFormula)).toEqual([
      "'=1+1",
      "'+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tx",
      "'\rx",
    ]);
    // Apostrophes already in front still get one more, so reading can undo exactly one.
    expect(guardFormula("'=x")).toBe("''=x");
    expect(guardFormula('plain = text')).toBe('plain = text');
  });

  it('refuses cells of the wrong type, NaN, missing cells and duplicate keys before writing anything', () => {
    const bad =
      (r: Row): (() => string) =>
      () =>
        writeCsv(flatTable(columns, [r], provenance));
    expect(bad({ ...rows[0]!, rel_ie: Number.NaN })).toThrow(/rel_ie/);
    expect(bad({ ...rows[0]!, feat_id: '12' })).toThrow(/feat_id/);
    expect(bad({ feat_id: 1, rel_ie: 0, description: 'x' })).toThrow(/languages/);
    const twice = [...columns, columns[0]!];
    expect(() => checkTable(flatTable(twice, [], provenance))).toThrow(/twice/);
  });
});

describe('JSONL writer', () => {
  it('puts provenance and columns on line 1, then one flat object a row in column order', () => {
    const lines = writeJsonl(table).trimEnd().split('\n');
    expect(lines).toHaveLength(rows.length + 1);
    const header = JSON.parse(lines[0]!) as { type: string; provenance: unknown; columns: unknown };
    expect(header).toEqual({ type: 'provenance', provenance, columns });
    const parsed = lines.slice(1).map((l) => JSON.parse(l) as Row);
    expect(parsed).toEqual(rows);
    expect(Object.keys(parsed[0]!)).toEqual(columns.map((c) => c.key));
    expect(lines.every((l) => !l.includes('\n'))).toBe(true);
  });
});

/** Splits a GFM table row on pipes not preceded by an escaping backslash, then undoes the escapes. */
function markdownCells(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  for (let i = 1; i < line.length - 1; i++) {
    const ch = line[i]!;
    if (ch === '\\') {
      current += ch + line[i + 1]!;
      i++;
    } else if (ch === '|') {
      cells.push(current);
      current = '';
    } else current += ch;
  }
  cells.push(current);
  return cells.map((c) => c.trim().replace(/<br>/g, '\n').replace(/\\(.)/g, '$1'));
}

describe('Markdown writer', () => {
  it('escapes pipes, backslashes and Markdown punctuation, and turns line breaks into <br>', () => {
    expect(escapeMarkdown('a|b\\c*d_e`f[g]h<i>j~k')).toBe('a\\|b\\\\c\\*d\\_e\\`f\\[g\\]h\\<i\\>j\\~k');
    expect(escapeMarkdown('x\ny\r\nz\rw')).toBe('x<br>y<br>z<br>w');
  });

  it('writes a table whose rows split back into the same cells, with provenance in a comment', () => {
    const md = writeMarkdown(table);
    expect(md.startsWith('<!--\nCrosscoder Workbench export\nmodel: pythia-1b\n')).toBe(true);
    const lines = md.split('\n');
    const special = lines.find((l) => l.startsWith('| 3 |'))!;
    expect(markdownCells(special)).toEqual(['3', '-0.50', allSpecials.replace(/\r\n/g, '\n'), '']);
    expect(lines).toContain('| FeatID | RelIE | Interpreted Function | Languages |');
    expect(lines).toContain('| ---: | ---: | :--- | :--- |');
    expect(lines).toContain('| 12 | 0.12 | detects regular plural nouns | eng,fra\\* |');
    expect(lines).toContain('| 7 |  | - | all |');
  });

  it('writes one heading per labelled group and keeps "--" out of the comment', () => {
    const grouped = {
      columns,
      provenance: { ...provenance, model: 'a--b' },
      groups: [
        { key: 'A', label: '1B specific (discontinued)', rows: [rows[0]!] },
        { key: 'C', label: '286B specific (emerged late)', rows: [rows[1]!] },
      ],
    };
    const md = writeMarkdown(grouped);
    expect(md).toContain('### 1B specific (discontinued)\n\n| FeatID');
    expect(md.indexOf('### 1B specific')).toBeLessThan(md.indexOf('### 286B specific'));
    const comment = md.slice(4, md.indexOf('-->'));
    expect(comment).not.toContain('--');
  });
});

describe('provenance', () => {
  it('labels checkpoints by tokens seen as the paper does, else by revision', () => {
    expect([1e9, 4e9, 286e9, 3048e9, 2.1e9, 550e6, 12_345, 512].map((n) => tokensLabel(n))).toEqual([
      '1B',
      '4B',
      '286B',
      '3048B',
      '2.1B',
      '550M',
      '12K',
      '512',
    ]);
    expect(checkpointLabel({ revision: 'step100', tokensSeen: null })).toBe('step100');
  });

  it('lists every field on one line each, line breaks flattened; refuses an incomplete record', () => {
    const lines = provenanceLines({ ...provenance, task: 'two\nlines' });
    expect(lines).toEqual([
      'Crosscoder Workbench export',
      'model: pythia-1b',
      'revisions: step1000 (1000000000 tokens seen), step2000 (4000000000 tokens seen), step143000 (286000000000 tokens seen)',
      'layer: 8',
      'run config hash: sha256:0123abcd',
      'thresholds: t_low 0.3, t_high 0.7',
      'seed: 124',
      'task: two lines',
      'annotators: ana, ben',
      'app version: 0.1.0',
      'created: 2025-01-02T03:04:05.000Z',
    ]);
    expect(() => provenanceLines({ ...provenance, revisions: [] })).toThrow();
  });
});
