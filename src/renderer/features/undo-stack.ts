// Undo of the last decisions on the Features page: each successful save pushes the record it replaced;
// undo pops one and saves that record again as a new revision (history is append-only).

export interface UndoEntry<T> {
  featureId: number;
  /** The record before the save, re-saved on undo. */
  previous: T;
  /** What the save did, for the "Undone: …" message. */
  label: string;
}

export interface UndoStack<T> {
  entries: readonly UndoEntry<T>[];
  limit: number;
}

export const emptyUndoStack = <T>(limit = 200): UndoStack<T> => ({ entries: [], limit });

/** The stack with `entry` on top; the oldest entries fall off past `limit`. */
export function pushUndo<T>(stack: UndoStack<T>, entry: UndoEntry<T>): UndoStack<T> {
  const entries = [...stack.entries, entry];
  return { ...stack, entries: entries.slice(Math.max(0, entries.length - stack.limit)) };
}

/** The top entry (undefined when empty) and the stack without it. */
export function popUndo<T>(stack: UndoStack<T>): [UndoEntry<T> | undefined, UndoStack<T>] {
  if (stack.entries.length === 0) return [undefined, stack];
  return [stack.entries[stack.entries.length - 1], { ...stack, entries: stack.entries.slice(0, -1) }];
}
