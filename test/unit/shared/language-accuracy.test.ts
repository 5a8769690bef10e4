import { describe, expect, it } from 'vitest';
import type { TaskAccuracyResult } from '../../../src/shared/domain';
import {
  accuracyByLanguage,
  checkpointLanguageAccuracy,
  languageSeries,
} from '../../../src/shared/language-accuracy';

type Checkpoint = TaskAccuracyResult['checkpoints'][number];

function result(
  languages: string[],
  checkpoints: Array<
    Pick<Checkpoint, 'checkpointId' | 'revision' | 'tokensSeen' | 'margins'> & Partial<Checkpoint>
  >,
): TaskAccuracyResult {
  return {
    task: { file: '/t.jsonl', format: 'clams', names: ['t'], skippedLines: 0 },
    pairs: languages.map((language, i) => ({
      id: `t:${i}`,
      sentenceGood: 'g',
      sentenceBad: 'b',
      phenomenon: null,
      language,
    })),
    checkpoints: checkpoints.map((c) => ({ accuracy: null, skipped: 0, ...c })),
  };
}

describe('accuracy per language', () => {
  it('counts right, scored and skipped pairs per code, sorted', () => {
    expect(accuracyByLanguage(['fra', 'eng', 'fra', 'eng', 'fra'], [true, false, false, null, true])).toEqual(
      [
        { language: 'eng', accuracy: 0, scored: 1, skipped: 1 },
        { language: 'fra', accuracy: 2 / 3, scored: 3, skipped: 0 },
      ],
    );
    expect(accuracyByLanguage(['hin'], [null])).toEqual([
      { language: 'hin', accuracy: null, scored: 0, skipped: 1 },
    ]);
  });

  it('uses the job’s byLanguage, else the margins of an older result (right when > 0)', () => {
    const old = result(
      ['eng', 'fra', 'fra'],
      [{ checkpointId: 1, revision: 's1', tokensSeen: 1, margins: [0.5, -1, null] }],
    );
    expect(checkpointLanguageAccuracy(old, 0)).toEqual([
      { language: 'eng', accuracy: 1, scored: 1, skipped: 0 },
      { language: 'fra', accuracy: 0, scored: 1, skipped: 1 },
    ]);
    const byLanguage = [{ language: 'eng', accuracy: 0.25, scored: 4, skipped: 0 }];
    const fresh = result(
      ['eng'],
      [{ checkpointId: 1, revision: 's1', tokensSeen: 1, margins: [1], byLanguage }],
    );
    expect(checkpointLanguageAccuracy(fresh, 0)).toBe(byLanguage);
    expect(checkpointLanguageAccuracy(fresh, 5)).toEqual([]);
  });

  it('pools the tasks run together (CLAMS en + fr) per language and checkpoint, by tokens seen', () => {
    // en on two checkpoints, fr on three (one of them unknown tokens: last), a mixed file on one.
    const en = result(
      ['eng', 'eng'],
      [
        { checkpointId: 2, revision: 'step2000', tokensSeen: 4e9, margins: [1, 1] },
        { checkpointId: 1, revision: 'step512', tokensSeen: 1e9, margins: [1, -1] },
      ],
    );
    const fr = result(
      ['fra', 'fra', 'fra', 'fra'],
      [
        { checkpointId: 1, revision: 'step512', tokensSeen: 1e9, margins: [-1, -1, -1, 1] },
        { checkpointId: 3, revision: 'local', tokensSeen: null, margins: [1, 1, 1, 1] },
        { checkpointId: 2, revision: 'step2000', tokensSeen: 4e9, margins: [1, -1, 1, -1] },
      ],
    );
    const mixed = result(
      ['eng', 'fra'],
      [{ checkpointId: 1, revision: 'step512', tokensSeen: 1e9, margins: [1, 1] }],
    );
    const view = languageSeries([en, fr, mixed]);
    expect(view.checkpoints.map((c) => c.revision)).toEqual(['step512', 'step2000', 'local']);
    expect(view.series).toEqual([
      // step512: en 1/2 + mixed 1/1 = 2/3; step2000: 2/2; local: none.
      { language: 'eng', accuracy: [2 / 3, 1, null], scored: [3, 2, 0] },
      // step512: 1/4 + 1/1 = 2/5; step2000: 2/4; local: 4/4.
      { language: 'fra', accuracy: [2 / 5, 2 / 4, 1], scored: [5, 4, 4] },
    ]);
    expect(view.overall).toEqual([4 / 8, 4 / 6, 1]);
    // One result that holds one language: one series, overall equals it.
    const single = languageSeries([en]);
    expect(single.series).toHaveLength(1);
    expect(single.overall).toEqual([0.5, 1]);
  });
});
