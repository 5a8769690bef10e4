import { describe, expect, it } from 'vitest';
import { formatCounts, summarizeLifecycle } from '../../../../src/core/pipeline/lifecycle-summary';

describe('lifecycle summary', () => {
  it('selects the top features per checkpoint, with RelIE, bucket and category, and counts them', () => {
    // IE [M=2][F=4]: feature 0 only at A, 1 only at B, 2 shared, 3 zero everywhere.
    const ie = [
      [0.9, 0.05, 0.5, 0],
      [0.1, 0.95, 0.5, 0],
    ];
    const summary = summarizeLifecycle([{ task: 't', n: 12, ie }], { low: 0.3, high: 0.7 }, 2);
    expect(summary.selected).toEqual([0, 1, 2]);
    expect(summary.tasks[0]!.features.map((f) => [f.feature, f.relIE, f.bucket, f.category])).toEqual([
      [0, 0.1, 'A', 'discontinued'],
      [1, 0.95, 'B', 'emerged'],
      [2, 0.5, 'A-B', 'maintained'],
    ]);
    expect(summary.tasks[0]!.counts).toEqual({ discontinued: 1, emerged: 1, maintained: 1 });
    expect(formatCounts({ emerged: 1, maintained: 3 })).toBe('3 maintained, 1 emerged');
    expect(formatCounts({})).toBe('none');
  });
});
