/**
 * LaTeX (booktabs) writer for exported tables: `\toprule`, one header row of column labels, then per
 * group a `\multicolumn` header (bold; italic for the paper's 2-way sub-groups) and its rows, groups
 * separated by `\midrule`, `\bottomrule`; caption and label optional. Provenance goes in `%` comment
 * lines above the table (a comment runs to the end of its line, so any text is safe there once line
 * breaks are flattened).
 *
 * Escaping (every cell, the labels and the caption): the ten specials \ & % $ # _ { } ~ ^ (the LaTeX
 * Companion, 2nd ed., §7.1; `\textbackslash{}`, `\textasciitilde{}`, `\textasciicircum{}` for the three
 * without a `\x` form), plus < > | (wrong glyphs in the OT1 encoding), [ ] (a cell starting with `[`
 * would be read as the optional argument of the previous `\\`), `--` (ligature to a dash), and line
 * breaks and control characters (a blank line would end the paragraph inside tabular). Non-ASCII text
 * stays UTF-8: pdflatex reads it with `inputenc` utf8 (the default since 2018) for Latin, Greek and
 * Cyrillic with `fontenc` T1/T2A; other scripts (CJK, Devanagari, Arabic) need xelatex or lualatex with
 * a font that has them, which the header comment says when such characters occur.
 */
import { provenanceLines } from './provenance';
import { type Cell, checkTable, type Column, displayNumber, type ExportTable } from './table-formats';

const specials: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '&': '\\&',
  '%': '\\%',
  $: '\\$',
  '#': '\\#',
  _: '\\_',
  '{': '\\{',
  '}': '\\}',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '|': '\\textbar{}',
  '[': '{[}',
  ']': '{]}',
};

/** Text → LaTeX text-mode source that typesets as the same characters (single pass, no double escaping). */
export function escapeLatex(text: string): string {
  return text
    .replace(/\r\n|[\r\n\t\u2028\u2029]/g, ' ')
    .replace(/[\u0000-\u001f\u007f]/g, '') // eslint-disable-line no-control-regex
    .replace(/[\\&%$#_{}~^<>|[\]]/g, (ch) => specials[ch]!)
    .replace(/-(?=-)/g, '-{}');
}

function latexCell(column: Column, value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'string') return escapeLatex(value);
  const shown = displayNumber(Math.abs(value), column.digits);
  return value < 0 ? `$-$${shown}` : shown;
}

/** Distinct characters beyond Latin-1 (pdflatex with T1 may lack them), at most 12. */
function charactersBeyondLatin1(texts: readonly string[]): string[] {
  const found = new Set<string>();
  for (const text of texts)
    for (const ch of text) if (ch.codePointAt(0)! > 0xff && found.size < 12) found.add(ch);
  return [...found];
}

function headerComment(table: ExportTable): string[] {
  const texts = table.groups.flatMap((g) => [
    g.label,
    ...g.rows.flatMap((r) => Object.values(r).map(String)),
  ]);
  const beyond = charactersBeyondLatin1(texts);
  return [
    '% Encoding: UTF-8. Needs \\usepackage{booktabs}; with pdflatex also \\usepackage[T1]{fontenc}',
    '% (and \\usepackage[utf8]{inputenc} before LaTeX 2018).',
    ...(beyond.length > 0
      ? [
          `% Contains characters beyond Latin-1 (${beyond.join(' ')}): use xelatex or lualatex with a font that has them.`,
        ]
      : []),
    '% Provenance:',
    ...provenanceLines(table.provenance).map((l) => `%   ${l}`),
  ];
}

export interface LatexOptions {
  caption?: string;
  /** `\label{…}`: letters, digits and : . _ - / only. */
  label?: string;
  /** Group header style: bold (3-way tables) or italic (the paper's 2-way sub-groups). */
  groupStyle?: 'bold' | 'italic';
  /** tabular column spec; default `r` for number and `l` for text columns. */
  columnSpec?: string;
  /** Wrap in a `table` float (default true). */
  isFloat?: boolean;
}

export function writeLatex(table: ExportTable, options: LatexOptions = {}): string {
  checkTable(table);
  const { columns } = table;
  if (options.label !== undefined && !/^[A-Za-z0-9:._\-/]+$/.test(options.label))
    throw new Error(`LaTeX label "${options.label}" may hold only letters, digits and : . _ - /`);
  const spec = options.columnSpec ?? columns.map((c) => (c.type === 'number' ? 'r' : 'l')).join('');
  if (/[\r\n%]/.test(spec)) throw new Error('the LaTeX column spec must be one line without %');
  const style = options.groupStyle === 'italic' ? '\\textit' : '\\textbf';
  const body: string[] = [];
  table.groups.forEach((group, i) => {
    if (i > 0) body.push('\\midrule');
    if (group.label !== '')
      body.push(`\\multicolumn{${columns.length}}{l}{${style}{${escapeLatex(group.label)}}} \\\\`);
    for (const row of group.rows)
      body.push(`${columns.map((c) => latexCell(c, row[c.key]!)).join(' & ')} \\\\`);
  });
  const tabular = [
    `\\begin{tabular}{${spec}}`,
    '\\toprule',
    `${columns.map((c) => escapeLatex(c.label)).join(' & ')} \\\\`,
    '\\midrule',
    ...body,
    '\\bottomrule',
    '\\end{tabular}',
  ];
  const isFloat = options.isFloat ?? true;
  const float = isFloat
    ? [
        '\\begin{table}[htbp]',
        '\\centering',
        ...tabular,
        ...(options.caption !== undefined ? [`\\caption{${escapeLatex(options.caption)}}`] : []),
        ...(options.label !== undefined ? [`\\label{${options.label}}`] : []),
        '\\end{table}',
      ]
    : tabular;
  return [...headerComment(table), ...float].join('\n') + '\n';
}
