import { copyFile, mkdir, open, readFile, rename, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { downloadFile, HUB_URL, listFiles, modelInfo } from '@huggingface/hub';
import type { ListFileEntry } from '@huggingface/hub';
import { cachedRepoFolder, defaultHfCacheDir } from './model-folder';

/*
 * Downloads the files the LM runtime needs (config, tokenizer, safetensors weights) for one revision into
 * the Hugging Face cache layout that huggingface_hub uses, so Python tools share the same cache:
 *   models--org--name/blobs/<etag>, snapshots/<commit>/<file> → ../../blobs/<etag>, refs/<revision>.
 * @huggingface/hub does the Hub protocol (revision lookup, tree listing, LFS/xet resolution); this file
 * streams the bytes itself so it can report progress and check sizes.
 */

export interface DownloadProgress {
  /** Path of the file in the repository. */
  file: string;
  bytesDone: number;
  bytesTotal: number;
  /** 1-based position of this file among the files to fetch. */
  fileIndex: number;
  fileCount: number;
}

export interface DownloadModelOptions {
  repo: string;
  /** Branch, tag (e.g. Pythia's `step1000`) or commit; default `main`. */
  revision?: string;
  /** Default: defaultHfCacheDir() (HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub). */
  cacheDir?: string;
  /** Injected fetch (tests serve an in-memory repo through it). */
  fetch?: typeof fetch;
  hubUrl?: string;
  accessToken?: string;
  onProgress?: (event: DownloadProgress) => void;
  signal?: AbortSignal;
}

export interface DownloadedRevision {
  repo: string;
  revision: string;
  sha: string;
  /** The snapshot folder: a model folder readModelFolder() accepts. */
  folder: string;
  files: Array<{ path: string; bytes: number }>;
}

const metadataFiles = ['config.json', 'tokenizer.json', 'tokenizer_config.json'];
const progressIntervalMs = 100;

/** A fetch that passes the abort signal and turns network failures into one plain message. */
function hubFetch(base: typeof fetch, signal: AbortSignal | undefined, unreachable: string): typeof fetch {
  return async (input, init) => {
    signal?.throwIfAborted();
    try {
      return await base(input, { ...init, signal: signal ?? init?.signal ?? null });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      const cause =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : '';
      throw new Error(`${unreachable}${cause ? ` (${cause})` : ''}`);
    }
  };
}

const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)));

async function fileSize(path: string): Promise<number | null> {
  return (await stat(path).catch(() => null))?.size ?? null;
}

/** snapshots/<sha>/<file> → ../../blobs/<etag>, relative as huggingface_hub makes it; a copy where links fail. */
async function linkIntoSnapshot(blobPath: string, pointerPath: string): Promise<void> {
  await mkdir(dirname(pointerPath), { recursive: true });
  await unlink(pointerPath).catch(() => undefined);
  try {
    await symlink(relative(dirname(pointerPath), blobPath), pointerPath);
  } catch {
    await copyFile(blobPath, pointerPath);
  }
}

interface FileJob {
  entry: ListFileEntry;
  fileIndex: number;
  fileCount: number;
}

interface RevisionContext {
  options: DownloadModelOptions;
  sha: string;
  repoDir: string;
  snapshotDir: string;
  fetch: typeof fetch;
  hubUrl: string;
}

async function streamToFile(
  blob: Blob,
  path: string,
  report: (bytesDone: number, isFinal: boolean) => void,
  signal: AbortSignal | undefined,
): Promise<number> {
  const fh = await open(path, 'w');
  let bytesDone = 0;
  try {
    const reader = blob.stream().getReader();
    for (;;) {
      signal?.throwIfAborted();
      const { done, value } = await reader.read();
      if (done) break;
      await fh.write(value);
      bytesDone += value.byteLength;
      report(bytesDone, false);
    }
  } catch (error) {
    await fh.close().catch(() => undefined);
    await unlink(path).catch(() => undefined);
    throw asError(error);
  }
  await fh.close();
  report(bytesDone, true);
  return bytesDone;
}

