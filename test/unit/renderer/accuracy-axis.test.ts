import { describe, expect, it } from 'vitest';
import { accuracyAxis } from '../../../src/renderer/charts/accuracy-axis';
import { formatTokens } from '../../../src/renderer/components/format';

describe('formatTokens', () => {
  it('abbreviates with K, M, B, T and one decimal below 100', () => {
    expect(formatTokens(4_194_304_000)).toBe('4.2B');
    expect(formatTokens(2_097_152)).toBe('2.1M');
    expect(formatTokens(209_715_200)).toBe('210M');
    expect(formatTokens(299_892_736_000)).toBe('300B');
    expect(formatTokens(1_000_000_000_000)).toBe('1T');
    expect(formatTokens(2_000)).toBe('2K');
    expect(formatTokens(512)).toBe('512');
    expect(formatTokens(0)).toBe('0');
    expect(formatTokens(null)).toBe('—');
  });
});

describe('accuracyAxis', () => {
  const point = (revision: string, tokensSeen: number | null, accuracy = 0.5) => ({
    revision,
    tokensSeen,
    accuracy,
  });

  it('puts checkpoints at their tokens seen on a log axis with power-of-ten ticks', () => {
    const axis = accuracyAxis([point('step100', 2.1e8), point('step2000', 4.2e9)]);
    expect(axis.mode).toBe('log');
    expect(axis.data.map((d) => d.x)).toEqual([2.1e8, 4.2e9]);
    expect(axis.domain).toEqual([1e8, 1e10]);
    expect(axis.ticks).toEqual([1e8, 1e9, 1e10]);
    expect(axis.note).toBeNull();
  });

  it('draws step 0 at half the smallest positive count, and says so', () => {
    const axis = accuracyAxis([point('step0', 0), point('step1000', 2e9)]);
    expect(axis.mode).toBe('log');
    expect(axis.data.map((d) => d.x)).toEqual([1e9, 2e9]);
    expect(axis.domain).toEqual([1e9, 1e10]);
    expect(axis.note).toMatch(/step 0/);
  });

  it('one checkpoint still gets a decade of axis', () => {
    expect(accuracyAxis([point('main', 1e9)]).domain).toEqual([1e9, 1e10]);
  });

  it('falls back to order, evenly spaced, when a checkpoint has no count', () => {
    const axis = accuracyAxis([point('a', 1e6), point('final', null), point('b', 1e7)]);
    expect(axis.mode).toBe('order');
    expect(axis.data.map((d) => [d.revision, d.x])).toEqual([
      ['a', 1],
      ['final', 2],
      ['b', 3],
    ]);
    expect(axis.ticks).toEqual([1, 2, 3]);
    expect(axis.domain).toEqual([0.5, 3.5]);
    expect(axis.note).toMatch(/1 of 3 checkpoints have no tokens-seen count/);
  });
});
