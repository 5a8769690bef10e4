import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openActivationStore, type BatchOptions } from '../../../../src/core/activations/activation-store';
import {
  exportActivationsFile,
  writeActivationsFile,
} from '../../../../src/core/activations/activations-file';
import { extractActivations } from '../../../../src/core/activations/extract';
import { readManifest, writeManifest } from '../../../../src/core/activations/manifest';
import { writeSafetensors } from '../../../../src/core/hf/safetensors';
import { CancelledError } from '../../../../src/core/progress';
import {
  demoCorpus,
  fakeCheckpointLoader,
  syntheticValue,
  writeSyntheticStore,
} from '../../../helpers/activation-fixtures';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// The read side on synthetic stores: acts[row, m, j] = row + 0.25·m + 0.01·j, so every batch row names
// the store row it came from. M=2 D=3 unless said.

const tmp = createTmpDirs('ctt-store-');
afterAll(() => tmp.cleanup());
const shardRows = [10, 7, 10, 3, 10];
const rows = 40;
const width = 2 * 3;

async function collect(iterable: AsyncIterable<Float32Array>, limit = Infinity): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for await (const batch of iterable) {
    out.push(batch);
    if (out.length >= limit) break;
  }
  return out;
}
/** The store row of each batch row (dim 0 of checkpoint 0 holds the row index). */
const rowIds = (batch: Float32Array): number[] =>
  Array.from({ length: batch.length / width }, (_, r) => Math.round(batch[r * width]!));

describe('openActivationStore on a store folder', () => {
  it('reports the shape and scale factors and reads shards upcast to float32', async () => {
    const dir = tmp.make();
    const manifest = await writeSyntheticStore(dir, { shardRows, dtype: 'F16' });
    const store = await openActivationStore(dir);
    expect(store).toMatchObject({ nCheckpoints: 2, dModel: 3, rows, shardRows, scaleSource: 'manifest' });
    expect(Array.from(store.scale)).toEqual(Array.from(Float32Array.from(manifest.scale)));
    const shard1 = await store.readShard(1);
    expect(shard1).toBeInstanceOf(Float32Array);
    expect(shard1).toHaveLength(7 * width);
    // Row 12 is shard 1's third row: 12 + 0.25 + 0.02 at (m = 1, j = 2), to float16 precision.
    expect(shard1[2 * width + 3 + 2]).toBeCloseTo(syntheticValue(12, 1, 2), 2);
    await expect(store.readShard(5)).rejects.toThrow(/shard 5 does not exist \(the store has 5\)/);
  });

  it('names the shard file whose header disagrees with the manifest', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    await writeSafetensors(join(dir, 'shard-00002.safetensors'), {
      acts: { shape: [9, 2, 3], data: new Float32Array(54) },
    });
    await expect(openActivationStore(dir)).rejects.toThrow(
      /shard-00002\.safetensors: acts has shape \[9,2,3\] but the manifest says \[10,2,3\]/,
    );
    await writeSafetensors(join(dir, 'shard-00002.safetensors'), {
      acts: { shape: [10, 2, 3], data: new Float32Array(60), dtype: 'F16' },
    });
    await expect(openActivationStore(dir)).rejects.toThrow(
      /shard-00002\.safetensors: acts is F16 but the manifest says F32/,
    );
  });

  it('names the shard file and row of a non-finite value', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const data = new Float32Array(60).fill(1);
    data[4 * width + 3] = NaN; // row 4, checkpoint 1
    await writeSafetensors(join(dir, 'shard-00002.safetensors'), { acts: { shape: [10, 2, 3], data } });
    const store = await openActivationStore(dir);
    await expect(store.readShard(2)).rejects.toThrow(
      /shard-00002\.safetensors: acts row 4, checkpoint 1 is not finite/,
    );
  });

  it('refuses an incomplete extraction unless asked, and a folder without a manifest', async () => {
    const dir = tmp.make();
    const manifest = await writeSyntheticStore(dir, { shardRows });
    await writeManifest(dir, { ...manifest, complete: false, tokens: 100 });
    await expect(openActivationStore(dir)).rejects.toThrow(/extraction is not complete \(40 of 100 rows\)/);
    expect((await openActivationStore(dir, { allowIncomplete: true })).rows).toBe(40);
    await expect(openActivationStore(tmp.make())).rejects.toThrow(
      /no manifest\.json: not an activation store/,
    );
  });
});

