import { describe, expect, it } from 'vitest';
import {
  memoryLimitBytes,
  stepsForBudget,
  suggestBatchSize,
  suggestFeatures,
  trainingMemoryBytes,
  wasmMemoryLimitBytes,
} from '../../../../src/main/services/training-defaults';

describe('training defaults scaled to the machine', () => {
  it('counts parameters ×4 (weights, gradients, Adam moments) plus packed matrices and one batch', () => {
    // M=2, D=3, F=4, B=5: matrices 48, parameters 48 + 4 + 6 = 58; persistent 4·58 + 48 = 280 floats;
    // batch 6·5·4 + 4·5·2·3 = 240 floats; 520 floats = 2080 bytes.
    expect(trainingMemoryBytes({ nCheckpoints: 2, dModel: 3, nFeatures: 4, batchSize: 5 })).toBe(2080);
  });

  it('limits wasm to 3 of its 4 GiB and native backends to half the memory', () => {
    expect(memoryLimitBytes('wasm', 64 * 2 ** 30)).toBe(wasmMemoryLimitBytes);
    expect(memoryLimitBytes(null, 64 * 2 ** 30)).toBe(wasmMemoryLimitBytes);
    expect(memoryLimitBytes('tensorflow', 64 * 2 ** 30)).toBe(32 * 2 ** 30);
  });

  it('suggests 4096 tokens a batch for narrow residuals, down to 512 for wide ones, at most half the rows', () => {
    expect(suggestBatchSize(64, 1e9)).toBe(4096);
    expect(suggestBatchSize(128, 1e9)).toBe(2048);
    expect(suggestBatchSize(512, 1e9)).toBe(512);
    expect(suggestBatchSize(2048, 1e9)).toBe(512);
    expect(suggestBatchSize(64, 3000)).toBe(1024);
    expect(suggestBatchSize(64, 1)).toBe(1);
  });

  it('suggests F = 8·d and halves it until it fits: Pythia-1B (d 2048, 3 checkpoints) gets 8192 on wasm', () => {
    expect(suggestFeatures({ nCheckpoints: 3, dModel: 64, batchSize: 1024 }, wasmMemoryLimitBytes)).toBe(512);
    expect(suggestFeatures({ nCheckpoints: 3, dModel: 2048, batchSize: 512 }, wasmMemoryLimitBytes)).toBe(
      8192,
    );
    expect(suggestFeatures({ nCheckpoints: 3, dModel: 2048, batchSize: 512 }, 64 * 2 ** 30)).toBe(16384);
    expect(suggestFeatures({ nCheckpoints: 3, dModel: 2048, batchSize: 512 }, 1)).toBe(16);
  });

  it('fills a time budget with steps at the measured speed', () => {
    expect(stepsForBudget(5, 10)).toBe(3000);
    expect(stepsForBudget(0.001, 1)).toBe(1);
    expect(stepsForBudget(5, 0)).toBe(1);
    expect(stepsForBudget(5, Number.NaN)).toBe(1);
  });
});
