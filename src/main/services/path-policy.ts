import { existsSync, realpathSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { basename, delimiter, dirname, isAbsolute, join, relative, resolve } from 'node:path';

/**
 * Where paths from the UI may point (ARCHITECTURE.md: "file paths from the UI are resolved inside
 * allowed roots only"): the data folder, the app's own folder (demo resources), the user's home (the
 * Hugging Face cache lives there), the system temporary folder, and the folders in `CTT_ALLOWED_ROOTS`
 * (separated like PATH). System trees (/proc, /sys, /dev, /etc, …) are outside whatever the roots are,
 * unless a root is one of them. Links are followed: a link inside a root to a file outside is refused.
 */
export interface PathPolicy {
  roots: readonly string[];
}

/** Input keys that carry a file or folder path in the contract's request schemas. */
export const pathInputKeys: ReadonlySet<string> = new Set([
  'path',
  'dir',
  'cacheDir',
  'taskFile',
  'corpusFile',
  'outDir',
  'activationStore',
  // faithfulness:start's held-out pair: task ids, or task files given by path.
  'task',
  'heldOutTask',
]);

export function defaultPathPolicy(options: {
  dataDir: string;
  appDir: string | null;
  env?: NodeJS.ProcessEnv;
}): PathPolicy {
  const extra = (options.env?.CTT_ALLOWED_ROOTS ?? process.env.CTT_ALLOWED_ROOTS ?? '')
    .split(delimiter)
    .filter((p) => p.trim() !== '' && isAbsolute(p));
  const roots = [options.dataDir, options.appDir, homedir(), tmpdir(), ...extra].filter(
    (p): p is string => p !== null,
  );
  return { roots: [...new Set(roots.map(realOrResolved))] };
}

/** The real path of `p`, following links through its nearest existing ancestor. */
export function realOrResolved(p: string): string {
  let current = resolve(p);
  const rest: string[] = [];
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return resolve(p);
    rest.unshift(basename(current));
    current = parent;
  }
  try {
    return join(realpathSync(current), ...rest);
  } catch {
    return resolve(p);
  }
}

const isInside = (root: string, p: string): boolean => {
  const r = relative(root, p);
  return r === '' || (!r.startsWith('..') && !isAbsolute(r));
};

/** The first path in `input` (any depth, keys of `pathInputKeys`) outside every root, with its field. */
export function pathOutsideRoots(
  input: unknown,
  policy: PathPolicy,
  field = 'input',
): { field: string; path: string } | null {
  if (input === null || typeof input !== 'object') return null;
  for (const [key, value] of Object.entries(input as Record<string, unknown>)) {
    const at = `${field}.${key}`;
    if (typeof value === 'string' && pathInputKeys.has(key) && isAbsolute(value)) {
      const real = realOrResolved(value);
      if (!policy.roots.some((root) => isInside(root, real))) return { field: at, path: value };
    } else if (typeof value === 'object') {
      const found = pathOutsideRoots(value, policy, at);
      if (found !== null) return found;
    }
  }
  return null;
}
