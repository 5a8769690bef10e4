import { expect } from 'vitest';

// Decoding of LaTeX table rows written by src/core/review/latex-table.ts (shared by the writer's and the
// export's tests).

const controlSymbols: Record<string, string> = {
  textbackslash: '\\',
  textasciitilde: '~',
  textasciicircum: '^',
  textless: '<',
  textgreater: '>',
  textbar: '|',
};

/**
 * A small tokenizer for the LaTeX text our writer may emit in a table row: control words with an empty
 * group (`\textbackslash{}`), control symbols (`\&`), `{[}` `{]}` `-{}`, `$-$`, and plain characters.
 * Splits the row into cells on bare `&` and decodes each cell back to text; throws on any bare special
 * (\ { } $ # % _ ~ ^) that is not part of an escape, which would mean the output was not escaped.
 */
export function decodeRow(line: string): string[] {
  expect(line.endsWith(' \\\\')).toBe(true);
  const body = line.slice(0, -3);
  const token = /\\([A-Za-z]+)\{\}|\\([&%$#_{}])|\{([[\]])\}|-\{\}|\$-\$|(.)/suy;
  const cells: string[] = [];
  let cell = '';
  while (token.lastIndex < body.length) {
    // The last alternative matches any character, so exec cannot fail before the end.
    const [whole, word, symbol, bracket, plain = ''] = token.exec(body)!;
    if (plain === '&') {
      cells.push(cell);
      cell = '';
      continue;
    }
    if (word !== undefined && !(word in controlSymbols)) throw new Error(`unexpected control word \\${word}`);
    if (/[\\{}$#%_~^]/.test(plain)) throw new Error(`unescaped ${plain} in ${JSON.stringify(body)}`);
    const dash = whole === '-{}' || whole === '$-$' ? '-' : undefined;
    cell += word !== undefined ? controlSymbols[word]! : (symbol ?? bracket ?? dash ?? plain);
  }
  cells.push(cell);
  return cells.map((c) => c.trim());
}
