import { describe, expect, it } from 'vitest';
import type { KeyInput } from '../../../src/renderer/features/keymap';
import { reviewActionOf, stepInPage } from '../../../src/renderer/review/review-keymap';

const key = (k: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  code: '',
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe('review keyboard map', () => {
  it('walks with j/k and opens with Enter when no text field has focus', () => {
    expect(reviewActionOf(key('j'), 'none')).toBe('next');
    expect(reviewActionOf(key('k'), 'none')).toBe('previous');
    expect(reviewActionOf(key('Enter'), 'none')).toBe('open');
    expect(reviewActionOf(key('j'), 'control')).toBe('next');
  });

  it('leaves letters to text fields and Enter to buttons', () => {
    expect(reviewActionOf(key('j'), 'text')).toBeNull();
    expect(reviewActionOf(key('Enter'), 'text')).toBeNull();
    expect(reviewActionOf(key('Enter'), 'control')).toBeNull();
    expect(reviewActionOf(key('J', { shiftKey: true }), 'none')).toBeNull();
    expect(reviewActionOf(key('j', { altKey: true }), 'none')).toBeNull();
  });

  it('saves the gold record with Ctrl+Enter, also while typing', () => {
    expect(reviewActionOf(key('Enter', { ctrlKey: true }), 'text')).toBe('saveGold');
    expect(reviewActionOf(key('Enter', { metaKey: true }), 'none')).toBe('saveGold');
    expect(reviewActionOf(key('Enter', { ctrlKey: true, altKey: true }), 'none')).toBeNull();
  });
});

describe('stepping through a paged list', () => {
  const page = { offset: 25, count: 25, total: 60, pageSize: 25 };
  it('moves within the page, and starts at the first row when none is active', () => {
    expect(stepInPage(3, 1, page)).toEqual({ kind: 'move', index: 4 });
    expect(stepInPage(3, -1, page)).toEqual({ kind: 'move', index: 2 });
    expect(stepInPage(-1, 1, page)).toEqual({ kind: 'move', index: 0 });
  });

  it('turns the page at either end, and stops at the list’s ends', () => {
    expect(stepInPage(24, 1, page)).toEqual({ kind: 'page', offset: 50, index: 'first' });
    expect(stepInPage(0, -1, page)).toEqual({ kind: 'page', offset: 0, index: 'last' });
    expect(stepInPage(9, 1, { offset: 50, count: 10, total: 60, pageSize: 25 })).toBeNull();
    expect(stepInPage(0, -1, { offset: 0, count: 10, total: 10, pageSize: 25 })).toBeNull();
    expect(stepInPage(0, -1, { offset: 10, count: 10, total: 30, pageSize: 25 })).toEqual({
      kind: 'page',
      offset: 0,
      index: 'last',
    });
  });
});
