import { describe, expect, it } from 'vitest';
import {
  relDecRows,
  sortedRows,
  tableOfSeries,
  withPoint,
} from '../../../src/renderer/charts/training-series';
import {
  formatBytes,
  isEstimateFor,
  stepsForMinutes,
  trainingMs,
} from '../../../src/renderer/components/training-estimate';

describe('training chart rows', () => {
  it('joins stored series by step and adds live points in step order', () => {
    const table = tableOfSeries([
      {
        name: 'loss',
        points: [
          { step: 2, value: 1 },
          { step: 1, value: 2 },
        ],
      },
      { name: 'l0', points: [{ step: 1, value: 5 }] },
    ]);
    const live = withPoint(withPoint(table, 4, { loss: 0.5 }), 2, { l0: 4 });
    expect(sortedRows(live)).toEqual([
      { step: 1, loss: 2, l0: 5 },
      { step: 2, loss: 1, l0: 4 },
      { step: 4, loss: 0.5 },
    ]);
    expect(sortedRows(table)).toHaveLength(2); // the stored table is not changed
  });

  it('lays RelDec histograms out as one row a bin with one key a checkpoint', () => {
    const rows = relDecRows(
      [
        [1, 2],
        [3, 4],
      ],
      2,
      ['step100'],
    );
    expect(rows).toEqual([
      { bin: '0.25', step100: 1, 'checkpoint 2': 3 },
      { bin: '0.75', step100: 2, 'checkpoint 2': 4 },
    ]);
  });
});

describe('training time estimate', () => {
  it('turns minutes into steps and steps into milliseconds at the measured speed', () => {
    expect(stepsForMinutes(5, 10)).toBe(3000);
    expect(stepsForMinutes(5, null)).toBeNull();
    expect(stepsForMinutes(0, 10)).toBeNull();
    expect(trainingMs(3000, 10)).toBe(300_000);
    expect(trainingMs(0, 10)).toBeNull();
    expect(trainingMs(10, null)).toBeNull();
  });

  it('applies a measurement only to the shape it measured', () => {
    const measured = { nFeatures: 64, batchSize: 256, type: 'l1' };
    expect(isEstimateFor(measured, { nFeatures: 64, batchSize: 256, type: 'l1' })).toBe(true);
    expect(isEstimateFor(measured, { nFeatures: 128, batchSize: 256, type: 'l1' })).toBe(false);
    expect(isEstimateFor(measured, { nFeatures: 64, batchSize: 256, type: 'batchtopk' })).toBe(false);
  });

  it('formats bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 2 ** 30)).toBe('3.0 GiB');
  });
});
