import { describe, expect, it } from 'vitest';
import {
  acceptDescription,
  addLanguage,
  changedFields,
  defaultFields,
  fieldOfError,
  parseRating,
  removeLanguage,
  sameFields,
  toggleTentative,
} from '../../../src/renderer/features/form-model';
import { VisibleTimer } from '../../../src/renderer/features/visible-timer';

describe('annotation form rules', () => {
  it('starts from the schema defaults and lists changed fields', () => {
    const a = defaultFields();
    expect(a).toMatchObject({ description: '', interpretability: null, status: 'draft', languages: [] });
    const b = {
      ...a,
      interpretability: 0.7,
      languages: [{ code: 'fra', isTentative: false, isCustom: false }],
    };
    expect(changedFields(a, b)).toEqual(['interpretability', 'languages']);
    expect(sameFields(a, { ...a, timeSpentMs: 900 })).toBe(true);
  });

  it('refuses ratings outside [0, 1] and clears on empty', () => {
    expect(parseRating('0.4')).toEqual({ value: 0.4 });
    expect(parseRating('')).toEqual({ value: null });
    expect(parseRating('1.5')).toEqual({ error: 'must be between 0 and 1' });
    expect(parseRating('-0.1')).toEqual({ error: 'must be between 0 and 1' });
    expect(parseRating('abc')).toHaveProperty('error');
  });

  it('refuses descriptions over 2000 characters with a message', () => {
    expect(acceptDescription('short')).toEqual({ value: 'short', error: null });
    const long = acceptDescription('x'.repeat(2003));
    expect(long.value).toHaveLength(2000);
    expect(long.error).toMatch(/At most 2000 characters: 3 not kept/);
  });

  it('adds ISO 639-3 chips, refuses unknown codes unless custom, and no duplicates', () => {
    const one = addLanguage([], 'FRA', { isCustom: false });
    expect(one).toEqual({ tags: [{ code: 'fra', isTentative: false, isCustom: false }] });
    const tags = 'tags' in one ? one.tags : [];
    expect(addLanguage(tags, 'fra', { isCustom: false })).toEqual({ error: '"fra" is already listed' });
    expect(addLanguage(tags, 'qqq', { isCustom: false })).toHaveProperty('error');
    expect(addLanguage(tags, 'qqq', { isCustom: true })).toEqual({
      tags: [...tags, { code: 'qqq', isTentative: false, isCustom: true }],
    });
    // A real code stays a real code even when "custom" was ticked.
    expect(addLanguage([], 'deu', { isCustom: true })).toEqual({
      tags: [{ code: 'deu', isTentative: false, isCustom: false }],
    });
    expect(addLanguage([], 'fr', { isCustom: true })).toHaveProperty('error');
    expect(toggleTentative(tags, 'fra')[0]?.isTentative).toBe(true);
    expect(removeLanguage(tags, 'fra')).toEqual([]);
  });

  it('maps server field paths to form fields', () => {
    expect(fieldOfError('input.fields.languages.0.code')).toBe('languages');
    expect(fieldOfError('fields.description')).toBe('description');
    expect(fieldOfError('input.interpretability')).toBe('interpretability');
    expect(fieldOfError('input.featureId')).toBeNull();
    expect(fieldOfError(undefined)).toBeNull();
  });
});

describe('visible time', () => {
  it('counts only while resumed', () => {
    let now = 1000;
    const timer = new VisibleTimer(() => now);
    timer.resume();
    now += 400;
    timer.pause();
    now += 10_000; // hidden
    timer.resume();
    timer.resume(); // no double start
    now += 100;
    expect(timer.elapsedMs()).toBe(500);
  });
});
