import { describe, expect, it } from 'vitest';
import {
  compactConfusion,
  itemsMatched,
  kappaText,
  ratioPoints,
  targetCounts,
} from '../../../src/renderer/faithfulness/report-view';
import { badgesOf, targetsLine } from '../../../src/renderer/faithfulness/verdict-view';
import { defaultQueueView, featureFocusView, queryOfView } from '../../../src/renderer/features/queue-view';
import { featureVerdicts } from '../../../src/shared/faithfulness';
import { pageOfShortcut, pages } from '../../../src/renderer/pages/pages';
import { demoReport } from '../../helpers/faithfulness-fixtures';

// What the Faithfulness page and the Features queue show of a report (the hand-made demo report:
// feature 7 matched everywhere and flagged, feature 9 unmatched and not flagged).

const report = demoReport(7, 9);
const verdicts = featureVerdicts(report);

describe('badges', () => {
  it('puts the exclusivity artifact first, then reordered, seeds and SAE', () => {
    const badges = badgesOf(verdicts[0]);
    expect(badges.map((b) => [b.kind, b.text, b.tone])).toEqual([
      ['artifact', '⚠ exclusivity artifact', 'warn'],
      ['reordered', 'reordered ✓', 'good'],
      ['seeds', 'seeds 1/1', 'good'],
      ['sae', 'SAE 1/1', 'good'],
    ]);
    expect(badges[0]!.title).toContain('ν 0.90 ≥ 0.43');
    expect(badgesOf(verdicts[1]).map((b) => b.text)).toEqual([
      'exclusive ✓',
      'reordered ✗',
      'seeds 0/1',
      'SAE 0/1',
    ]);
    expect(badgesOf(undefined)).toEqual([]);
    expect(targetsLine(verdicts[0]!)).toBe('activation ν 0.90 ⚠ · error ν 0.20 ✓');
  });

  it('a matched feature whose category changed is marked, not counted as agreement', () => {
    const changed = demoReport(7, 9);
    changed.reordered!.items![0]!.otherCategory = 'emerged-mid';
    const [v] = featureVerdicts(changed);
    expect(v!.reordered).toMatchObject({ isMatched: true, isSameCategory: false });
    expect(badgesOf(v).find((b) => b.kind === 'reordered')?.text).toBe('reordered ✓≠');
  });
});

describe('report view', () => {
  it('κ, matched items and the confusion table without empty rows and columns', () => {
    const s = report.reordered!;
    expect(kappaText(s)).toBe('0.500 (p_o 0.750, p_e 0.500, n 1)');
    expect(kappaText({ ...s, kappa: { ...s.kappa, value: null, reason: 'no items to compare' } })).toBe(
      'undefined: no items to compare',
    );
    expect(itemsMatched(s)).toEqual({ matched: 1, total: 2 });
    expect(itemsMatched({ ...s, items: undefined })).toBeNull();
    expect(compactConfusion(s)).toEqual({
      rowLabels: ['emerged-late'],
      colLabels: ['emerged-late'],
      counts: [[1]],
    });
  });

  it('flag counts per target and ν points sorted ascending', () => {
    expect(targetCounts(report)).toEqual([
      {
        target: 'activation',
        total: 2,
        claimed: 2,
        flagged: 1,
        medianRatio: 0.5,
        byCategory: [
          { category: 'emerged-late', claimed: 1, flagged: 1 },
          { category: 'discontinued', claimed: 1, flagged: 0 },
        ],
      },
      {
        target: 'error',
        total: 1,
        claimed: 1,
        flagged: 0,
        medianRatio: 0.2,
        byCategory: [{ category: 'emerged-late', claimed: 1, flagged: 0 }],
      },
    ]);
    expect(ratioPoints(report.artifacts, 'activation')).toEqual([
      { feature: 9, category: 'discontinued', ratio: 0.1, isFlagged: false },
      { feature: 7, category: 'emerged-late', ratio: 0.9, isFlagged: true },
    ]);
  });
});

describe('opening a feature from the Faithfulness page', () => {
  it('searches its index among all features of the run, with no filter hiding it', () => {
    const stored = {
      ...defaultQueueView,
      runId: 'r1',
      attributionId: 'a1',
      queueId: 3,
      categories: ['emerged-late' as const],
      isFlaggedOnly: true,
      sort: 'relIe' as const,
    };
    const view = featureFocusView(stored, 'r1', 42);
    expect(view).toMatchObject({
      runId: 'r1',
      attributionId: 'a1',
      queueId: null,
      search: '#42',
      sort: 'relIe',
    });
    expect(queryOfView(view, 'r1', 'a1', 1)).toMatchObject({ search: '#42', isSelectedOnly: false });
    expect(queryOfView(view, 'r1', 'a1', 1)).not.toHaveProperty('categories');
    // Another run: the task picked for the old run does not carry over.
    expect(featureFocusView(stored, 'r2', 1).attributionId).toBeNull();
  });

  it('the Faithfulness page is Alt+0; the other pages keep their keys', () => {
    expect(pageOfShortcut('0')).toBe('faithfulness');
    expect(pageOfShortcut('5')).toBe('features');
    expect(pageOfShortcut('9')).toBe('settings');
    expect(new Set(pages.map((p) => p.key)).size).toBe(pages.length);
  });
});
