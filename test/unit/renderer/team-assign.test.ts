import { describe, expect, it } from 'vitest';
import { requests } from '../../../src/shared/contract';
import {
  checkAssignForm,
  checkedAnnotatorIds,
  describeAssignResult,
  fieldOfServerError,
  toggleInSet,
  type AssignForm,
} from '../../../src/renderer/team/team-assign';

const form = (patch: Partial<AssignForm> = {}): AssignForm => ({
  runId: 'run-1',
  attributionId: 'attr-1',
  queueId: null,
  annotatorIds: [1, 2],
  perFeature: '2',
  ...patch,
});

describe('assignment form', () => {
  it('checks every profile except those unchecked, so new profiles start checked', () => {
    expect(checkedAnnotatorIds([1, 2, 3], new Set([2]))).toEqual([1, 3]);
    expect(checkedAnnotatorIds([1, 2, 3, 4], new Set([2]))).toEqual([1, 3, 4]);
    const once = toggleInSet(new Set([2]), 3);
    expect([...once].sort()).toEqual([2, 3]);
    expect([...toggleInSet(once, 2)]).toEqual([3]);
  });

  it('builds an annotations:assign input the contract accepts', () => {
    const check = checkAssignForm(form({ annotatorIds: [2, 1, 2], perFeature: ' 2 ' }));
    expect(check).toEqual({
      ok: true,
      input: { runId: 'run-1', attributionId: 'attr-1', annotatorIds: [2, 1], perFeature: 2 },
    });
    if (!check.ok) throw new Error('unreachable');
    expect(requests['annotations:assign'].input.safeParse(check.input).success).toBe(true);
    const withQueue = checkAssignForm(form({ queueId: 7, perFeature: '1' }));
    expect(withQueue.ok && withQueue.input).toEqual({
      runId: 'run-1',
      attributionId: 'attr-1',
      queueId: 7,
      annotatorIds: [1, 2],
      perFeature: 1,
    });
  });

  it('refuses k larger than the number of checked annotators, naming both', () => {
    const check = checkAssignForm(form({ perFeature: '3' }));
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(check.errors).toEqual({
      perFeature: '3 annotators per feature need at least 3 checked annotators; 2 checked.',
    });
  });

  it('refuses k that is not a whole number from 1 to 100', () => {
    for (const perFeature of ['', '0', '-1', '1.5', 'two', '101', '1e1']) {
      const check = checkAssignForm(form({ perFeature }));
      expect(check.ok, perFeature).toBe(false);
      if (!check.ok) expect(check.errors.perFeature, perFeature).toMatch(/whole number from 1 to 100/);
    }
  });

  it('asks for a run, an indexed attribution and at least one annotator', () => {
    const none = checkAssignForm(form({ runId: null, attributionId: null, annotatorIds: [] }));
    expect(none.ok).toBe(false);
    if (none.ok) return;
    expect(Object.keys(none.errors).sort()).toEqual(['annotators', 'run']);
    const noAttribution = checkAssignForm(form({ attributionId: null }));
    expect(!noAttribution.ok && noAttribution.errors.attribution).toMatch(/no indexed attribution/);
  });

  it('places a server refusal next to the field it names', () => {
    expect(fieldOfServerError('input.perFeature')).toBe('perFeature');
    expect(fieldOfServerError('input.annotatorIds.0')).toBe('annotators');
    expect(fieldOfServerError('input.annotatorIds[1]')).toBe('annotators');
    expect(fieldOfServerError('input.attributionId')).toBe('attribution');
    expect(fieldOfServerError('input.queueId')).toBe('queue');
    expect(fieldOfServerError('input.runId')).toBe('run');
    expect(fieldOfServerError('channel')).toBe('form');
    expect(fieldOfServerError(undefined)).toBe('form');
  });

  it('describes the result', () => {
    expect(describeAssignResult({ features: 20, assignments: 40 }, 2)).toBe(
      'Assigned 20 features: 40 assignments (2 per feature).',
    );
    expect(describeAssignResult({ features: 1, assignments: 1 }, 1)).toBe(
      'Assigned 1 feature: 1 assignment (1 per feature).',
    );
  });
});
