/**
 * One line of a tab-separated file as pandas writes it (`to_csv(sep="\t")`, QUOTE_MINIMAL): a field
 * that contains a tab or a quote is wrapped in double quotes, with inner quotes doubled. Fields that
 * span lines are not supported (we stream line by line); such a line is reported as malformed.
 */
export function splitTsvLine(line: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let value = '';
      i++;
      for (;;) {
        const close = line.indexOf('"', i);
        if (close < 0) throw new Error('unterminated quoted field (fields spanning lines are not supported)');
        value += line.slice(i, close);
        if (line[close + 1] === '"') {
          value += '"';
          i = close + 2;
        } else {
          i = close + 1;
          break;
        }
      }
      if (i < line.length && line[i] !== '\t') throw new Error(`unexpected text after a quoted field`);
      fields.push(value);
    } else {
      const tab = line.indexOf('\t', i);
      fields.push(line.slice(i, tab < 0 ? line.length : tab));
      i = tab < 0 ? line.length : tab;
    }
    if (i >= line.length) return fields;
    i++; // past the tab
  }
}
