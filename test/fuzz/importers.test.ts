import Database from 'better-sqlite3';
import { cpSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readModelFolder } from '../../src/core/hf/model-folder';
import {
  ModelFileError,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../src/core/hf/safetensors';
import { loadTokenizer } from '../../src/core/hf/tokenizer';
import { readAnnotationFile } from '../../src/core/review/annotation-import';
import { CsvError } from '../../src/core/review/csv-reader';
import { importStudyAnnotations } from '../../src/core/review/study-annotations';
import { importTaskFile, TaskFileError } from '../../src/core/tasks/importers';
import { dispatch } from '../../src/main/services/dispatch';
import { createWorkbench, type Workbench } from '../../src/main/workbench';
import type { Result } from '../../src/shared/result';
import { fakeBackendInfo } from '../helpers/fake-backend';
import { createFakeExecutor } from '../helpers/fake-executor';
import {
  boundaryValues,
  caseCounter,
  mutateBytes,
  prototypePollution,
  randomString,
  randomValue,
  SeededRandom,
  withTimeout,
} from '../helpers/fuzz';
import { repoRoot } from '../helpers/serve-child';
import { storeChecksum, totalChanges } from '../helpers/store-checksum';
import { createTmpDirs } from '../helpers/tmp-dir';

// Every importer with corrupted input: safetensors (header and body), config.json, tokenizer.json, task
// JSONL, annotation CSV / JSONL, review bundles (bundle:preview and bundle:merge on corrupted and
// truncated SQLite files) and study folders (features:importStudy). Seeded, so a failure reproduces
// (CTT_FUZZ_SEED picks another seed). Every case ends within its timeout either with a result or with
// the importer's own error type whose message names the file (and line or field where it has one);
// through a contract channel, a refusal is a Result with a clear message and the store is unchanged.

const seed = Number(process.env.CTT_FUZZ_SEED ?? 20_251_125);
const tmp = createTmpDirs('ctt-fuzz-importers-');
const counter = caseCounter(`importers (seed ${seed})`);
const demoCheckpoint = join(repoRoot, 'resources/demo/models/demo-lm/step100');
const demoStudy = join(repoRoot, 'resources/demo/study');
const demoTask = join(repoRoot, 'resources/demo/tasks/sv_pp_attractor.eng.jsonl');
const caseTimeoutMs = 5000;

let workbench: Workbench;
let dataDir: string;
let work: string;
let runId: string;
let annotatorId: number;
const problems: string[] = [];

beforeAll(async () => {
  dataDir = tmp.make();
  work = tmp.make();
  workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    execute: createFakeExecutor().execute,
    probe: async (preference) => fakeBackendInfo({ preference }),
    progressIntervalMs: 0,
  });
  const study = (await owner('features:importStudy', {})) as { runId: string };
  runId = study.runId;
  annotatorId = ((await owner('annotators:create', { name: 'importer' })) as { id: number }).id;
});
afterAll(async () => {
  counter.report();
  await workbench?.close();
  tmp.cleanup();
});

async function owner(channel: string, input: unknown): Promise<unknown> {
  const r = await dispatch(workbench.handlers, channel, input, { transport: 'cli' });
  if (!r.ok) throw new Error(`${channel}: ${r.error.message}`);
  return r.value;
}

/**
 * Runs one case of a file importer: it must resolve, or throw `errorType` with a message naming the
 * file (`mustName`); anything else (a TypeError, a RangeError, a hang) is a problem.
 */
async function expectImporter(
  target: string,
  label: string,
  work: () => Promise<unknown>,
  errorType: new (...args: never[]) => Error,
  mustName: string | null,
): Promise<void> {
  try {
    await withTimeout(work, caseTimeoutMs, `${target} ${label}`);
    counter.count(target, 'accepted');
  } catch (error) {
    counter.count(target, 'refused');
    if (!(error instanceof errorType)) {
      problems.push(
        `${target} [${label}]: ${(error as Error)?.name}: ${String((error as Error)?.message).slice(0, 300)}`,
      );
      return;
    }
    const message = error.message;
    if (message.trim() === '') problems.push(`${target} [${label}]: empty message`);
    if (mustName !== null && !message.includes(mustName))
      problems.push(`${target} [${label}]: message does not name ${mustName}: ${message.slice(0, 300)}`);
  }
}

