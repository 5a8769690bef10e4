import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corpusWindows } from '../../../../src/core/activations/corpus';
import { extractActivations, type ExtractActivationsOptions } from '../../../../src/core/activations/extract';
import { readManifest, type ActivationManifest } from '../../../../src/core/activations/manifest';
import { selectBackend } from '../../../../src/core/backend';
import type { HostTensor } from '../../../../src/core/hf/host-tensor';
import { readSafetensors } from '../../../../src/core/hf/safetensors';
import { padBatch } from '../../../../src/core/lm/batch';
import { loadLanguageModel } from '../../../../src/core/lm/load';
import { CancelledError } from '../../../../src/core/progress';
import { demoCorpus, demoFamily, fakeCheckpointLoader } from '../../../helpers/activation-fixtures';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Extraction on the real demo checkpoints: layer 1, context 32, 2000 tokens in shards of 20 windows
// (620 rows): 65 windows, the last shard 5 windows of which 140 rows are kept. Legend: N=rows M=3 D=64.

const tmp = createTmpDirs('ctt-extract-');
const revisions = ['step100', 'step400', 'step1600'];
const tokens = 2000;
const base = (
  outDir: string,
  overrides: Partial<ExtractActivationsOptions> = {},
): ExtractActivationsOptions => ({
  checkpoints: revisions.map((revision) => ({ revision, path: join(demoFamily, revision) })),
  layer: 1,
  corpus: demoCorpus,
  context: 32,
  tokens,
  dtype: 'F32',
  outDir,
  batchSize: 8,
  shardRows: 620,
  ...overrides,
});

let f32Dir: string;
let f32: ActivationManifest;
const shardsOf = async (dir: string, m: ActivationManifest): Promise<Map<string, HostTensor>[]> =>
  Promise.all(m.shards.map((s) => readSafetensors(join(dir, s.file))));
const withoutTimes = (m: ActivationManifest) => ({ ...m, createdAt: '', updatedAt: '' });

beforeAll(async () => {
  await selectBackend('wasm');
  f32Dir = tmp.make();
  f32 = (await extractActivations(base(f32Dir))).manifest;
});
afterAll(() => tmp.cleanup());

