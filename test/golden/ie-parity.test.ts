import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { computeIe } from '../../src/core/attribution/attribute';
import { selectBackend } from '../../src/core/backend';
import { crosscoderConfigSchema } from '../../src/core/crosscoder/config';
import { Crosscoder } from '../../src/core/crosscoder/crosscoder';
import { readSafetensors } from '../../src/core/hf/safetensors';
import { loadLanguageModel } from '../../src/core/lm/load';

// IE by integrated gradients on the demo family against the independent PyTorch reference
// (scripts/golden/ie_reference.py, float64 autograd, one example at a time).
const fixture = join(import.meta.dirname, 'fixtures', 'ie-demo');
const demo = join(import.meta.dirname, '..', '..', 'resources', 'demo', 'models', 'demo-lm');

describe('IE parity with the PyTorch reference on the demo family', () => {
  it('agrees to 1e-4 relative for every feature and checkpoint, padded batches included', async () => {
    await selectBackend('wasm');
    const c = JSON.parse(readFileSync(join(fixture, 'case.json'), 'utf8')) as {
      revisions: string[];
      layer: number;
      steps: number;
      items: { prefix: number[]; right: number; wrong: number }[];
      ie: number[][];
    };
    const tensors = await readSafetensors(join(fixture, 'crosscoder.safetensors'));
    const config = crosscoderConfigSchema.parse({ nCheckpoints: 2, dModel: 64, nFeatures: 32, steps: 1 });
    const crosscoder = Crosscoder.fromHost(config, tensors);
    const loaded = await Promise.all(c.revisions.map((r) => loadLanguageModel(join(demo, r))));
    const result = await computeIe({
      models: loaded.map((l) => l.model),
      layer: c.layer,
      crosscoder,
      scale: tensors.get('scale')!.data as Float32Array,
      items: c.items.map((i) => ({ prefixIds: i.prefix, rightId: i.right, wrongId: i.wrong })),
      steps: c.steps,
      threshold: null,
      batchSize: 4, // prefixes of different lengths share a right-padded batch
    });
    const scale = Math.max(...c.ie.flat().map(Math.abs));
    for (let m = 0; m < 2; m++) {
      for (let i = 0; i < 32; i++)
        expect(Math.abs(result.ie[m]![i]! - c.ie[m]![i]!) / scale).toBeLessThan(1e-4);
    }
    crosscoder.dispose();
    loaded.forEach((l) => l.model.dispose());
  });
});