/** Runs one case through a contract channel: a Result, never internal, and a refusal changes nothing. */
async function expectChannel(
  target: string,
  label: string,
  channel: string,
  input: unknown,
  mustName: string | null,
): Promise<Result<unknown>> {
  const db = workbench.store.db;
  const before = storeChecksum(db);
  const changes = totalChanges(db);
  let result: Result<unknown>;
  try {
    result = await withTimeout(
      dispatch(workbench.handlers, channel, input, { transport: 'ipc' }),
      caseTimeoutMs,
      `${target} ${label}`,
    );
  } catch (error) {
    problems.push(`${target} [${label}]: ${String(error)}`);
    return { ok: false, error: { code: 'internal', message: String(error) } };
  }
  counter.count(target, result.ok ? 'accepted' : 'refused');
  if (!result.ok) {
    const { code, message } = result.error;
    if (code === 'internal') problems.push(`${target} [${label}]: internal error: ${message.slice(0, 300)}`);
    if (message.trim() === '') problems.push(`${target} [${label}]: empty message`);
    if (mustName !== null && !message.includes(mustName))
      problems.push(`${target} [${label}]: message does not name ${mustName}: ${message.slice(0, 300)}`);
    if (totalChanges(db) !== changes && storeChecksum(db) !== before)
      problems.push(`${target} [${label}]: refused but the store changed`);
  }
  return result;
}

/** A JSON document with one value somewhere inside replaced, removed, or retyped. */
function mutateJson(rng: SeededRandom, value: unknown): { value: unknown; how: string } {
  const copy = JSON.parse(JSON.stringify(value)) as unknown;
  const paths: (string | number)[][] = [];
  const walk = (v: unknown, path: (string | number)[], depth: number): void => {
    paths.push(path);
    if (depth > 6 || v === null || typeof v !== 'object') return;
    const entries = Array.isArray(v)
      ? v.slice(0, 8).map((x, i) => [i, x] as const)
      : Object.entries(v).slice(0, 40);
    for (const [k, x] of entries) walk(x, [...path, k], depth + 1);
  };
  walk(copy, [], 0);
  const path = rng.pick(paths.slice(1).length > 0 ? paths.slice(1) : paths);
  if (path.length === 0) return { value: randomValue(rng), how: 'replaced whole' };
  let parent = copy as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const key = path.at(-1)!;
  const roll = rng.int(4);
  if (roll === 0 && !Array.isArray(parent)) {
    Reflect.deleteProperty(parent, key);
    return { value: copy, how: `deleted ${path.join('.')}` };
  }
  if (roll === 1) {
    Object.assign(parent, prototypePollution());
    return { value: copy, how: `__proto__ keys beside ${path.join('.')}` };
  }
  const fits = (v: unknown): boolean => typeof v !== 'string' || v.length < 1000;
  let replacement = roll === 2 ? rng.pick(boundaryValues().filter(fits)) : randomValue(rng, 2);
  if (!fits(replacement)) replacement = -1;
  parent[key] = replacement;
  return { value: copy, how: `${path.join('.')} = ${String(JSON.stringify(replacement)).slice(0, 40)}` };
}

