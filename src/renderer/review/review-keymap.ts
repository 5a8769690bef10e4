import type { FocusKind, KeyInput } from '../features/keymap';

// Keyboard map of the Review page: j/k walk the disagreement list, Enter opens the feature's
// adjudication, Ctrl+Enter saves the gold record (also while typing the rationale).

export type ReviewAction = 'next' | 'previous' | 'open' | 'saveGold';

export function reviewActionOf(event: KeyInput, focus: FocusKind): ReviewAction | null {
  if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key === 'Enter') return 'saveGold';
  if (event.ctrlKey || event.metaKey || event.altKey || focus === 'text') return null;
  if (event.key === 'j' && !event.shiftKey) return 'next';
  if (event.key === 'k' && !event.shiftKey) return 'previous';
  // On a button or link, Enter belongs to that control.
  if (event.key === 'Enter' && focus === 'none' && !event.shiftKey) return 'open';
  return null;
}

/** Rows of the shortcut legend's Review section. */
export const reviewShortcuts: ReadonlyArray<{ keys: string[][]; description: string }> = [
  { keys: [['j']], description: 'Next feature in the disagreement list (pages on at the end)' },
  { keys: [['k']], description: 'Previous feature in the disagreement list' },
  { keys: [['Enter']], description: 'Open the feature’s adjudication' },
  { keys: [['Ctrl', 'Enter']], description: 'Save the gold record (a rationale is required)' },
];

/** The list position after a step, or a page change when the step leaves the page. */
export function stepInPage(
  active: number,
  step: 1 | -1,
  page: { offset: number; count: number; total: number; pageSize: number },
): { kind: 'move'; index: number } | { kind: 'page'; offset: number; index: 'first' | 'last' } | null {
  const target = active < 0 ? 0 : active + step;
  if (target >= 0 && target < page.count) return { kind: 'move', index: target };
  if (target < 0 && page.offset > 0)
    return { kind: 'page', offset: Math.max(0, page.offset - page.pageSize), index: 'last' };
  if (target >= page.count && page.offset + page.count < page.total)
    return { kind: 'page', offset: page.offset + page.count, index: 'first' };
  return null;
}
