import { describe, expect, it } from 'vitest';
import {
  formatSecondsPerFeature,
  progressPercent,
  progressRowView,
  teamTotals,
} from '../../../src/renderer/team/team-progress';

const row = (annotatorId: number, done: number, total: number, medianSeconds: number | null) => ({
  annotatorId,
  name: `A${annotatorId}`,
  done,
  total,
  medianSeconds,
});

describe('progress per annotator', () => {
  it('formats median seconds per feature at a useful precision', () => {
    expect(formatSecondsPerFeature(null)).toBe('—');
    expect(formatSecondsPerFeature(Number.NaN)).toBe('—');
    expect(formatSecondsPerFeature(-1)).toBe('—');
    expect(formatSecondsPerFeature(0)).toBe('0.0 s');
    expect(formatSecondsPerFeature(4.24)).toBe('4.2 s');
    expect(formatSecondsPerFeature(9.96)).toBe('10 s');
    expect(formatSecondsPerFeature(42.4)).toBe('42 s');
    expect(formatSecondsPerFeature(59.6)).toBe('1 min 00 s');
    expect(formatSecondsPerFeature(125)).toBe('2 min 05 s');
    expect(formatSecondsPerFeature(3 * 3600 + 7 * 60)).toBe('3 h 07 min');
  });

  it('turns done / total into a bounded whole percentage', () => {
    expect(progressPercent(0, 0)).toBe(0);
    expect(progressPercent(1, 3)).toBe(33);
    expect(progressPercent(2, 3)).toBe(67);
    expect(progressPercent(5, 4)).toBe(100);
  });

  it('builds the row: done / total, percent, median, complete', () => {
    expect(progressRowView(row(3, 12, 40, 31.2))).toEqual({
      annotatorId: 3,
      name: 'A3',
      doneText: '12 / 40',
      percent: 30,
      medianText: '31 s',
      isComplete: false,
    });
    expect(progressRowView(row(1, 20, 20, 8)).isComplete).toBe(true);
    expect(progressRowView(row(1, 0, 0, null))).toMatchObject({ doneText: '0 / 0', isComplete: false });
  });

  it('sums the team (k per feature counts k times)', () => {
    expect(teamTotals([row(1, 10, 20, 5), row(2, 5, 20, null)])).toEqual({
      done: 15,
      total: 40,
      percent: 38,
    });
    expect(teamTotals([])).toEqual({ done: 0, total: 0, percent: 0 });
  });
});
