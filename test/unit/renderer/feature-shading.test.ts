import { describe, expect, it } from 'vitest';
import {
  formatActivation,
  needsTokenGaps,
  shadeColor,
  shadeIntensity,
  tokenTitle,
  visibleToken,
} from '../../../src/renderer/features/shading';

describe('activation shading', () => {
  it('is proportional to activation / max, clamped, and zero for missing values', () => {
    expect(shadeIntensity(2, 4)).toBe(0.5);
    expect(shadeIntensity(8, 4)).toBe(1);
    expect(shadeIntensity(-1, 4)).toBe(0);
    expect(shadeIntensity(null, 4)).toBe(0);
    expect(shadeIntensity(1, 0)).toBe(0);
    expect(shadeIntensity(Number.NaN, 1)).toBe(0);
  });

  it('is transparent at zero and more opaque with intensity', () => {
    expect(shadeColor(0)).toBe('transparent');
    const alpha = (c: string): number => Number(/, ([\d.]+)\)$/.exec(c)![1]);
    expect(alpha(shadeColor(0.2))).toBeLessThan(alpha(shadeColor(0.8)));
    expect(alpha(shadeColor(1))).toBeCloseTo(0.9, 6);
  });

  it('shows line breaks and gives the value in the tooltip', () => {
    expect(visibleToken('a\nb')).toBe('a⏎b');
    expect(tokenTitle(' key', 1.23456)).toBe('" key" · activation 1.23');
    expect(tokenTitle('x', null)).toBe('"x" · no activation');
    expect(formatActivation(0.0001234)).toBe('1.23e-4');
  });

  it('adds gaps only between word-level tokens', () => {
    expect(needsTokenGaps(['the', 'key', 'is'])).toBe(true);
    expect(needsTokenGaps(['the', ' key', ' is'])).toBe(false);
    expect(needsTokenGaps(['x'])).toBe(false);
  });
});
