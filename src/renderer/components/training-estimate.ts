import type { TrainingEstimate } from '../../shared/training';

/** Steps that fill `minutes` at `stepsPerSecond` (at least 1); null without a measurement. */
export function stepsForMinutes(minutes: number, stepsPerSecond: number | null): number | null {
  if (stepsPerSecond === null || !(stepsPerSecond > 0) || !(minutes > 0)) return null;
  return Math.max(1, Math.floor(minutes * 60 * stepsPerSecond));
}

/** Milliseconds `steps` take at the measured speed; null without a measurement or a valid count. */
export function trainingMs(steps: number, stepsPerSecond: number | null): number | null {
  if (stepsPerSecond === null || !(stepsPerSecond > 0) || !(steps > 0)) return null;
  return (steps / stepsPerSecond) * 1000;
}

/** Whether a measurement was taken for this shape (so its speed applies to the form as it is). */
export const isEstimateFor = (
  estimate: Pick<TrainingEstimate, 'nFeatures' | 'batchSize'> & { type: string },
  shape: { nFeatures: number; batchSize: number; type: string },
): boolean =>
  estimate.nFeatures === shape.nFeatures &&
  estimate.batchSize === shape.batchSize &&
  estimate.type === shape.type;

/** 1536 → "1.5 KiB"; 3·2³⁰ → "3.0 GiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${Math.round(value)} B` : `${value.toFixed(1)} ${units[unit]}`;
}
