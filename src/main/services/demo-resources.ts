import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The demo corpus shipped in resources/demo, or null when this install has none. This module runs from
 * src/main/services (three levels below the root) or bundled into out/main (two levels, or three in a
 * chunk folder), so both depths are tried before the working directory.
 */
export function findDemoCorpusFile(cwd: string = process.cwd()): string | null {
  const relative = ['../../resources/demo/corpus.txt', '../../../resources/demo/corpus.txt'];
  const candidates = [
    ...relative.map((r) => fileURLToPath(new URL(r, import.meta.url))),
    join(cwd, 'resources', 'demo', 'corpus.txt'),
  ];
  return candidates.find((path) => existsSync(path)) ?? null;
}