describe('extractActivations on the demo family', () => {
  it('writes shards of whole windows with acts [n,3,64], position 0 excluded, and a complete manifest', async () => {
    expect(f32.complete).toBe(true);
    expect(f32.corpusExhausted).toBe(false);
    expect(f32.shape).toEqual([tokens, 3, 64]);
    expect(f32.revisions.map((r) => [r.revision, r.tokensSeen])).toEqual(revisions.map((r) => [r, null]));
    expect(f32.shards.map((s) => [s.rows, s.firstWindow, s.windows])).toEqual([
      [620, 0, 20],
      [620, 20, 20],
      [620, 40, 20],
      [140, 60, 5],
    ]);
    const shards = await shardsOf(f32Dir, f32);
    for (const [i, shard] of shards.entries()) {
      const rows = f32.shards[i]!.rows;
      expect(shard.get('acts')!.shape).toEqual([rows, 3, 64]);
      expect(shard.get('acts')!.storedDtype).toBe('F32');
      const position = shard.get('position')!.data;
      expect(Math.min(...position)).toBe(1);
      expect(Math.max(...position)).toBe(31);
      // Full shards: n = windows × (context − 1).
      if (i < 3) expect(rows).toBe(f32.shards[i]!.windows * 31);
      const contextIds = shard.get('context_ids')!;
      expect(contextIds.shape).toEqual([f32.shards[i]!.windows, 32]);
      const window = shard.get('window')!.data;
      const tokenIds = shard.get('token_ids')!.data;
      for (let r = 0; r < rows; r += 97) {
        const w = window[r]! - f32.shards[i]!.firstWindow;
        expect(tokenIds[r]).toBe(contextIds.data[w * 32 + position[r]!]);
      }
    }
    expect(readdirSync(f32Dir).sort()).toEqual(['manifest.json', ...f32.shards.map((s) => s.file)]);
  });

  it('stores the corpus windows, and rows equal model.forward on the same window', async () => {
    const loaded = await loadLanguageModel(join(demoFamily, 'step400'), { isTokenizerRequired: true });
    try {
      const windows: Int32Array[] = [];
      for await (const w of corpusWindows({
        file: demoCorpus,
        encode: (text) => loaded.tokenizer!.encode(text, { addSpecialTokens: false }),
        separatorId: 0,
        context: 32,
      })) {
        windows.push(w);
        if (windows.length === 65) break;
      }
      const shard1 = (await shardsOf(f32Dir, f32))[1]!;
      expect(Array.from(shard1.get('context_ids')!.data.subarray(32, 64))).toEqual(Array.from(windows[21]!));
      const { residuals } = loaded.model.forward(padBatch([Array.from(windows[21]!)]), {
        readLayers: [1],
        shouldSkipLogits: true,
      });
      const resid_BTD = residuals.get(1)!;
      const expected = (await resid_BTD.data()).subarray(5 * 64, 6 * 64); // position 5
      resid_BTD.dispose();
      const row = 1 * 31 + 4; // window 21 is the shard's second; position 5 is its fifth row
      const acts = shard1.get('acts')!.data;
      const got = acts.subarray((row * 3 + 1) * 64, (row * 3 + 2) * 64); // checkpoint 1 = step400
      const scale = Math.max(...Array.from(expected, Math.abs));
      const diff = Math.max(...Array.from(got, (x, j) => Math.abs(x - expected[j]!)));
      expect(diff / scale).toBeLessThan(1e-5);
    } finally {
      loaded.model.dispose();
    }
  });

  it('stores s_m = sqrt(d) / mean ‖x_m‖, as recomputed from the shards', async () => {
    const sums = [0, 0, 0];
    for (const shard of await shardsOf(f32Dir, f32)) {
      const acts = shard.get('acts')!.data;
      for (let v = 0; v < acts.length / 64; v++) {
        let s = 0;
        for (let j = 0; j < 64; j++) s += acts[v * 64 + j]! ** 2;
        sums[v % 3]! += Math.sqrt(s);
      }
    }
    expect(f32.normRows).toBe(tokens);
    sums.forEach((sum, m) => expect(f32.scale[m]).toBeCloseTo(8 / (sum / tokens), 10));
    // Later checkpoints have larger residuals here, so smaller factors.
    expect(f32.scale[0]).toBeGreaterThan(f32.scale[2]!);
  });

  it('float16 shards agree with float32 ones to 1e-3 relative, with the same scale factors', async () => {
    const dir = tmp.make();
    const f16 = (await extractActivations(base(dir, { dtype: 'F16' }))).manifest;
    expect(f16.dtype).toBe('F16');
    expect(f16.scale).toEqual(f32.scale);
    const a = await shardsOf(dir, f16);
    const b = await shardsOf(f32Dir, f32);
    for (const [i, shard] of a.entries()) {
      expect(shard.get('acts')!.storedDtype).toBe('F16');
      const half = shard.get('acts')!.data;
      const full = b[i]!.get('acts')!.data;
      let worst = 0; // |f16 − f32| / (|f32| + 1e-3): relative, with a floor for values near 0
      for (let k = 0; k < full.length; k++) {
        worst = Math.max(worst, Math.abs(half[k]! - full[k]!) / (Math.abs(full[k]!) + 1e-3));
      }
      expect(worst).toBeGreaterThan(0);
      expect(worst).toBeLessThan(1e-3);
    }
  });

  it('resumes after an interruption and ends with the same bytes as an uninterrupted run', async () => {
    const dir = tmp.make();
    const controller = new AbortController();
    const steps: number[] = [];
    await expect(
      extractActivations(
        base(dir, {
          signal: controller.signal,
          onProgress: (p) => {
            steps.push(p.step);
            if (p.step > 700) controller.abort(); // inside the second shard
          },
        }),
      ),
    ).rejects.toBeInstanceOf(CancelledError);
    const partial = (await readManifest(dir))!;
    expect(partial.complete).toBe(false);
    expect(partial.shards).toHaveLength(1);
    expect(steps.every((s, i) => i === 0 || s >= steps[i - 1]!)).toBe(true);
    // What a killed process can leave: a temporary file and a shard the manifest does not list.
    writeFileSync(join(dir, 'shard-00001.safetensors.tmp-4242'), 'half a shard');
    writeFileSync(join(dir, 'shard-00002.safetensors'), 'stale');
    const progress: { step: number; total: number }[] = [];
    const resumed = await extractActivations(base(dir, { onProgress: (p) => progress.push(p) }));
    expect(resumed.resumedRows).toBe(620);
    expect(resumed.extractedRows).toBe(tokens - 620);
    expect(progress.at(-1)).toMatchObject({ step: tokens - 620, total: tokens - 620 });
    expect(withoutTimes(resumed.manifest)).toEqual(withoutTimes({ ...f32, corpus: resumed.manifest.corpus }));
    expect(readdirSync(dir).sort()).toEqual(readdirSync(f32Dir).sort());
    for (const s of f32.shards) {
      expect(readFileSync(join(dir, s.file)).equals(readFileSync(join(f32Dir, s.file)))).toBe(true);
    }
    // A complete store: a rerun does nothing.
    const again = await extractActivations(base(dir));
    expect(again.extractedRows).toBe(0);
    expect(again.manifest.complete).toBe(true);
  });

  it('refuses to resume with other parameters, naming the field, and refuses a foreign folder', async () => {
    await expect(extractActivations(base(f32Dir, { layer: 2 }))).rejects.toThrow(
      /manifest\.json was written with other parameters: layer is 1 there but 2 here/,
    );
    await expect(extractActivations(base(f32Dir, { dtype: 'F16' }))).rejects.toThrow(/dtype is "F32" there/);
    const otherCorpus = join(tmp.make(), 'other.txt');
    writeFileSync(otherCorpus, readFileSync(demoCorpus, 'utf8').slice(0, 20_000) + '\nthe dog sleeps .\n');
    await expect(extractActivations(base(f32Dir, { corpus: otherCorpus }))).rejects.toThrow(
      /corpus\.sha256 is/,
    );
    const foreign = tmp.make();
    writeFileSync(join(foreign, 'notes.txt'), 'mine');
    await expect(extractActivations(base(foreign))).rejects.toThrow(/is not empty and has no manifest\.json/);
    await expect(extractActivations(base(tmp.make(), { layer: 4 }))).rejects.toThrow(
      /layer 4 is out of range: checkpoint step100 .* has blocks 0…3/,
    );
  });

  it('gives the same bytes when each model is loaded per shard, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const dirAll = tmp.make();
    const dirOne = tmp.make();
    const small = { tokens: 400, shardRows: 200 };
    const all = await extractActivations(base(dirAll, small));
    const one = await extractActivations(base(dirOne, { ...small, modelResidency: 'one' }));
    expect(one.manifest.shards).toEqual(all.manifest.shards);
    for (const s of all.manifest.shards) {
      expect(readFileSync(join(dirOne, s.file)).equals(readFileSync(join(dirAll, s.file)))).toBe(true);
    }
    const controller = new AbortController();
    await expect(
      extractActivations(
        base(tmp.make(), { ...small, signal: controller.signal, onProgress: () => controller.abort() }),
      ),
    ).rejects.toBeInstanceOf(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('extractActivations with a fake model', () => {
  const fakeBase = (
    outDir: string,
    overrides: Partial<ExtractActivationsOptions> = {},
  ): ExtractActivationsOptions =>
    base(outDir, {
      checkpoints: [
        { revision: 'a', path: '/fake/a' },
        { revision: 'b', path: '/fake/bb' },
      ],
      tokens: 300,
      shardRows: 100,
      ...overrides,
    });

  it('names shard, row, window, position and checkpoint of a NaN, writing no shard with it', async () => {
    const fake = fakeCheckpointLoader({
      value: (path, id, position, j) =>
        path === '/fake/bb' && position === 7 && j === 2 ? NaN : id + position + j,
    });
    const dir = tmp.make();
    await expect(extractActivations(fakeBase(dir, { loadCheckpoint: fake.loader }))).rejects.toThrow(
      /shard 0 row 6 \(window 0, position 7\), checkpoint b: activation is NaN/,
    );
    expect(readdirSync(dir)).toEqual([]);
    expect(fake.live()).toBe(0);
  });

  it('refuses float16 storage for values beyond its range', async () => {
    const fake = fakeCheckpointLoader({ value: (_p, _id, position) => (position === 3 ? 1e5 : 1) });
    await expect(
      extractActivations(fakeBase(tmp.make(), { loadCheckpoint: fake.loader, dtype: 'F16' })),
    ).rejects.toThrow(
      /position 3\), checkpoint a: activation 100000 does not fit float16; extract with dtype F32/,
    );
  });

  it('stops at the end of a short corpus, and refuses one shorter than a window', async () => {
    const fake = fakeCheckpointLoader();
    const corpus = join(tmp.make(), 'short.jsonl');
    writeFileSync(corpus, `${JSON.stringify({ text: 'the dog sleeps . '.repeat(20) })}\n`); // 80 tokens
    const result = await extractActivations(
      fakeBase(tmp.make(), { loadCheckpoint: fake.loader, corpus, context: 16, tokens: 1000 }),
    );
    expect(result.manifest).toMatchObject({ complete: true, corpusExhausted: true, totalRows: 5 * 15 });
    expect(result.manifest.corpus.format).toBe('jsonl');
    await expect(
      extractActivations(fakeBase(tmp.make(), { loadCheckpoint: fake.loader, corpus, context: 100 })),
    ).rejects.toThrow(/fewer tokens than one window of 100/);
    expect(fake.live()).toBe(0);
  });

  it('keeps position 0 when asked, but leaves it out of the scale estimate', async () => {
    const fake = fakeCheckpointLoader();
    const result = await extractActivations(
      fakeBase(tmp.make(), {
        loadCheckpoint: fake.loader,
        excludeFirstPosition: false,
        tokens: 64,
        context: 32,
      }),
    );
    expect(result.manifest.totalRows).toBe(64);
    expect(result.manifest.normRows).toBe(62);
  });
});
