import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { downloadModelRevision } from '../../../../src/core/hf/download';
import type { DownloadProgress } from '../../../../src/core/hf/download';
import { readModelFolder, resolveCachedModel } from '../../../../src/core/hf/model-folder';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';

const tmp = createTmpDirs('ctt-download-');
afterAll(() => tmp.cleanup());

const repo = 'EleutherAI/pythia-tiny';
const sha = '0123456789abcdef0123456789abcdef01234567';
const lfsFiles = /\.(safetensors|bin)$/;

interface FakeHub {
  fetch: typeof fetch;
  requests: string[];
}

/**
 * An in-memory Hub serving one commit, speaking the requests @huggingface/hub makes:
 * GET /api/models/<repo>/revision/<rev>, GET /api/models/<repo>/tree/<sha>, GET /<repo>/resolve/<sha>/<path>
 * (first with `Range: bytes=0-0` to learn size and etag, then the whole body).
 */
function fakeHub(
  files: Map<string, Uint8Array<ArrayBuffer>>,
  options: { refs?: string[]; listedSizeDelta?: Record<string, number> } = {},
): FakeHub {
  const requests: string[] = [];
  const refs = new Set([...(options.refs ?? ['main', 'step1000']), sha]);
  const oid = (path: string): string => {
    const data = files.get(path)!;
    return createHash(lfsFiles.test(path) ? 'sha256' : 'sha1')
      .update(data)
      .digest('hex');
  };
  const json = (body: unknown, status = 200): Response =>
    new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

  const handler = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const headers = new Headers(init?.headers);
    requests.push(`${url.pathname}${headers.has('range') ? ` [${headers.get('range')}]` : ''}`);
    const prefix = `/api/models/${repo}/`;
    if (url.pathname.startsWith(`${prefix}revision/`)) {
      const revision = decodeURIComponent(url.pathname.slice(`${prefix}revision/`.length));
      if (!refs.has(revision)) return json({ error: `Invalid rev id: ${revision}` }, 404);
      return json({
        _id: 'x',
        id: repo,
        sha,
        private: false,
        gated: false,
        downloads: 0,
        likes: 0,
        lastModified: '2024-01-01T00:00:00.000Z',
      });
    }
    if (url.pathname === `${prefix}tree/${sha}`) {
      return json(
        [...files.entries()].map(([path, data]) => {
          const size = data.byteLength + (options.listedSizeDelta?.[path] ?? 0);
          return lfsFiles.test(path)
            ? {
                type: 'file',
                path,
                size,
                oid: 'f'.repeat(40),
                lfs: { oid: oid(path), size, pointerSize: 134 },
              }
            : { type: 'file', path, size, oid: oid(path) };
        }),
      );
    }
    const resolvePrefix = `/${repo}/resolve/${sha}/`;
    if (url.pathname.startsWith(resolvePrefix)) {
      const path = url.pathname.slice(resolvePrefix.length);
      const data = files.get(path);
      if (data === undefined)
        return new Response('', { status: 404, headers: { 'X-Error-Code': 'EntryNotFound' } });
      const etag = `"${oid(path)}"`;
      const range = /^bytes=(\d+)-(\d+)$/.exec(headers.get('range') ?? '');
      if (range) {
        const [start, end] = [Number(range[1]), Number(range[2])];
        return new Response(data.slice(start, end + 1), {
          status: 206,
          headers: { 'Content-Range': `bytes ${start}-${end}/${data.byteLength}`, ETag: etag },
        });
      }
      return new Response(data, {
        status: 200,
        headers: { ETag: etag, 'Content-Length': String(data.byteLength) },
      });
    }
    return new Response('not found', { status: 404 });
  };
  return { fetch: handler as typeof fetch, requests };
}

async function tinyRepoFiles(
  options: { shards?: number } = {},
): Promise<Map<string, Uint8Array<ArrayBuffer>>> {
  const dir = tmp.make();
  await writeTinyModelFolder(dir, options);
  const files = new Map<string, Uint8Array<ArrayBuffer>>();
  for (const name of readdirSync(dir)) files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  files.set('README.md', new TextEncoder().encode('# tiny'));
  files.set('pytorch_model.bin', new Uint8Array(64));
  return files;
}