describe('safetensors', () => {
  it('header and body mutations give a ModelFileError naming the file, or tensors', async () => {
    const rng = new SeededRandom(seed + 1);
    const base = join(work, 'base.safetensors');
    await writeSafetensors(
      base,
      {
        'a.weight': { shape: [4, 8], data: Float32Array.from({ length: 32 }, (_, i) => i / 7) },
        'b.bias': { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => -i), dtype: 'F16' },
        'c.idx': { shape: [2, 3], data: Int32Array.from([1, 2, 3, 4, 5, 6]) },
        'd.empty': { shape: [0, 5], data: new Float32Array(0), dtype: 'BF16' },
      },
      { format: 'pt' },
    );
    const bytes = readFileSync(base);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8')) as Record<
      string,
      unknown
    >;
    const body = bytes.subarray(8 + headerLength);
    const file = join(work, 'case.safetensors');
    const run = async (label: string, content: Uint8Array) => {
      writeFileSync(file, content);
      await expectImporter(
        'safetensors header',
        label,
        () => readSafetensorsHeader(file),
        ModelFileError,
        file,
      );
      await expectImporter('safetensors body', label, () => readSafetensors(file), ModelFileError, file);
    };
    for (let i = 0; i < 200; i++) {
      const { bytes: mutated, how } = mutateBytes(rng, bytes);
      await run(`bytes: ${how}`, mutated);
    }
    const encode = (h: unknown, data: Uint8Array = body, lengthDelta = 0): Uint8Array => {
      const json = Buffer.from(JSON.stringify(h), 'utf8');
      const prefix = Buffer.alloc(8);
      prefix.writeBigUInt64LE(BigInt(Math.max(0, json.length + lengthDelta)));
      return Buffer.concat([prefix, json, data]);
    };
    for (let i = 0; i < 200; i++) {
      const { value, how } = mutateJson(rng, header);
      await run(`header: ${how}`, encode(value));
    }
    const specials: [string, Uint8Array][] = [
      ['empty file', new Uint8Array(0)],
      ['7 bytes', new Uint8Array(7)],
      ['length 0', encode({}, new Uint8Array(0), -2)],
      ['length past the end', encode(header, body, 1_000_000)],
      ['length 2^63', Buffer.concat([Buffer.from([0, 0, 0, 0, 0, 0, 0, 0x80]), Buffer.from('{}')])],
      ['length 99 MB', Buffer.concat([Buffer.from([0, 0, 0xc0, 0x05, 0, 0, 0, 0]), Buffer.from('{}')])],
      ['header not JSON', encode('x', body).fill(0x7b, 8, 12)],
      ['header an array', encode([1, 2])],
      ['header null', encode(null)],
      ['truncated body', encode(header, body.subarray(0, body.length - 3))],
      [
        'offsets overlap',
        encode({
          x: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          y: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        }),
      ],
      ['offsets backwards', encode({ x: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } })],
      ['shape overflow', encode({ x: { dtype: 'F32', shape: [2 ** 52, 2 ** 52], data_offsets: [0, 0] } })],
      ['negative shape', encode({ x: { dtype: 'F32', shape: [-1], data_offsets: [0, 0] } })],
      ['float offsets', encode({ x: { dtype: 'F32', shape: [1], data_offsets: [0.5, 4.5] } })],
      ['unknown dtype', encode({ x: { dtype: 'F128', shape: [1], data_offsets: [0, 16] } })],
      ['__metadata__ number', encode({ __metadata__: { a: 1 } })],
      ['__proto__ tensor', encode(prototypePollution())],
      [
        'utf-8 garbage',
        Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from([0xff, 0xfe, 0xc0, 0x80])]),
      ],
    ];
    for (const [label, content] of specials) await run(label, content);
  }, 60_000);
});

