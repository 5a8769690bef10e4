import { describe, expect, it } from 'vitest';
import { ratingOfCode, resolveFeatureKey, type KeyInput } from '../../../src/renderer/features/keymap';

const key = (k: string, code: string, mods: Partial<KeyInput> = {}): KeyInput => ({
  key: k,
  code,
  ctrlKey: false,
  altKey: false,
  shiftKey: false,
  metaKey: false,
  ...mods,
});

describe('feature keymap', () => {
  it('saves and advances with Ctrl+Enter or Cmd+Enter, even while typing', () => {
    expect(resolveFeatureKey(key('Enter', 'Enter', { ctrlKey: true }), 'text')).toEqual({ kind: 'saveNext' });
    expect(resolveFeatureKey(key('Enter', 'Enter', { metaKey: true }), 'none')).toEqual({ kind: 'saveNext' });
    expect(resolveFeatureKey(key('Enter', 'Enter'), 'none')).toBeNull();
  });

  it('moves with Alt+arrows anywhere and j/k only outside text fields', () => {
    expect(resolveFeatureKey(key('ArrowDown', 'ArrowDown', { altKey: true }), 'text')).toEqual({
      kind: 'next',
    });
    expect(resolveFeatureKey(key('ArrowUp', 'ArrowUp', { altKey: true }), 'none')).toEqual({
      kind: 'previous',
    });
    expect(resolveFeatureKey(key('j', 'KeyJ'), 'none')).toEqual({ kind: 'next' });
    expect(resolveFeatureKey(key('k', 'KeyK'), 'control')).toEqual({ kind: 'previous' });
    expect(resolveFeatureKey(key('j', 'KeyJ'), 'text')).toBeNull();
  });

  it('skips, flags and marks uninterpretable with Alt+letter by physical key (macOS Option)', () => {
    expect(resolveFeatureKey(key('ß', 'KeyS', { altKey: true }), 'text')).toEqual({ kind: 'skip' });
    expect(resolveFeatureKey(key('ƒ', 'KeyF', { altKey: true }), 'text')).toEqual({ kind: 'flag' });
    expect(resolveFeatureKey(key('u', 'KeyU', { altKey: true }), 'none')).toEqual({
      kind: 'uninterpretable',
    });
    expect(resolveFeatureKey(key('u', 'KeyU'), 'none')).toEqual({ kind: 'uninterpretable' });
    expect(resolveFeatureKey(key('u', 'KeyU'), 'text')).toBeNull();
  });

  it('leaves Alt+digits to page navigation', () => {
    expect(resolveFeatureKey(key('1', 'Digit1', { altKey: true }), 'none')).toBeNull();
  });

  it('rates interpretability with digits and complexity with Shift+digits, = for 1.0', () => {
    expect(resolveFeatureKey(key('7', 'Digit7'), 'none')).toEqual({
      kind: 'rate',
      field: 'interpretability',
      value: 0.7,
    });
    expect(resolveFeatureKey(key('#', 'Digit3', { shiftKey: true }), 'control')).toEqual({
      kind: 'rate',
      field: 'complexity',
      value: 0.3,
    });
    expect(resolveFeatureKey(key('=', 'Equal'), 'none')).toEqual({
      kind: 'rate',
      field: 'interpretability',
      value: 1,
    });
    expect(resolveFeatureKey(key('0', 'Numpad0'), 'none')).toEqual({
      kind: 'rate',
      field: 'interpretability',
      value: 0,
    });
    expect(resolveFeatureKey(key('7', 'Digit7'), 'text')).toBeNull();
    expect(ratingOfCode('KeyA')).toBeNull();
  });

  it('undoes with Ctrl+Z outside text fields only (text fields keep their own undo)', () => {
    expect(resolveFeatureKey(key('z', 'KeyZ', { ctrlKey: true }), 'none')).toEqual({ kind: 'undo' });
    expect(resolveFeatureKey(key('z', 'KeyZ', { ctrlKey: true }), 'text')).toBeNull();
    expect(resolveFeatureKey(key('Z', 'KeyZ', { ctrlKey: true, shiftKey: true }), 'none')).toBeNull();
  });

  it('focuses fields with letters, blurs with Escape, and leaves ? and capitals alone', () => {
    expect(resolveFeatureKey(key('e', 'KeyE'), 'none')).toEqual({ kind: 'focus', target: 'description' });
    expect(resolveFeatureKey(key('/', 'Slash'), 'none')).toEqual({ kind: 'focus', target: 'search' });
    expect(resolveFeatureKey(key('Escape', 'Escape'), 'text')).toEqual({ kind: 'blur' });
    expect(resolveFeatureKey(key('?', 'Slash', { shiftKey: true }), 'none')).toBeNull();
    expect(resolveFeatureKey(key('J', 'KeyJ', { shiftKey: true }), 'none')).toBeNull();
  });
});