async function downloadOne(ctx: RevisionContext, job: FileJob): Promise<number> {
  const { entry } = job;
  const bytesTotal = entry.lfs?.size ?? entry.size;
  const etag = entry.lfs?.oid ?? entry.xetHash ?? entry.oid;
  if (etag === undefined) throw new Error(`${entry.path}: the Hub listing gives no oid to name its blob`);
  const pointerPath = join(ctx.snapshotDir, entry.path);
  const blobPath = join(ctx.repoDir, 'blobs', etag);
  let lastReportMs = 0;
  const report = (bytesDone: number, isFinal: boolean): void => {
    const now = Date.now();
    if (!isFinal && now - lastReportMs < progressIntervalMs) return;
    lastReportMs = now;
    ctx.options.onProgress?.({
      file: entry.path,
      bytesDone,
      bytesTotal,
      fileIndex: job.fileIndex,
      fileCount: job.fileCount,
    });
  };

  if ((await fileSize(pointerPath)) === bytesTotal) {
    report(bytesTotal, true);
    return bytesTotal;
  }
  if ((await fileSize(blobPath)) !== bytesTotal) {
    report(0, false);
    const blob = await downloadFile({
      repo: ctx.options.repo,
      path: entry.path,
      revision: ctx.sha,
      hubUrl: ctx.hubUrl,
      fetch: ctx.fetch,
      accessToken: ctx.options.accessToken,
    });
    if (blob === null) throw new Error(`${entry.path} is in the Hub listing but the Hub has no such file`);
    await mkdir(dirname(blobPath), { recursive: true });
    const incomplete = `${blobPath}.incomplete`;
    const bytesDone = await streamToFile(blob, incomplete, report, ctx.options.signal);
    if (bytesDone !== bytesTotal) {
      await unlink(incomplete).catch(() => undefined);
      throw new Error(
        `size check failed for ${entry.path}: the Hub listing says ${bytesTotal} bytes, ${bytesDone} arrived`,
      );
    }
    await rename(incomplete, blobPath);
  } else {
    report(bytesTotal, true);
  }
  await linkIntoSnapshot(blobPath, pointerPath);
  return bytesTotal;
}

/** Shard files named by a downloaded model.safetensors.index.json. */
async function shardNames(indexPath: string): Promise<string[]> {
  const index = JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: Record<string, string> };
  return [...new Set(Object.values(index.weight_map ?? {}))].sort();
}

function selectFiles(
  entries: Map<string, ListFileEntry>,
  where: string,
): { first: string[]; hasIndex: boolean } {
  const first = metadataFiles.filter((name) => entries.has(name));
  if (!entries.has('config.json')) throw new Error(`${where} has no config.json`);
  if (entries.has('model.safetensors')) return { first: [...first, 'model.safetensors'], hasIndex: false };
  if (entries.has('model.safetensors.index.json')) {
    return { first: [...first, 'model.safetensors.index.json'], hasIndex: true };
  }
  throw new Error(
    `${where} has no model.safetensors or model.safetensors.index.json; ` +
      'pytorch_model.bin is not supported — convert to safetensors',
  );
}

async function runDownload(ctx: RevisionContext, entries: Map<string, ListFileEntry>, where: string) {
  const { first, hasIndex } = selectFiles(entries, where);
  let paths = first;
  const files: Array<{ path: string; bytes: number }> = [];
  for (let i = 0; i < paths.length; i++) {
    const path = paths[i]!;
    const entry = entries.get(path);
    if (entry === undefined)
      throw new Error(`${where}: the index names ${path}, which the Hub does not list`);
    const bytes = await downloadOne(ctx, { entry, fileIndex: i + 1, fileCount: paths.length });
    files.push({ path, bytes });
    if (hasIndex && path === 'model.safetensors.index.json') {
      paths = [...paths, ...(await shardNames(join(ctx.snapshotDir, path)))];
    }
  }
  return files;
}

/**
 * Downloads config.json, tokenizer files and safetensors weights of `repo` at `revision` into the Hugging
 * Face cache, checks every file's size against the Hub listing, and returns the snapshot folder.
 */
export async function downloadModelRevision(options: DownloadModelOptions): Promise<DownloadedRevision> {
  const revision = options.revision ?? 'main';
  const cacheDir = options.cacheDir ?? defaultHfCacheDir();
  const hubUrl = options.hubUrl ?? HUB_URL;
  const where = `${options.repo}@${revision}`;
  const unreachable =
    `cannot reach the Hugging Face Hub (${hubUrl}) to download ${where}. Use a local model folder, ` +
    `or a revision already in the Hugging Face cache (${cacheDir}), instead`;
  const fetchFn = hubFetch(options.fetch ?? globalThis.fetch, options.signal, unreachable);
  const credentials = { hubUrl, fetch: fetchFn, accessToken: options.accessToken };
  try {
    const info = await modelInfo({ ...credentials, name: options.repo, revision, additionalFields: ['sha'] });
    const sha = info.sha;
    const repoDir = cachedRepoFolder(cacheDir, options.repo);
    const snapshotDir = join(repoDir, 'snapshots', sha);
    const entries = new Map<string, ListFileEntry>();
    for await (const entry of listFiles({
      ...credentials,
      repo: options.repo,
      revision: sha,
      recursive: true,
    })) {
      if (entry.type === 'file') entries.set(entry.path, entry);
    }
    const ctx: RevisionContext = { options, sha, repoDir, snapshotDir, fetch: fetchFn, hubUrl };
    const files = await runDownload(ctx, entries, where);
    if (revision !== sha) {
      const refPath = join(repoDir, 'refs', revision);
      await mkdir(dirname(refPath), { recursive: true });
      await writeFile(refPath, sha);
    }
    return { repo: options.repo, revision, sha, folder: snapshotDir, files };
  } catch (error) {
    const e = asError(error);
    if (e.message.startsWith('cannot reach') || e.name === 'AbortError') throw e;
    throw new Error(`downloading ${where} failed: ${e.message}`, { cause: e });
  }
}
