import { existsSync, readdirSync } from 'node:fs';
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

/** The demo task files (resources/demo/tasks/*.jsonl), the subject–verb agreement task first. */
export function findDemoTaskFiles(cwd: string = process.cwd()): string[] {
  const relative = ['../../resources/demo/tasks', '../../../resources/demo/tasks'];
  const candidates = [
    ...relative.map((r) => fileURLToPath(new URL(r, import.meta.url))),
    join(cwd, 'resources', 'demo', 'tasks'),
  ];
  const dir = candidates.find((path) => existsSync(path));
  if (dir === undefined) return [];
  const first = 'sv_pp_attractor.eng.jsonl';
  return readdirSync(dir)
    .filter((name) => name.endsWith('.jsonl'))
    .sort((a, b) => Number(b === first) - Number(a === first) || a.localeCompare(b))
    .map((name) => join(dir, name));
}

/** The demo study folder (resources/demo/study, with study.json), or null when this install has none. */
export function findDemoStudyDir(cwd: string = process.cwd()): string | null {
  const relative = ['../../resources/demo/study', '../../../resources/demo/study'];
  const candidates = [
    ...relative.map((r) => fileURLToPath(new URL(r, import.meta.url))),
    join(cwd, 'resources', 'demo', 'study'),
  ];
  return candidates.find((path) => existsSync(join(path, 'study.json'))) ?? null;
}

/** The app's folder (the one with package.json and resources/), or null when it cannot be found. */
export function findAppDir(cwd: string = process.cwd()): string | null {
  const relative = ['../..', '../../..'];
  const candidates = [...relative.map((r) => fileURLToPath(new URL(r, import.meta.url))), cwd];
  return (
    candidates.find((dir) => existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'resources'))) ??
    null
  );
}
