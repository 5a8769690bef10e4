import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { escapeLatex, writeLatex } from '../../../../src/core/review/latex-table';
import { checkpointLabel } from '../../../../src/core/review/provenance';
import { bucketGroups, groupRows } from '../../../../src/core/review/table-groups';
import { type ExportTable, flatTable, type Row } from '../../../../src/core/review/table-formats';
import { decodeRow } from '../../../helpers/latex-rows';
import { allSpecials, columns, provenance, rows } from './table-fixtures';

describe('LaTeX escaping', () => {
  it('escapes every special character so that the row decodes back to the text', () => {
    const escaped = escapeLatex(allSpecials);
    expect(escaped).toContain(
      'a\\textbackslash{}b \\& 50\\% \\$x\\$ \\#1 snake\\_case \\{br\\} \\textasciitilde{}t',
    );
    expect(escaped).toContain(
      '\\textasciicircum{}h \\textless{}l\\textgreater{} \\textbar{}p\\textbar{} {[}o{]} -{}-',
    );
    expect(decodeRow(`${escaped} \\\\`)).toEqual([allSpecials.replace(/\r\n|\n/g, ' ')]);
  });

  it('the tokenizer catches an unescaped special (it can fail)', () => {
    expect(() => decodeRow('50% \\\\')).toThrow(/unescaped %/);
    expect(() => decodeRow('a_b \\\\')).toThrow(/unescaped _/);
  });

  it('drops control characters and never leaves a blank line inside the tabular', () => {
    expect(escapeLatex('a\u0000b\u0007c\n\nd\te')).toBe('abc  d e');
  });
});

const label = (i: number): string => checkpointLabel(provenance.revisions[i]!);
const labels = [0, 1, 2].map(label);
const bucketOfRow = (row: Row): string =>
  String(row.languages === 'all' ? 'C' : row.feat_id === 3 ? 'A-C' : 'A');

describe('LaTeX writer', () => {
  const grouped: ExportTable = {
    columns,
    provenance,
    groups: groupRows(rows, bucketOfRow, bucketGroups(labels)),
  };

  it('writes a booktabs table grouped in the paper order with provenance comments, caption and label', () => {
    const tex = writeLatex(grouped, {
      caption: 'Pythia 1B/4B/286B, 3-way (50% annotated)',
      label: 'tab:3way_annotation_pythia',
    });
    const lines = tex.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^% Encoding: UTF-8/);
    expect(lines).toContain('%   model: pythia-1b');
    expect(lines).toContain('%   run config hash: sha256:0123abcd');
    expect(tex).toContain('% Contains characters beyond Latin-1 (中 🙂)');
    expect(lines).toContain('\\begin{tabular}{rrll}');
    expect(lines).toContain('FeatID & RelIE & Interpreted Function & Languages \\\\');
    const headers = lines.filter((l) => l.startsWith('\\multicolumn'));
    expect(headers).toEqual([
      '\\multicolumn{4}{l}{\\textbf{1B specific (discontinued)}} \\\\',
      '\\multicolumn{4}{l}{\\textbf{1B-286B shared (transient gap)}} \\\\',
      '\\multicolumn{4}{l}{\\textbf{286B specific (emerged late)}} \\\\',
    ]);
    expect(lines).toContain('12 & 0.12 & detects regular plural nouns & eng,fra* \\\\');
    expect(lines).toContain('3 & $-$0.50 & ' + escapeLatex(allSpecials) + ' &  \\\\');
    expect(lines.filter((l) => l === '\\midrule')).toHaveLength(3); // after the header, between 3 groups
    expect(lines.slice(-5)).toEqual([
      '\\bottomrule',
      '\\end{tabular}',
      '\\caption{Pythia 1B/4B/286B, 3-way (50\\% annotated)}',
      '\\label{tab:3way_annotation_pythia}',
      '\\end{table}',
    ]);
  });

  it('every data row tokenizes into the right number of cells with no unescaped special', () => {
    const tex = writeLatex(flatTable(columns, rows, provenance));
    const dataLines = tex.split('\n').filter((l) => /^\d+ & /.test(l));
    expect(dataLines).toHaveLength(rows.length);
    dataLines.forEach((line) => expect(decodeRow(line)).toHaveLength(columns.length));
    expect(decodeRow(dataLines[3]!)[2]).toBe('=HYPERLINK("http://x")'); // no CSV guard in LaTeX
  });

  it('uses italic sub-group headers for 2-way tables and refuses unsafe labels and specs', () => {
    const twoWay = { ...grouped, groups: [{ key: 'A', label: '1B specific (discontinued)', rows }] };
    expect(writeLatex(twoWay, { groupStyle: 'italic' })).toContain('{\\textit{1B specific (discontinued)}}');
    expect(() => writeLatex(twoWay, { label: 'tab:a b' })).toThrow(/label/);
    expect(() => writeLatex(twoWay, { label: 'x}\\input{y' })).toThrow(/label/);
    expect(() => writeLatex(twoWay, { columnSpec: 'l%' })).toThrow(/spec/);
    expect(writeLatex(twoWay, { isFloat: false })).not.toContain('\\begin{table}');
  });
});

const hasPdflatex = spawnSync('pdflatex', ['--version'], { encoding: 'utf8' }).status === 0;

describe('LaTeX output compiles', () => {
  it.skipIf(!hasPdflatex)(
    hasPdflatex
      ? 'compiles with pdflatex (T1, utf8, booktabs)'
      : 'compiles with pdflatex (skipped: pdflatex is not installed on this machine)',
    () => {
      // pdflatex cannot typeset CJK or emoji; the header comment says so. Latin text and every special go in.
      const latin = allSpecials.replace(/[中🙂]/gu, '');
      const table = flatTable(
        columns,
        [...rows.slice(0, 2), { ...rows[2]!, description: latin }, rows[3]!],
        provenance,
      );
      const groups = groupRows(table.groups[0]!.rows, bucketOfRow, bucketGroups(labels));
      const body = writeLatex(
        { ...table, groups },
        { caption: 'All specials: 100% & $5 #1 a_b {c} ~ ^', label: 'tab:x' },
      );
      const document = [
        '\\documentclass{article}',
        '\\usepackage[T1]{fontenc}',
        '\\usepackage[utf8]{inputenc}',
        '\\usepackage{booktabs}',
        '\\begin{document}',
        body,
        '\\end{document}',
      ].join('\n');
      const dir = mkdtempSync(join(tmpdir(), 'ctt-latex-'));
      try {
        writeFileSync(join(dir, 'table.tex'), document);
        const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'table.tex'], {
          cwd: dir,
          encoding: 'utf8',
          timeout: 60_000,
        });
        expect(run.status, run.stdout.slice(-2000)).toBe(0);
        expect(run.stdout).not.toMatch(/Missing character|Undefined control sequence/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );
});
