import { describe, expect, it } from 'vitest';
import {
  defaultQueueView,
  parseQueueView,
  queryOfView,
  toggleValue,
} from '../../../src/renderer/features/queue-view';

describe('queue view', () => {
  it('turns filters into the features:queue input, leaving out what is not set', () => {
    expect(queryOfView(defaultQueueView, 'run', 'attr', 3)).toEqual({
      runId: 'run',
      attributionId: 'attr',
      annotatorId: 3,
      isSelectedOnly: true,
      sort: 'absIe',
      direction: 'desc',
    });
    const view = {
      ...defaultQueueView,
      queueId: 7,
      categories: ['maintained' as const],
      statuses: ['todo' as const, 'draft' as const],
      isAssignedOnly: true,
      isFlaggedOnly: true,
      search: '  #12 ',
      sort: 'relIe' as const,
      direction: 'asc' as const,
    };
    expect(queryOfView(view, 'run', null, 3)).toEqual({
      runId: 'run',
      queueId: 7,
      annotatorId: 3,
      categories: ['maintained'],
      statuses: ['todo', 'draft'],
      assignedTo: 3,
      isFlagged: true,
      // A named queue lists all its features, selected or not.
      isSelectedOnly: false,
      search: '#12',
      sort: 'relIe',
      direction: 'asc',
    });
    expect(queryOfView(defaultQueueView, null, 'attr', 3)).toBeNull();
  });

  it('repairs a stored view field by field', () => {
    expect(parseQueueView(null)).toEqual(defaultQueueView);
    expect(parseQueueView('not json')).toEqual(defaultQueueView);
    const stored = JSON.stringify({
      runId: 'r1',
      queueId: -4,
      categories: ['maintained', 'bogus'],
      statuses: ['done', 7],
      sort: 'nonsense',
      direction: 'asc',
      isSelectedOnly: false,
      search: 42,
    });
    expect(parseQueueView(stored)).toEqual({
      ...defaultQueueView,
      runId: 'r1',
      categories: ['maintained'],
      statuses: ['done'],
      direction: 'asc',
      isSelectedOnly: false,
    });
  });

  it('toggles a filter value', () => {
    expect(toggleValue(['a', 'b'], 'a')).toEqual(['b']);
    expect(toggleValue(['a'], 'b')).toEqual(['a', 'b']);
  });
});
