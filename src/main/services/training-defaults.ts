import type { BackendName } from '../../shared/domain';

/**
 * Hook point defaults (METHOD-REFERENCE §1.5): Pythia-1B and OLMo-1B read the output of block 8, BLOOM-1b1
 * of block 12 (the study's `blocks.9` / `blocks.13.hook_resid_pre`); other families start at the middle
 * block. The rule lives with the study presets so the extraction form uses the same one.
 */
export { defaultHookLayer } from '../../shared/study-presets';

/*
 * Training defaults scaled to the machine (docs/decisions/0006). METHOD.md trains F = 16384 features
 * (8·d for Pythia-1B's d = 2048) on 4096 tokens a batch; smaller machines keep F = 8·d while it fits
 * the backend's memory, and a smaller batch for wide residuals.
 * M=checkpoints D=dModel F=features B=batch.
 */

/** tfjs-wasm is a 32-bit heap of at most 4 GiB; keep a quarter free for the store's batches and tfjs. */
export const wasmMemoryLimitBytes = 3 * 2 ** 30;

export interface TrainingShape {
  nCheckpoints: number;
  dModel: number;
  nFeatures: number;
  batchSize: number;
}

/**
 * Bytes a training step holds, estimated: the parameters (2·M·D·F + F + M·D) with their gradients and
 * two Adam moments, XNNPACK's packed copy of both weight matrices (wasm), and one batch's activations:
 * pre-activations, features, mask and their gradients (~6·B·F), input, reconstruction, error (~4·B·M·D).
 */
export function trainingMemoryBytes(s: TrainingShape): number {
  const matrices = 2 * s.nCheckpoints * s.dModel * s.nFeatures;
  const parameters = matrices + s.nFeatures + s.nCheckpoints * s.dModel;
  const persistent = 4 * parameters + matrices;
  const perBatch = 6 * s.batchSize * s.nFeatures + 4 * s.batchSize * s.nCheckpoints * s.dModel;
  return 4 * (persistent + perBatch);
}

/** What the backend (or the native engine) can hold: 3 GiB of wasm's heap; elsewhere half of the machine's memory. */
export function memoryLimitBytes(backend: BackendName | 'native' | null, totalMemoryBytes: number): number {
  if (backend === 'wasm' || backend === null) return wasmMemoryLimitBytes;
  return totalMemoryBytes / 2;
}

const largestPowerOfTwoAtMost = (n: number): number => 2 ** Math.floor(Math.log2(Math.max(1, n)));

/**
 * 4096 tokens a batch up to d = 64, halving as d doubles, at least 512 (d ≥ 512); never more than
 * half the store's rows, so an epoch holds at least two batches.
 */
export function suggestBatchSize(dModel: number, rows: number): number {
  const byWidth = Math.min(4096, Math.max(512, largestPowerOfTwoAtMost(262_144 / Math.max(1, dModel))));
  return Math.max(1, Math.min(byWidth, largestPowerOfTwoAtMost(rows / 2)));
}

/** F = 8·d, halved until the estimate fits `limitBytes` (at least 16 features). */
export function suggestFeatures(shape: Omit<TrainingShape, 'nFeatures'>, limitBytes: number): number {
  let nFeatures = 8 * shape.dModel;
  while (nFeatures > 16 && trainingMemoryBytes({ ...shape, nFeatures }) > limitBytes) {
    nFeatures = Math.max(16, Math.floor(nFeatures / 2));
  }
  return nFeatures;
}

/** Steps that fill `minutes` at the measured speed (at least 1). */
export function stepsForBudget(minutes: number, stepsPerSecond: number): number {
  if (!Number.isFinite(stepsPerSecond) || stepsPerSecond <= 0) return 1;
  return Math.max(1, Math.floor(minutes * 60 * stepsPerSecond));
}
