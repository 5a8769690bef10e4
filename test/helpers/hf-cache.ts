import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTinyModelFolder, type TinyFolderOptions } from './tiny-model-folder';

/** A 40-hex commit id made of one repeated hex digit (`'a'` → `aaaa…`). */
export const fakeSha = (digit: string): string => digit.repeat(40);

/**
 * Writes the Hugging Face cache layout for `repo`: `refs/<ref>` holds a commit, and each commit with
 * `hasSnapshot` (default true) gets `snapshots/<sha>/` with a tiny model folder. Returns the repo folder.
 */
export async function writeFakeHfCache(
  cacheDir: string,
  repo: string,
  refs: ReadonlyArray<{ ref: string; sha: string; hasSnapshot?: boolean }>,
  folderOptions: TinyFolderOptions = {},
): Promise<string> {
  const repoDir = join(cacheDir, `models--${repo.split('/').join('--')}`);
  mkdirSync(join(repoDir, 'refs'), { recursive: true });
  const written = new Set<string>();
  for (const { ref, sha, hasSnapshot } of refs) {
    writeFileSync(join(repoDir, 'refs', ref), sha);
    if (hasSnapshot === false || written.has(sha)) continue;
    written.add(sha);
    await writeTinyModelFolder(join(repoDir, 'snapshots', sha), folderOptions);
  }
  return repoDir;
}