describe('downloadModelRevision', () => {
  it('downloads only the runtime files into the HF cache layout, with progress', async () => {
    const files = await tinyRepoFiles();
    const hub = fakeHub(files);
    const cacheDir = tmp.make();
    const events: DownloadProgress[] = [];
    const result = await downloadModelRevision({
      repo,
      revision: 'step1000',
      cacheDir,
      fetch: hub.fetch,
      onProgress: (event) => events.push(event),
    });
    const repoDir = join(cacheDir, 'models--EleutherAI--pythia-tiny');
    expect(result.sha).toBe(sha);
    expect(result.folder).toBe(join(repoDir, 'snapshots', sha));
    expect(result.files.map((f) => f.path)).toEqual(['config.json', 'tokenizer.json', 'model.safetensors']);
    expect(readFileSync(join(repoDir, 'refs', 'step1000'), 'utf8')).toBe(sha);
    expect(lstatSync(join(result.folder, 'model.safetensors')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(result.folder, 'model.safetensors'))).toEqual(
      Buffer.from(files.get('model.safetensors')!),
    );
    expect(hub.requests.some((r) => r.includes('pytorch_model.bin') || r.includes('README.md'))).toBe(false);

    for (const file of result.files) {
      const fileEvents = events.filter((e) => e.file === file.path);
      expect(fileEvents.length).toBeGreaterThanOrEqual(1);
      expect(fileEvents.at(-1)).toMatchObject({
        bytesDone: file.bytes,
        bytesTotal: file.bytes,
        fileCount: 3,
      });
      const done = fileEvents.map((e) => e.bytesDone);
      expect(done).toEqual([...done].sort((a, b) => a - b));
    }

    // The cache now resolves offline, and the folder is a valid model folder.
    expect(await resolveCachedModel({ cacheDir, repo, revision: 'step1000' })).toBe(result.folder);
    expect((await readModelFolder(result.folder)).architecture).toBe('gpt_neox');

    // A second call finds every file cached and fetches no file bodies.
    const again = fakeHub(files);
    await downloadModelRevision({ repo, revision: 'step1000', cacheDir, fetch: again.fetch });
    expect(again.requests.some((r) => r.includes('/resolve/'))).toBe(false);
  });

  it('follows model.safetensors.index.json to the shards', async () => {
    const files = await tinyRepoFiles({ shards: 2 });
    const cacheDir = tmp.make();
    const result = await downloadModelRevision({ repo, cacheDir, fetch: fakeHub(files).fetch });
    expect(result.files.map((f) => f.path)).toEqual([
      'config.json',
      'tokenizer.json',
      'model.safetensors.index.json',
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    expect((await readModelFolder(result.folder)).weightFiles).toHaveLength(2);
  });

  it('fails the size check when fewer bytes arrive than the listing promised, leaving no blob or ref', async () => {
    const files = await tinyRepoFiles();
    const cacheDir = tmp.make();
    const hub = fakeHub(files, { listedSizeDelta: { 'model.safetensors': 10 } });
    await expect(
      downloadModelRevision({ repo, revision: 'step1000', cacheDir, fetch: hub.fetch }),
    ).rejects.toThrow(/size check failed for model.safetensors: the Hub listing says \d+ bytes, \d+ arrived/);
    const repoDir = join(cacheDir, 'models--EleutherAI--pythia-tiny');
    expect(readdirSync(join(repoDir, 'blobs')).some((f) => f.endsWith('.incomplete'))).toBe(false);
    expect(existsSync(join(repoDir, 'refs', 'step1000'))).toBe(false);
  });

  it('says plainly that the Hub cannot be reached and what to use instead', async () => {
    const offline = (async () => {
      throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND huggingface.co') });
    }) as typeof fetch;
    const cacheDir = tmp.make();
    const error = await downloadModelRevision({ repo, cacheDir, fetch: offline }).then(
      () => new Error('download succeeded offline'),
      (e: unknown) => e as Error,
    );
    expect(error.message).toMatch(/^cannot reach the Hugging Face Hub/);
    expect(error.message).toMatch(
      /Use a local model folder, or a revision already in the Hugging Face cache/,
    );
    expect(error.message).toContain(cacheDir);
    expect(error.message).toContain('ENOTFOUND');
  });

  it('reports an unknown revision and a repo without safetensors', async () => {
    const files = await tinyRepoFiles();
    const cacheDir = tmp.make();
    await expect(
      downloadModelRevision({ repo, revision: 'step77', cacheDir, fetch: fakeHub(files).fetch }),
    ).rejects.toThrow(/downloading EleutherAI\/pythia-tiny@step77 failed: Invalid rev id: step77/);
    files.delete('model.safetensors');
    await expect(downloadModelRevision({ repo, cacheDir, fetch: fakeHub(files).fetch })).rejects.toThrow(
      /no model.safetensors or model.safetensors.index.json; pytorch_model.bin is not supported/,
    );
  });

  it('stops when the signal aborts', async () => {
    const files = await tinyRepoFiles();
    const controller = new AbortController();
    controller.abort();
    await expect(
      downloadModelRevision({
        repo,
        cacheDir: tmp.make(),
        fetch: fakeHub(files).fetch,
        signal: controller.signal,
      }),
    ).rejects.toThrow(/abort/i);
  });
});
