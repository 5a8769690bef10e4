import { describe, expect, it } from 'vitest';
import {
  compactTokens,
  linearScale,
  linePath,
  logScale,
  niceTicks,
  tickLabel,
} from '../../../src/renderer/features/chart-geometry';

describe('chart geometry', () => {
  it('scales linearly (an inverted range for y) and on log10', () => {
    const y = linearScale([0, 1], [140, 8]);
    expect(y(0)).toBe(140);
    expect(y(1)).toBe(8);
    expect(y(0.5)).toBe(74);
    expect(linearScale([2, 2], [0, 10])(2)).toBe(5);
    const x = logScale([1e6, 1e9], [0, 300]);
    expect(x(1e6)).toBe(0);
    expect(x(1e7)).toBeCloseTo(100, 9);
    expect(x(1e9)).toBeCloseTo(300, 9);
  });

  it('picks round ticks that cover the values', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(niceTicks(-0.37, 1.2)).toEqual([-0.5, 0, 0.5, 1, 1.5]);
    expect(niceTicks(0.0012, 0.0031)).toEqual([0.001, 0.0015, 0.002, 0.0025, 0.003, 0.0035]);
    expect(niceTicks(3, 3)).toEqual([1, 2, 3, 4, 5]);
    expect(niceTicks(0, 0)).toEqual([-1, -0.5, 0, 0.5, 1]);
    expect(niceTicks(Infinity, -Infinity)).toEqual([0, 1]);
    for (const [min, max] of [
      [0.013, 0.97],
      [-5, 17],
      [120, 4000],
    ] as const) {
      const ticks = niceTicks(min, max);
      expect(ticks[0]!).toBeLessThanOrEqual(min);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
      expect(ticks.length).toBeLessThanOrEqual(7);
    }
  });

  it('labels ticks and tokens briefly', () => {
    expect(tickLabel(0)).toBe('0');
    expect(tickLabel(0.25)).toBe('0.25');
    expect(tickLabel(1234.5)).toBe('1230');
    expect(tickLabel(0.0001)).toBe('1e-4');
    expect(compactTokens(1_500_000)).toBe('1.5M');
    expect(compactTokens(40_000)).toBe('40k');
    expect(compactTokens(3e9)).toBe('3B');
    expect(compactTokens(512)).toBe('512');
  });

  it('draws a line through the points it has, across missing values', () => {
    expect(
      linePath([
        { x: 0, y: 10 },
        { x: 50, y: null },
        { x: 100, y: 20.25 },
      ]),
    ).toBe('M0.0,10.0 L100.0,20.3');
    expect(linePath([{ x: 1, y: null }])).toBe('');
  });
});
