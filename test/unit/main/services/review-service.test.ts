import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  annotatorSummaries,
  icc21,
  krippendorffAlpha,
  type RatingMatrix,
} from '../../../../src/core/review/agreement';
import type {
  AdjudicationView,
  AgreementReport,
  DisagreementPage,
  GoldRecord,
  LifecycleReview,
  ReviewComment,
} from '../../../../src/shared/review';
import { handCategories } from '../../../helpers/annotation-fixtures';
import {
  fieldsOf,
  reviewAttributionId,
  reviewProject,
  reviewRunId,
  type ReviewProject,
} from '../../../helpers/review-fixtures';
import { createTmpDirs } from '../../../helpers/tmp-dir';

// Review of a small hand-made project: agreement equals agreement.ts on the matrices written out by
// hand, disagreements come largest first, gold records are append-only and leave the annotators'
// revisions alone, the lifecycle review counts categories and lists human labels that differ.

const tmp = createTmpDirs('ctt-review-service-');
let p: ReviewProject;
const runId = reviewRunId;

/*
 * Answers (done unless said), annotators by name ada, bob, cyd; RelIE categories from
 * annotation-fixtures (0 discontinued, 1 emerged-late, 2 emerged-mid, 3 maintained, 6 emerged-mid):
 *
 *   feature  ada                   bob                          cyd
 *   0        .8 / .2               .6 / .4, override maintained 1 / .2
 *   1        .5 / .5               .5 / .6                      (draft .1 / .1: not counted)
 *   2        uninterpretable       .2 / .9                      uninterpretable
 *   3        .9 / .1               .7 / .3                      .8 / .1
 *   6        .4 / .4               –                            –   (one answer: not a unit)
 */
beforeEach(async () => {
  p = await reviewProject(tmp.make());
  p.save(0, 'ada', { description: 'zero', interpretability: 0.8, complexity: 0.2 });
  p.save(0, 'bob', {
    description: 'zero b',
    interpretability: 0.6,
    complexity: 0.4,
    lifecycleOverride: 'maintained',
    lifecycleOverrideReason: 'present at every checkpoint',
  });
  p.save(0, 'cyd', { description: 'zero c', interpretability: 1, complexity: 0.2 });
  p.save(1, 'ada', { description: 'one', interpretability: 0.5, complexity: 0.5 });
  p.save(1, 'bob', { description: 'one b', interpretability: 0.5, complexity: 0.6 });
  p.save(1, 'cyd', { description: 'draft', interpretability: 0.1, complexity: 0.1, status: 'draft' });
  p.save(2, 'ada', { isUninterpretable: true });
  p.save(2, 'bob', { description: 'two', interpretability: 0.2, complexity: 0.9 });
  p.save(2, 'cyd', { isUninterpretable: true });
  p.save(3, 'ada', { description: 'three', interpretability: 0.9, complexity: 0.1 });
  p.save(3, 'bob', { description: 'three b', interpretability: 0.7, complexity: 0.3 });
  p.save(3, 'cyd', { description: 'three c', interpretability: 0.8, complexity: 0.1 });
  p.save(6, 'ada', { description: 'six', interpretability: 0.4, complexity: 0.4 });
});
afterEach(async () => {
  await p.workbench.close();
  tmp.cleanup();
});

const matrices: Record<string, RatingMatrix> = {
  lifecycle: [
    ['discontinued', 'maintained', 'discontinued'],
    ['emerged-late', 'emerged-late', null],
    ['emerged-mid', 'emerged-mid', 'emerged-mid'],
    ['maintained', 'maintained', 'maintained'],
  ],
  uninterpretable: [
    ['no', 'no', 'no'],
    ['no', 'no', null],
    ['yes', 'no', 'yes'],
    ['no', 'no', 'no'],
  ],
  interpretability: [
    [0.8, 0.6, 1],
    [0.5, 0.5, null],
    [null, 0.2, null],
    [0.9, 0.7, 0.8],
  ],
  complexity: [
    [0.2, 0.4, 0.2],
    [0.5, 0.6, null],
    [null, 0.9, null],
    [0.1, 0.3, 0.1],
  ],
};