describe('shuffled batches', () => {
  const options = (overrides: Partial<BatchOptions> = {}): BatchOptions => ({
    batchSize: 8,
    seed: 7,
    bufferShards: 2,
    shouldNormalize: false,
    ...overrides,
  });

  it('are deterministic for a seed and differ for another', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const store = await openActivationStore(dir);
    const a = (await collect(store.batches(options()), 12)).map(rowIds);
    const b = (await collect(store.batches(options()), 12)).map(rowIds);
    const c = (await collect(store.batches(options({ seed: 8 })), 12)).map(rowIds);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('cover every row exactly once per epoch, wrapping across epochs, within a bounded buffer', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const store = await openActivationStore(dir);
    const buffers: { shards: number; rows: number }[] = [];
    const batches = await collect(store.batches(options({ epochs: 3, onBuffer: (b) => buffers.push(b) })));
    // 120 rows in batches of 8: 15 full batches; batches straddle shard groups and epochs.
    expect(batches.map((b) => b.length)).toEqual(new Array(15).fill(8 * width));
    const stream = batches.flatMap(rowIds);
    for (let epoch = 0; epoch < 3; epoch++) {
      const seen = stream.slice(epoch * rows, (epoch + 1) * rows).sort((x, y) => x - y);
      expect(seen).toEqual(Array.from({ length: rows }, (_, i) => i));
    }
    expect(stream.slice(0, rows)).not.toEqual(stream.slice(rows, 2 * rows)); // reshuffled each epoch
    expect(Math.max(...buffers.map((b) => b.shards))).toBe(2);
    expect(Math.max(...buffers.map((b) => b.rows))).toBeLessThanOrEqual(20);
    // Rows keep their values: each batch row is one store row, every checkpoint and dim in place.
    const first = batches[0]!;
    const row = rowIds(first)[0]!;
    expect(Array.from(first.subarray(0, width))).toEqual(
      Array.from(
        Float32Array.from({ length: width }, (_, k) => syntheticValue(row, Math.floor(k / 3), k % 3)),
      ),
    );
  });

  it('end with a short batch when the epochs run out', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const store = await openActivationStore(dir);
    const batches = await collect(store.batches(options({ batchSize: 16, epochs: 1 })));
    expect(batches.map((b) => b.length / width)).toEqual([16, 16, 8]);
  });

  it('multiply checkpoint m by s_m when normalising', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const store = await openActivationStore(dir);
    const [raw] = await collect(store.batches(options()), 1);
    const [scaled] = await collect(store.batches(options({ shouldNormalize: true })), 1);
    for (let k = 0; k < raw!.length; k++) {
      const m = Math.floor((k % width) / 3);
      expect(scaled![k]).toBeCloseTo(raw![k]! * store.scale[m]!, 4);
    }
  });

  it('stop with CancelledError when the signal aborts', async () => {
    const dir = tmp.make();
    await writeSyntheticStore(dir, { shardRows });
    const store = await openActivationStore(dir);
    const controller = new AbortController();
    const iterator = store.batches(options({ signal: controller.signal }));
    await iterator.next();
    controller.abort();
    await expect(iterator.next()).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('the single-file form', () => {
  it('reads acts [N,M,d] float32 with its scale factors, or estimates them', async () => {
    const dir = tmp.make();
    const acts = Float32Array.from({ length: 5 * width }, (_, k) => (k % 7) - 3);
    const withScale = join(dir, 'with-scale.safetensors');
    await writeActivationsFile(withScale, { acts_NMD: acts, nCheckpoints: 2, dModel: 3, scale: [0.5, 2] });
    const store = await openActivationStore(withScale);
    expect(store).toMatchObject({ manifest: null, rows: 5, nCheckpoints: 2, dModel: 3, scaleSource: 'file' });
    expect(Array.from(store.scale)).toEqual([0.5, 2]);
    expect(Array.from(await store.readShard(0))).toEqual(Array.from(acts));

    const plain = join(dir, 'plain.safetensors');
    await writeSafetensors(plain, { acts: { shape: [5, 2, 3], data: acts } });
    const estimated = await openActivationStore(plain);
    expect(estimated.scaleSource).toBe('estimated');
    for (let m = 0; m < 2; m++) {
      let sum = 0;
      for (let r = 0; r < 5; r++) {
        sum += Math.hypot(...Array.from(acts.subarray((r * 2 + m) * 3, (r * 2 + m + 1) * 3)));
      }
      expect(estimated.scale[m]).toBeCloseTo(Math.sqrt(3) / (sum / 5), 5);
    }
    const batches = await collect(
      estimated.batches({ batchSize: 2, seed: 1, epochs: 1, shouldNormalize: false }),
    );
    expect(batches.map((b) => b.length / width)).toEqual([2, 2, 1]);
  });

  it('refuses files without acts [N,M,d] and names them', async () => {
    const file = join(tmp.make(), 'wrong.safetensors');
    await writeSafetensors(file, { resid: { shape: [2, 3], data: new Float32Array(6) } });
    await expect(openActivationStore(file)).rejects.toThrow(
      /wrong\.safetensors: has no tensor "acts" \[N,M,d\]/,
    );
    await writeSafetensors(file, { acts: { shape: [2, 3], data: new Float32Array(6) } });
    await expect(openActivationStore(file)).rejects.toThrow(/acts has shape \[2,3\], expected \[N,M,d\]/);
    await writeSafetensors(file, { acts: { shape: [1, 2, 3], data: new Float32Array(6) } }, { scale: '[1]' });
    await expect(openActivationStore(file)).rejects.toThrow(
      /__metadata__\.scale must list 2 positive numbers/,
    );
  });

  it('is what a store folder exports to, rows in order and scale kept', async () => {
    const fake = fakeCheckpointLoader();
    const dir = tmp.make();
    await extractActivations({
      checkpoints: [
        { revision: 'a', path: '/fake/a' },
        { revision: 'b', path: '/fake/b' },
      ],
      layer: 1,
      corpus: demoCorpus,
      context: 16,
      tokens: 200,
      shardRows: 60,
      dtype: 'F16',
      outDir: dir,
      loadCheckpoint: fake.loader,
    });
    const store = await openActivationStore(dir);
    const file = join(tmp.make(), 'all.safetensors');
    await exportActivationsFile(store, file);
    const single = await openActivationStore(file);
    expect(single).toMatchObject({ rows: 200, nCheckpoints: 2, dModel: 4, scaleSource: 'file' });
    expect(Array.from(single.scale)).toEqual(Array.from(store.scale));
    const shards = await Promise.all(store.shardRows.map((_, i) => store.readShard(i)));
    const joined = new Float32Array(shards.reduce((n, s) => n + s.length, 0));
    let offset = 0;
    for (const s of shards) {
      joined.set(s, offset);
      offset += s.length;
    }
    expect(Array.from(await single.readShard(0))).toEqual(Array.from(joined));
    expect((await readManifest(dir))!.revisions.map((r) => r.revision)).toEqual(['a', 'b']);
  });

  it('names a missing path', async () => {
    await expect(openActivationStore(join(tmp.make(), 'nothing'))).rejects.toThrow(
      /no such activation store/,
    );
  });
});
