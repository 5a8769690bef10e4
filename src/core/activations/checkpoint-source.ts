import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { pythiaTokensSeen, resolveCachedModel } from '../hf/model-folder';
import type { ExtractCheckpoint } from './extract';

/*
 * Where the checkpoints of `ctt extract --model DIR --revisions A,B` live. DIR is either a family folder
 * whose subfolders are revisions (resources/demo/models/demo-lm/step100, …) or a Hugging Face cache repo
 * folder (`models--org--name`, revisions resolved through refs/ or given as commits).
 */

export interface ResolvedCheckpoints {
  /** The family label stored with the activations: the folder's absolute path, or the repo id. */
  model: string;
  kind: 'folder' | 'hfCache';
  checkpoints: ExtractCheckpoint[];
}

const cachePrefix = 'models--';

/** `models--EleutherAI--pythia-160m` → `EleutherAI/pythia-160m`, or null for another name. */
export function repoIdOfCacheFolder(name: string): string | null {
  if (!name.startsWith(cachePrefix)) return null;
  const rest = name.slice(cachePrefix.length);
  const cut = rest.indexOf('--');
  return cut > 0 ? `${rest.slice(0, cut)}/${rest.slice(cut + 2)}` : rest || null;
}

const isDirectory = async (path: string): Promise<boolean> =>
  (await stat(path).catch(() => null))?.isDirectory() ?? false;

export async function resolveCheckpoints(
  dir: string,
  revisions: readonly string[],
): Promise<ResolvedCheckpoints> {
  const absDir = resolve(dir);
  if (!(await isDirectory(absDir))) throw new Error(`${absDir}: not a folder`);
  if (revisions.length === 0) throw new Error('no revisions given');
  const repo = repoIdOfCacheFolder(basename(absDir));
  if (repo !== null && (await isDirectory(join(absDir, 'snapshots')))) {
    const cacheDir = dirname(absDir);
    const isPythia = /pythia/i.test(repo);
    const checkpoints: ExtractCheckpoint[] = [];
    for (const revision of revisions) {
      const path = await resolveCachedModel({ cacheDir, repo, revision });
      checkpoints.push({ revision, path, tokensSeen: isPythia ? pythiaTokensSeen(revision) : null });
    }
    return { model: repo, kind: 'hfCache', checkpoints };
  }
  const available = (await readdir(absDir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const tokensSeen = await familyTokensSeen(absDir);
  const checkpoints = revisions.map((revision) => {
    if (!available.includes(revision)) {
      throw new Error(
        `${absDir} has no revision "${revision}" (subfolders: ${available.join(', ') || 'none'})`,
      );
    }
    const path = join(absDir, revision);
    return { revision, path, tokensSeen: tokensSeen.get(path) ?? null };
  });
  return { model: absDir, kind: 'folder', checkpoints };
}

/**
 * Tokens seen per checkpoint folder from a `family.json` (the demo family's layout) in the family
 * folder or up to two folders above it; empty when there is none.
 */
async function familyTokensSeen(dir: string): Promise<Map<string, number>> {
  const result = new Map<string, number>();
  for (const root of [dir, dirname(dir), dirname(dirname(dir))]) {
    const text = await readFile(join(root, 'family.json'), 'utf8').catch(() => null);
    if (text === null) continue;
    try {
      const family = JSON.parse(text) as { revisions?: { path?: unknown; tokensSeen?: unknown }[] };
      for (const entry of family.revisions ?? []) {
        if (typeof entry.path === 'string' && typeof entry.tokensSeen === 'number') {
          result.set(resolve(root, entry.path), entry.tokensSeen);
        }
      }
    } catch {
      // A family.json that does not parse only loses the tokens-seen numbers.
    }
    return result;
  }
  return result;
}
