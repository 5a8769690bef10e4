import { describe, expect, it } from 'vitest';
import { emptyUndoStack, popUndo, pushUndo } from '../../../src/renderer/features/undo-stack';

describe('undo stack', () => {
  it('pops the last decision first and is empty afterwards', () => {
    let stack = emptyUndoStack<string>();
    stack = pushUndo(stack, { featureId: 1, previous: 'a', label: 'save' });
    stack = pushUndo(stack, { featureId: 2, previous: 'b', label: 'flag' });
    const [top, rest] = popUndo(stack);
    expect(top).toEqual({ featureId: 2, previous: 'b', label: 'flag' });
    const [next, empty] = popUndo(rest);
    expect(next?.featureId).toBe(1);
    expect(popUndo(empty)[0]).toBeUndefined();
    // The original stack is unchanged (state-friendly).
    expect(stack.entries).toHaveLength(2);
  });

  it('drops the oldest entries past its limit', () => {
    let stack = emptyUndoStack<number>(3);
    for (let i = 0; i < 5; i++) stack = pushUndo(stack, { featureId: i + 1, previous: i, label: '' });
    expect(stack.entries.map((e) => e.previous)).toEqual([2, 3, 4]);
  });
});
