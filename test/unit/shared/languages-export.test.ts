import { describe, expect, it } from 'vitest';
import { parseLanguages } from '../../../src/core/review/study-annotations';
import { suggestionTags } from '../../../src/shared/language-suggestion';
import { formatLanguages } from '../../../src/shared/languages';

// The languages column of exports (METHOD-REFERENCE §8.2): comma-separated codes, sorted, `*` after a
// tentative one, `all` for every language; the study's reader takes it back unchanged.

describe('formatLanguages (the export column)', () => {
  it('sorts codes, marks tentative ones with *, and says all', () => {
    const tags = [
      { code: 'hin', isTentative: true },
      { code: 'arb', isTentative: false },
      { code: 'fra', isTentative: false },
      { code: 'eng', isTentative: true },
    ];
    expect(formatLanguages(tags, false)).toBe('arb,eng*,fra,hin*');
    expect(formatLanguages(tags, true)).toBe('all');
    expect(formatLanguages([], false)).toBe('');
  });

  it('a taken suggestion exports in the study form, and the study reader parses it back', () => {
    const tags = suggestionTags({
      tags: [
        { code: 'fra', isTentative: false, share: 0.62 },
        { code: 'eng', isTentative: true, share: 0.31 },
      ],
    });
    const text = formatLanguages(tags, false);
    expect(text).toBe('eng*,fra');
    expect(parseLanguages(text, {})).toEqual({
      codes: [
        { code: 'eng', isTentative: true },
        { code: 'fra', isTentative: false },
      ],
      isAll: false,
    });
  });
});
