import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, normalize, relative, isAbsolute, sep } from 'node:path';
import { safeDecodeURIComponent } from '../../shared/uri';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
};

/** Resolves a URL path inside `root`; null when it would leave the folder. */
export function resolveInside(root: string, urlPath: string): string | null {
  const decoded = safeDecodeURIComponent(urlPath);
  if (decoded === null) return null;
  const candidate = normalize(join(root, decoded));
  const rel = relative(root, candidate);
  if (rel.startsWith('..') || isAbsolute(rel)) return null;
  return candidate;
}

/**
 * Serves a file of the built renderer; unknown paths without an extension get index.html (the app
 * routes on the client). Returns false when nothing was found.
 */
export async function serveStatic(root: string, urlPath: string, response: ServerResponse): Promise<boolean> {
  let path = resolveInside(root, urlPath === '/' ? '/index.html' : urlPath);
  if (path === null) return false;
  let info = await stat(path).catch(() => null);
  if ((!info || !info.isFile()) && extname(urlPath) === '') {
    path = join(root, 'index.html');
    info = await stat(path).catch(() => null);
  }
  if (!info || !info.isFile()) return false;
  // A symbolic link inside the folder must not lead out of it.
  const real = await Promise.all([realpath(root), realpath(path)]).catch(() => null);
  if (real === null) return false;
  const inRoot = relative(real[0], real[1]);
  if (inRoot === '' || inRoot === '..' || inRoot.startsWith(`..${sep}`) || isAbsolute(inRoot)) return false;
  response.writeHead(200, {
    'Content-Type': contentTypes[extname(path)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': extname(path) === '.html' ? 'no-store' : 'private, max-age=3600',
  });
  createReadStream(path).pipe(response);
  return true;
}
