import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { backendChain, parseBackendPreference, selectBackend } from '../../../src/core/backend';
import type { FamilyConfig } from '../../../src/core/hf/architectures';
import { padBatch } from '../../../src/core/lm/batch';
import type { LanguageModel } from '../../../src/core/lm/language-model';
import { buildLanguageModel } from '../../../src/core/lm/load';
import { nextTokenLogProbs } from '../../../src/core/lm/log-probs';
import {
  areNativeKernelsInstalled,
  installNativeKernels,
  nativeKernelNames,
  uninstallNativeKernels,
} from '../../../src/core/native/tfjs-native-kernels';
import { randomFamilyWeights, tinyBloomConfig, tinyOlmoConfig } from '../../helpers/random-lm';
import { isNativeAvailable } from './kernels-compare';

// The `native` backend choice (tfjs cpu + the addon's kernels): how it is chosen and undone, and that
// its kernels leave no tensors behind through the LM forward and backward of every family.

describe('native in the backend chain', () => {
  it('comes after the tfjs-node backends and before wasm, and parses as a preference', () => {
    expect(backendChain).toEqual(['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu']);
    expect(parseBackendPreference('native')).toBe('native');
  });

  it('is skipped with the addon reason where the addon is turned off, and auto falls back to wasm', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, CTT_ENGINE: 'tfjs' };
    delete env.CTT_BACKEND;
    const run = spawnSync(process.execPath, ['bin/ctt.mjs', 'info', '--json'], {
      encoding: 'utf8',
      env,
      timeout: 60_000,
    });
    expect(run.status, run.stderr).toBe(0);
    const info = JSON.parse(run.stdout) as {
      backend: { backend: string; attempts: { backend: string; ok: boolean; reason: string }[] };
    };
    expect(info.backend.attempts.find((a) => a.backend === 'native')).toEqual({
      backend: 'native',
      ok: false,
      reason: 'native: turned off by CTT_ENGINE=tfjs',
    });
    expect(info.backend.backend).toBe('wasm');
  });
});

const families: { name: string; family: FamilyConfig }[] = [
  {
    name: 'GPT-NeoX',
    family: {
      architecture: 'gpt_neox',
      config: {
        vocabSize: 29,
        dModel: 16,
        nLayers: 2,
        nHeads: 2,
        headSize: 8,
        rotaryDims: 4,
        rotaryBase: 10000,
        dMlp: 64,
        maxPositions: 64,
        layerNormEps: 1e-5,
        hiddenAct: 'gelu',
        isParallelResidual: true,
        isTiedEmbeddings: false,
        torchDtype: null,
      },
    },
  },
  { name: 'OLMo', family: { architecture: 'olmo', config: tinyOlmoConfig({ clipQkv: 0.5 }) } },
  { name: 'BLOOM', family: { architecture: 'bloom', config: tinyBloomConfig() } },
];

describe.skipIf(!isNativeAvailable)(
  'the native backend (skipped where the native addon did not build)',
  () => {
    afterAll(() => uninstallNativeKernels());

    it('is chosen by auto here, installs its kernels, and cpu removes them again', async () => {
      const auto = await selectBackend('auto');
      expect(auto.backend, auto.reason).toBe('native');
      expect(auto.attempts.find((a) => a.backend === 'native')?.reason).toMatch(
        /^cpu backend with \d+ native kernels \(OpenBLAS\); ran test ops$/,
      );
      expect(tf.getBackend()).toBe('cpu');
      expect(nativeKernelNames()).toEqual(
        expect.arrayContaining(['BatchMatMul', '_FusedMatMul', 'Slice', 'Softmax']),
      );

      const stockMatMul = (): tf.KernelFunc => tf.getKernel('BatchMatMul', 'cpu').kernelFunc;
      const nativeMatMul = stockMatMul();
      installNativeKernels(); // idempotent: nothing changes
      expect(stockMatMul()).toBe(nativeMatMul);

      const cpu = await selectBackend('cpu');
      expect(cpu.backend).toBe('cpu');
      expect(areNativeKernelsInstalled()).toBe(false);
      const restored = stockMatMul();
      expect(restored).not.toBe(nativeMatMul);
      uninstallNativeKernels(); // idempotent
      expect(stockMatMul()).toBe(restored);

      expect((await selectBackend('native')).backend).toBe('native');
      expect(areNativeKernelsInstalled()).toBe(true);
    });

    for (const { name, family } of families) {
      it(`${name}: forward, residual reads and a gradient leave no tensors behind`, async () => {
        await selectBackend('native');
        const model: LanguageModel = await buildLanguageModel(family, async (names) => {
          const all = randomFamilyWeights(family, 3);
          return new Map(names.map((n) => [n, all.get(n)!]));
        });
        const batch = padBatch(
          [
            [3, 1, 4, 1, 5, 9, 2, 6],
            [2, 7, 1, 8],
          ],
          { side: 'left', padId: 0 },
        );
        const run = async (): Promise<void> => {
          const out = model.forward(batch, { readLayers: [0, 1] });
          await out.logits_BTV!.data();
          tf.dispose([out.logits_BTV!, ...out.residuals.values()]);
          const context = model.createContext(batch);
          const h0 = model.embed(batch);
          const grad = tf.grad((h: tf.Tensor) =>
            tf.neg(tf.mean(nextTokenLogProbs(model.forwardFrom(0, h as tf.Tensor3D, context), batch))),
          )(h0);
          await grad.data();
          tf.dispose([h0, grad]);
          model.disposeContext(context);
        };
        await run(); // first use may allocate lasting state
        const tensors = tf.memory().numTensors;
        const bytes = tf.memory().numBytes;
        for (let i = 0; i < 3; i++) await run();
        expect(tf.memory().numTensors).toBe(tensors);
        expect(tf.memory().numBytes).toBe(bytes);
        model.dispose();
      });
    }
  },
);