describe('review:agreement', () => {
  it('equals agreement.ts on the hand-written matrices (done answers, features with 2+ annotators)', async () => {
    const report = await p.value<AgreementReport>('review:agreement', { runId });
    expect(report.attributionId).toBe(reviewAttributionId);
    expect(report.features).toBe(4);
    expect(report.annotators.map((a) => [a.name, a.features])).toEqual([
      ['ada', 4],
      ['bob', 4],
      ['cyd', 3],
    ]);
    for (const [field, level] of [
      ['lifecycle', 'nominal'],
      ['uninterpretable', 'nominal'],
      ['interpretability', 'interval'],
      ['complexity', 'interval'],
    ] as const) {
      const expected = krippendorffAlpha(matrices[field]!, level);
      expect(report.alpha[field].value, field).toBeCloseTo(expected.value!, 12);
      expect(report.alpha[field].units).toBe(expected.value === null ? 0 : expected.pairableUnits);
    }
    for (const field of ['interpretability', 'complexity'] as const) {
      const expected = icc21(matrices[field]!);
      expect(report.icc[field].value).toBeCloseTo(expected.value!, 12);
      expect(report.icc[field].units).toBe(2); // features 0 and 3: every annotator rated them
      const summaries = annotatorSummaries(matrices[field]!);
      const got = report.annotatorSummaries.filter((s) => s.field === field);
      expect(got.map((s) => s.name)).toEqual(['ada', 'bob', 'cyd']);
      got.forEach((s, i) => {
        expect(s.rated).toBe(summaries[i]!.rated);
        expect(s.bias.value).toBeCloseTo(summaries[i]!.bias.value!, 12);
        expect(s.spread.value).toBeCloseTo(summaries[i]!.spread.value!, 12);
      });
    }
    // One figure by hand: lifecycle α. Pairable values n = 11; D_o: unit 0 has one odd value among 3
    // (pairs 4 / (3−1) = 2); D_e: categories disc 2, maint 4, el 2, em 3 → Σ_{c≠k} n_c n_k = 121 − 33 = 88.
    // α = 1 − (2/11) / (88/110) = 1 − 0.2272727… = 0.7727272…
    expect(report.alpha.lifecycle.value).toBeCloseTo(1 - 2 / 11 / (88 / 110), 12);
  });

  it('counts drafts too when asked, and says why a statistic is undefined', async () => {
    const withDrafts = await p.value<AgreementReport>('review:agreement', {
      runId,
      statuses: ['done', 'draft'],
    });
    expect(withDrafts.annotators.find((a) => a.name === 'cyd')!.features).toBe(4);
    p.workbench.store.db.exec('DELETE FROM annotation_current');
    const empty = await p.value<AgreementReport>('review:agreement', { runId });
    expect(empty.features).toBe(0);
    expect(empty.alpha.lifecycle).toEqual({
      value: null,
      reason: 'no unit has ratings from 2 or more annotators',
      units: 0,
    });
  });
});

describe('review:disagreements', () => {
  it('lists features largest disagreement first, paged, with gold and comment counts', async () => {
    await p.value('comments:add', {
      featureId: p.idOf(2),
      annotatorId: p.annotator('ada'),
      text: 'look again',
    });
    const page = await p.value<DisagreementPage>('review:disagreements', { runId });
    expect(page.total).toBe(4);
    const overall = page.items.map((i) => i.scores.overall!);
    expect(overall).toEqual([...overall].sort((a, b) => b - a));
    expect(page.items[0]!.index).toBe(2); // uninterpretable split 2:1 and a lone rating
    expect(page.items.find((i) => i.index === 2)!.comments).toBe(1);
    const byLifecycle = await p.value<DisagreementPage>('review:disagreements', {
      runId,
      sortBy: 'lifecycle',
      offset: 0,
      limit: 1,
    });
    expect(byLifecycle.items.map((i) => [i.index, i.scores.lifecycle])).toEqual([[0, 1 - 2 / 3]]);
    const second = await p.value<DisagreementPage>('review:disagreements', { runId, offset: 1, limit: 2 });
    expect(second.items.map((i) => i.index)).toEqual(page.items.slice(1, 3).map((i) => i.index));
  });
});

describe('adjudication', () => {
  it('shows the answers side by side and appends gold revisions; the originals do not change', async () => {
    const featureId = p.idOf(0);
    const before = p.workbench.store.annotations.history(featureId);
    const view = await p.value<AdjudicationView>('adjudication:get', { featureId });
    expect(view.answers.map((a) => a.name)).toEqual(['ada', 'bob', 'cyd']);
    expect(view.categories).toEqual([
      { attributionId: reviewAttributionId, task: 'sv_pp_attractor.eng', category: 'discontinued' },
    ]);
    expect(view.gold).toBeNull();
    const [ada, bob] = view.answers as [AdjudicationView['answers'][0], AdjudicationView['answers'][0]];
    const merged = fieldsOf({ ...ada.fields, description: 'zero (merged)', lifecycleOverride: 'maintained' });
    const adjudicatorId = p.annotator('rev');
    const first = await p.value<GoldRecord>('adjudication:save', {
      featureId,
      adjudicatorId,
      fields: merged,
      rationale: "ada's description, bob's lifecycle label",
      sources: [
        { annotatorId: ada.annotatorId, revisionId: ada.revisionId },
        { annotatorId: bob.annotatorId, revisionId: bob.revisionId },
      ],
      baseRevision: 0,
    });
    expect(first.revision).toBe(1);
    expect(first.sources.map((s) => s.name)).toEqual(['ada', 'bob']);
    expect(first.adjudicatorName).toBe('rev');
    const stale = await p.call('adjudication:save', {
      featureId,
      adjudicatorId,
      fields: merged,
      rationale: 'again',
      baseRevision: 0,
    });
    expect(stale.ok ? null : stale.error.code).toBe('conflict');
    const second = await p.value<GoldRecord>('adjudication:save', {
      featureId,
      adjudicatorId,
      fields: { ...merged, description: 'zero (final)' },
      rationale: 'shorter',
      baseRevision: 1,
    });
    expect(second.revision).toBe(2);
    const after = await p.value<AdjudicationView>('adjudication:get', { featureId });
    expect(after.gold!.fields.description).toBe('zero (final)');
    expect(after.goldHistory.map((g) => g.revision)).toEqual([1, 2]);
    expect(p.workbench.store.annotations.history(featureId)).toEqual(before);
    expect(() => p.workbench.store.db.exec("UPDATE gold_records SET rationale = 'x'")).toThrow(/append-only/);
  });

  it("refuses a source that is not that annotator's answer on the feature, and a missing rationale", async () => {
    const other = p.workbench.store.annotations.latest(p.idOf(3), p.annotator('ada'))!;
    const bad = await p.call('adjudication:save', {
      featureId: p.idOf(0),
      adjudicatorId: p.annotator('ada'),
      fields: fieldsOf({}),
      rationale: 'x',
      sources: [{ annotatorId: p.annotator('ada'), revisionId: other.id }],
    });
    expect(bad.ok ? null : bad.error).toMatchObject({
      code: 'invalid_input',
      field: 'input.sources.0.revisionId',
    });
    const blank = await p.call('adjudication:save', {
      featureId: p.idOf(0),
      adjudicatorId: p.annotator('ada'),
      fields: fieldsOf({}),
      rationale: '  ',
    });
    expect(blank.ok ? null : blank.error.field).toBe('input.rationale');
  });
});