describe('model folders: config.json, tokenizer.json, through readModelFolder, loadTokenizer and models:add', () => {
  it('give a ModelFileError naming config.json / tokenizer.json, or a folder; models:add refuses cleanly', async () => {
    const rng = new SeededRandom(seed + 2);
    const dir = join(work, 'model');
    cpSync(demoCheckpoint, dir, { recursive: true });
    const configPath = join(dir, 'config.json');
    const tokenizerPath = join(dir, 'tokenizer.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as unknown;
    const configText = readFileSync(configPath);
    const tokenizer = JSON.parse(readFileSync(tokenizerPath, 'utf8')) as unknown;
    const tokenizerText = readFileSync(tokenizerPath);
    for (let i = 0; i < 150; i++) {
      const mutation = rng.int(3) === 0 ? mutateBytes(rng, configText) : null;
      const json = mutation === null ? mutateJson(rng, config) : null;
      writeFileSync(configPath, mutation?.bytes ?? JSON.stringify(json!.value));
      const label = mutation?.how ?? json!.how;
      await expectImporter('config.json', label, () => readModelFolder(dir), ModelFileError, 'config.json');
      if (i % 3 === 0)
        await expectChannel(
          'config.json via models:add',
          label,
          'models:add',
          {
            name: `fuzz-${i}`,
            source: { kind: 'folder', path: dir },
          },
          'config.json', // refused at add time as the model loader would refuse it
        );
    }
    writeFileSync(configPath, configText);
    const load = async () => {
      const t = await loadTokenizer(tokenizerPath);
      // A tokenizer that loads must also work.
      t.decode(t.encode('the keys to the cabinet are 12 ü 漢'));
    };
    for (let i = 0; i < 150; i++) {
      const mutation = rng.int(3) === 0 ? mutateBytes(rng, tokenizerText) : null;
      const json = mutation === null ? mutateJson(rng, tokenizer) : null;
      writeFileSync(tokenizerPath, mutation?.bytes ?? JSON.stringify(json!.value));
      await expectImporter(
        'tokenizer.json',
        mutation?.how ?? json!.how,
        load,
        ModelFileError,
        'tokenizer.json',
      );
    }
    // A token id near 2^31 (once a minute-long walk of every id in the library's get_vocab) is refused
    // at once, naming the file and the token.
    type TokenizerFile = {
      model: { vocab: Record<string, number> };
      added_tokens: { id: number; content: string }[];
    };
    const fresh = () => JSON.parse(tokenizerText.toString('utf8')) as TokenizerFile;
    const firstPiece = Object.keys(fresh().model.vocab)[0]!;
    const hugeCases: [string, (t: TokenizerFile) => void, string][] = [
      ['model.vocab id 2^31', (t) => (t.model.vocab[firstPiece] = 2 ** 31), firstPiece],
      [
        'added_tokens id 2^31 - 1',
        (t) => (t.added_tokens[0]!.id = 2 ** 31 - 1),
        fresh().added_tokens[0]!.content,
      ],
    ];
    for (const [how, mutate, token] of hugeCases) {
      const file = fresh();
      mutate(file);
      writeFileSync(tokenizerPath, JSON.stringify(file));
      const started = performance.now();
      const error = await withTimeout(
        () =>
          loadTokenizer(tokenizerPath).then(
            () => null,
            (e: unknown) => e,
          ),
        caseTimeoutMs,
        `tokenizer.json ${how}`,
      );
      expect(performance.now() - started, how).toBeLessThan(1000);
      expect(error, how).toBeInstanceOf(ModelFileError);
      const message = (error as Error).message;
      expect(message, how).toContain('tokenizer.json');
      expect(message, how).toContain(`token ${JSON.stringify(token)}`);
      expect(message, how).toMatch(/has id 214748364[78]; token ids must be whole numbers/);
    }
    writeFileSync(tokenizerPath, tokenizerText);
  }, 60_000);
});

describe('task JSONL', () => {
  it('gives pairs and skipped lines with reasons, or a TaskFileError naming the file and line', async () => {
    const rng = new SeededRandom(seed + 3);
    const lines = readFileSync(demoTask, 'utf8').split('\n').slice(0, 30);
    const text = Buffer.from(lines.join('\n'));
    const file = join(work, 'task.jsonl');
    const check = async (options: { onMalformed?: 'skip' | 'fail' }) => {
      const result = await importTaskFile(file, options);
      for (const s of result.skipped) {
        if (!(s.line >= 1 && s.line <= result.linesRead) || s.reason.trim() === '')
          throw new Error(`skipped line without a place or reason: ${JSON.stringify(s)}`);
      }
    };
    for (let i = 0; i < 300; i++) {
      let content: Uint8Array;
      let how: string;
      if (rng.int(2) === 0) ({ bytes: content, how } = mutateBytes(rng, text));
      else {
        const copy = [...lines];
        const k = rng.int(copy.length);
        const roll = rng.int(4);
        if (roll === 0) copy[k] = randomString(rng, rng.int(200));
        else if (roll === 1) copy[k] = JSON.stringify(randomValue(rng));
        else if (roll === 2) copy.splice(k, 0, 'x'.repeat(200_000));
        else {
          const { value, how: h } = mutateJson(rng, JSON.parse(copy[k]!));
          copy[k] = JSON.stringify(value);
          how = h;
        }
        content = Buffer.from(copy.join(rng.int(2) === 0 ? '\n' : '\r\n'));
        how ??= `line ${k + 1} rewritten (${roll})`;
      }
      writeFileSync(file, content);
      await expectImporter('task JSONL (skip)', how, () => check({}), TaskFileError, file);
      await expectImporter(
        'task JSONL (fail)',
        how,
        () => check({ onMalformed: 'fail' }),
        TaskFileError,
        file,
      );
    }
  }, 60_000);
});

describe('annotation CSV and JSONL', () => {
  it('gives rows or a CsvError naming line and column; import:annotationsCsv refuses cleanly', async () => {
    const rng = new SeededRandom(seed + 4);
    const indices = workbench.store.features
      .list(runId)
      .slice(0, 6)
      .map((f) => f.index);
    const csv = Buffer.from(
      [
        ',feat_id,description,languages,interpretability,complexity,uninterpretable,lifecycle_label',
        ...indices.map(
          (f, i) =>
            `${i},${f},"feature ${f}, ""quoted""",${i % 2 === 0 ? '"eng,fra*"' : 'all'},0.${i},0.${9 - i},${i === 3 ? 'yes' : 'no'},${i === 2 ? 'emerged' : ''}`,
        ),
      ].join('\n'),
    );
    const jsonl = Buffer.from(
      [
        JSON.stringify({ type: 'provenance', app: 'Crosscoder Workbench' }),
        ...indices.map((f, i) =>
          JSON.stringify({
            feat_id: f,
            description: `feature ${f}`,
            interpretability: i / 10,
            languages: 'eng',
          }),
        ),
      ].join('\n'),
    );
    const csvPath = join(work, 'annotations.csv');
    const jsonlPath = join(work, 'annotations.jsonl');
    // The unchanged files import.
    writeFileSync(csvPath, csv);
    writeFileSync(jsonlPath, jsonl);
    expect(importStudyAnnotations(csv).annotations).toHaveLength(6);
    expect(readAnnotationFile(jsonlPath, jsonl).rows).toHaveLength(6);
    for (let i = 0; i < 250; i++) {
      const isCsv = i % 2 === 0;
      const base = isCsv ? csv : jsonl;
      let content: Uint8Array;
      let how: string;
      if (rng.int(2) === 0) ({ bytes: content, how } = mutateBytes(rng, base));
      else {
        const rows = base.toString('utf8').split('\n');
        const k = rng.int(rows.length);
        if (isCsv) {
          const cells = rows[k]!.split(',');
          const c = rng.int(cells.length);
          cells[c] = rng.pick([
            '',
            '"',
            '""',
            '-1',
            'NaN',
            '1e999',
            '0x10',
            '__proto__',
            '=cmd|calc',
            '\u0000',
            'x'.repeat(50_000),
            randomString(rng, 20),
          ]);
          rows[k] = cells.join(rng.int(4) === 0 ? ';' : ',');
          how = `line ${k + 1} cell ${c + 1}`;
        } else {
          const { value, how: h } = mutateJson(rng, JSON.parse(rows[k]!));
          rows[k] = JSON.stringify(value);
          how = `line ${k + 1}: ${h}`;
        }
        content = Buffer.from(rows.join('\n'));
      }
      const name = isCsv ? 'annotation CSV' : 'annotation JSONL';
      await expectImporter(
        name,
        how,
        async () => readAnnotationFile(isCsv ? csvPath : jsonlPath, content),
        CsvError,
        null,
      );
      if (isCsv)
        await expectImporter('study CSV', how, async () => importStudyAnnotations(content), CsvError, null);
      if (i % 5 === 0) {
        const path = isCsv ? csvPath : jsonlPath;
        writeFileSync(path, content);
        await expectChannel(
          `${name} via import:annotationsCsv`,
          how,
          'import:annotationsCsv',
          {
            runId,
            annotatorId,
            path,
            isDryRun: i % 10 !== 0,
          },
          null,
        );
      }
    }
  }, 60_000);
});

describe('review bundles', () => {
  it('bundle:preview and bundle:merge refuse corrupted and truncated files cleanly, changing nothing', async () => {
    const rng = new SeededRandom(seed + 5);
    const bundlePath = join(work, 'review.ctt-bundle');
    await owner('bundle:export', { path: bundlePath });
    const bytes = readFileSync(bundlePath);
    // The intact bundle previews (the home project exported it).
    expect(
      (await expectChannel('review bundle', 'intact', 'bundle:preview', { path: bundlePath }, null)).ok,
    ).toBe(true);
    const file = join(work, 'case.ctt-bundle');
    const pageSize = bytes.readUInt16BE(16) === 1 ? 65_536 : bytes.readUInt16BE(16);
    const pages = Math.ceil(bytes.length / pageSize);
    const cases: [string, () => Uint8Array][] = [
      ['empty file', () => new Uint8Array(0)],
      ['text file', () => Buffer.from('feat_id,description\n1,x\n')],
      ['random bytes', () => Uint8Array.from({ length: 8192 }, () => rng.int(256))],
      ['header zeroed', () => Buffer.from(bytes).fill(0, 0, 100)],
      ['magic changed', () => Buffer.from(bytes).fill(0x41, 0, 16)],
      [
        'page size changed',
        () => {
          const b = Buffer.from(bytes);
          b.writeUInt16BE(512, 16);
          return b;
        },
      ],
      [
        'page count doubled',
        () => {
          const b = Buffer.from(bytes);
          b.writeUInt32BE(pages * 2, 28);
          return b;
        },
      ],
      ['first page only', () => bytes.subarray(0, pageSize)],
      ['half a page', () => bytes.subarray(0, pageSize / 2)],
    ];
    for (let i = 0; i < 40; i++) {
      const cut = 1 + rng.int(pages - 1);
      cases.push([`truncated to ${cut}/${pages} pages`, () => bytes.subarray(0, cut * pageSize)]);
    }
    for (let i = 0; i < 50; i++) {
      const page = rng.int(pages);
      const n = 1 + rng.int(64);
      cases.push([
        `page ${page}: ${n} random bytes`,
        () => {
          const b = Buffer.from(bytes);
          for (let k = 0; k < n; k++) b[page * pageSize + rng.int(pageSize)] = rng.int(256);
          return b;
        },
      ]);
    }
    for (let i = 0; i < 30; i++) {
      cases.push(['bytes: random mutation', () => mutateBytes(rng, bytes).bytes]);
    }
    let merged = 0;
    for (const [i, [label, make]] of cases.entries()) {
      rmSync(file, { force: true });
      for (const suffix of ['-journal', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      writeFileSync(file, make());
      await expectChannel('review bundle (preview)', label, 'bundle:preview', { path: file }, null);
      if (i % 3 === 0) {
        const result = await expectChannel(
          'review bundle (merge)',
          label,
          'bundle:merge',
          { path: file },
          null,
        );
        if (result.ok) merged++;
      }
    }
    expect(merged).toBeLessThan(cases.length);
  }, 60_000);
});

describe('review bundles that SQLite reads but that fail its integrity check', () => {
  // The bundle reader runs PRAGMA integrity_check: a file SQLite reads but calls damaged is refused.
  it('are refused by bundle:preview', async () => {
    const rng = new SeededRandom(seed + 7);
    const bundlePath = join(work, 'integrity.ctt-bundle');
    await owner('bundle:export', { path: bundlePath });
    const bytes = readFileSync(bundlePath);
    const pageSize = bytes.readUInt16BE(16);
    const pages = Math.ceil(bytes.length / pageSize);
    const file = join(work, 'damaged.ctt-bundle');
    let damagedCases = 0;
    for (let i = 0; i < 100; i++) {
      const damaged = Buffer.from(bytes);
      const page = 1 + rng.int(pages - 1);
      for (let k = 1 + rng.int(64); k > 0; k--) damaged[page * pageSize + rng.int(pageSize)] = rng.int(256);
      writeFileSync(file, damaged);
      const check = new Database(file, { readonly: true });
      let verdict: string;
      try {
        verdict = String(check.pragma('integrity_check', { simple: true }));
      } catch (error) {
        verdict = String(error);
      } finally {
        check.close();
      }
      if (verdict === 'ok') continue;
      damagedCases++;
      const preview = await dispatch(
        workbench.handlers,
        'bundle:preview',
        { path: file },
        { transport: 'ipc' },
      );
      expect(preview, `corruption ${i}: ${verdict.slice(0, 80)}`).toMatchObject({
        ok: false,
        error: { code: 'invalid_input' },
      });
    }
    expect(damagedCases, 'some corruptions are ones SQLite reports').toBeGreaterThan(0);
  }, 60_000);
});

describe('study folders', () => {
  it('features:importStudy refuses a broken study naming the file, with nothing stored or copied', async () => {
    const rng = new SeededRandom(seed + 6);
    const files = (readdirSync(demoStudy, { recursive: true }) as string[])
      .filter((f) => /\.(json|jsonl)$/.test(f))
      .sort();
    const runsDir = join(dataDir, 'runs');
    for (let i = 0; i < 40; i++) {
      const dir = join(work, `study-${i}`);
      cpSync(demoStudy, dir, { recursive: true });
      // study.json, the run config and the attribution results most often: the rest are 60 dashboards.
      const target =
        rng.int(2) === 0 ? rng.pick(files.filter((f) => !f.startsWith('dashboards'))) : rng.pick(files);
      const path = join(dir, target);
      const roll = rng.int(4);
      let how: string;
      if (roll === 0) {
        rmSync(path);
        how = `${target} deleted`;
      } else if (roll === 1) {
        const { bytes, how: h } = mutateBytes(rng, readFileSync(path));
        writeFileSync(path, bytes);
        how = `${target}: ${h}`;
      } else {
        const { value, how: h } = mutateJson(rng, JSON.parse(readFileSync(path, 'utf8')));
        writeFileSync(path, JSON.stringify(value));
        how = `${target}: ${h}`;
      }
      const runsBefore = readdirSync(runsDir).sort();
      const result = await expectChannel('study folder', how, 'features:importStudy', { dir }, null);
      if (!result.ok) {
        const named =
          result.error.message.includes(dir) || result.error.message.includes(target.split('/').pop()!);
        if (!named)
          problems.push(
            `study folder [${how}]: message names no file: ${result.error.message.slice(0, 300)}`,
          );
        const runsAfter = readdirSync(runsDir).sort();
        if (JSON.stringify(runsAfter) !== JSON.stringify(runsBefore))
          problems.push(
            `study folder [${how}]: refused but left ${runsAfter.filter((r) => !runsBefore.includes(r)).join(', ')}`,
          );
      }
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('all importers', () => {
  it('had no crash, hang, unclear message or store change', () => {
    expect(problems).toEqual([]);
    expect(counter.total()).toBeGreaterThan(1500);
  });
});