describe('review:lifecycle', () => {
  it('counts categories per task, shows threshold sensitivity and human labels that differ', async () => {
    const review = await p.value<LifecycleReview>('review:lifecycle', { runId });
    expect(review.tasks).toHaveLength(1);
    const [task] = review.tasks;
    const count = (category: string) => task!.counts.find((c) => c.category === category)!;
    for (const category of new Set(handCategories))
      expect(count(category).all, category).toBe(handCategories.filter((c) => c === category).length);
    expect(count('emerged-mid')).toEqual({ category: 'emerged-mid', all: 2, selected: 2 });
    expect(count('transient-gap').selected).toBe(0);
    expect(task!.sensitivity.map((s) => s.label)).toEqual([
      'low − 0.05',
      'low + 0.05',
      'high − 0.05',
      'high + 0.05',
    ]);
    // Feature 3 (⅓ each) is A-B-C at low .3 and other at .35; the rest keep their category.
    expect(task!.sensitivity.map((s) => s.changed)).toEqual([0, 1, 0, 0]);
    expect(review.mismatches).toEqual([
      expect.objectContaining({
        index: 0,
        category: 'discontinued',
        humanLabel: 'maintained',
        source: 'annotator',
        name: 'bob',
        reason: 'present at every checkpoint',
      }),
    ]);
    await p.value('adjudication:save', {
      featureId: p.idOf(0),
      adjudicatorId: p.annotator('rev'),
      fields: fieldsOf({ lifecycleOverride: 'transient-gap' }),
      rationale: 'gap at step200',
    });
    const withGold = await p.value<LifecycleReview>('review:lifecycle', { runId });
    expect(withGold.mismatches.map((m) => [m.index, m.source, m.humanLabel, m.reason])).toEqual([
      [0, 'gold', 'transient-gap', 'gap at step200'],
    ]);
  });

  it('recomputes the categories under other thresholds and refuses invalid ones', async () => {
    const review = await p.value<LifecycleReview>('review:lifecycle', {
      runId,
      thresholds: { low: 0.55, high: 0.7 },
    });
    // No share of features 3 (⅓ each), 5 (.5, 0, .5) and 6 (0, .5, .5) reaches .55: other, like 7.
    expect(review.tasks[0]!.counts.find((c) => c.category === 'other')!.all).toBe(4);
    const bad = await p.call('review:lifecycle', { runId, thresholds: { low: 0.8, high: 0.7 } });
    expect(bad.ok).toBe(false);
  });
});

describe('comments', () => {
  it('keeps comments per feature; an annotator link may comment only as itself', async () => {
    const ada = p.annotator('ada');
    const { token } = await p.value<{ token: string }>('annotators:createToken', { annotatorId: ada });
    const session = p.workbench.sessionForToken(token)!;
    const context = { transport: 'http' as const, session };
    await p.value('comments:add', { featureId: p.idOf(1), annotatorId: ada, text: 'fine' }, context);
    const other = await p.call(
      'comments:add',
      { featureId: p.idOf(1), annotatorId: p.annotator('bob'), text: 'x' },
      context,
    );
    expect(other.ok ? null : other.error.code).toBe('unauthorized');
    const exported = await p.call('export:write', { runId, format: 'csv', path: '/tmp/x.csv' }, context);
    expect(exported.ok ? null : exported.error.code).toBe('unauthorized');
    const list = await p.value<ReviewComment[]>('comments:list', { featureId: p.idOf(1) });
    expect(list.map((c) => [c.name, c.text])).toEqual([['ada', 'fine']]);
  });
});
