// Keyboard map of the Features page: one pure function from a key press (and what has focus) to an
// action, and the legend rows that list every shortcut. Actions that must work while typing use Ctrl or
// Alt; single letters and digits act only when no text field has focus.

export type RatingField = 'interpretability' | 'complexity';

export type FeatureAction =
  | { kind: 'saveNext' }
  | { kind: 'next' }
  | { kind: 'previous' }
  | { kind: 'skip' }
  | { kind: 'flag' }
  | { kind: 'undo' }
  | { kind: 'uninterpretable' }
  | { kind: 'allLanguages' }
  | { kind: 'rate'; field: RatingField; value: number }
  | { kind: 'focus'; target: 'description' | 'languages' | 'notes' | 'search' }
  | { kind: 'blur' };

/** The parts of a KeyboardEvent the map reads (so tests need no DOM). */
export interface KeyInput {
  key: string;
  code: string;
  ctrlKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  metaKey: boolean;
}

/**
 * What has focus: `text` — a text input, textarea, select or editable element (letters are typed);
 * `control` — a slider, checkbox or button (letters are free); `none` — nothing in particular.
 */
export type FocusKind = 'none' | 'text' | 'control';

/** Tenths of a rating from a key code: Digit0–9 / Numpad0–9 → 0.0–0.9, `=` → 1.0; null otherwise. */
export function ratingOfCode(code: string): number | null {
  const digit = /^(?:Digit|Numpad)([0-9])$/.exec(code);
  if (digit) return Number(digit[1]) / 10;
  if (code === 'Equal' || code === 'NumpadAdd') return 1;
  return null;
}

const alwaysWithAlt: Record<string, FeatureAction> = {
  ArrowDown: { kind: 'next' },
  ArrowUp: { kind: 'previous' },
};
/** Alt + letter, by physical key (macOS Option changes `key`). */
const altByCode: Record<string, FeatureAction> = {
  KeyS: { kind: 'skip' },
  KeyF: { kind: 'flag' },
  KeyU: { kind: 'uninterpretable' },
};
const plainKeys: Record<string, FeatureAction> = {
  j: { kind: 'next' },
  k: { kind: 'previous' },
  s: { kind: 'skip' },
  f: { kind: 'flag' },
  u: { kind: 'uninterpretable' },
  a: { kind: 'allLanguages' },
  e: { kind: 'focus', target: 'description' },
  l: { kind: 'focus', target: 'languages' },
  n: { kind: 'focus', target: 'notes' },
  '/': { kind: 'focus', target: 'search' },
};

/** The action of a key press on the Features page, or null when the key is not one of ours. */
export function resolveFeatureKey(input: KeyInput, focus: FocusKind): FeatureAction | null {
  const mod = input.ctrlKey || input.metaKey;
  if (mod && !input.altKey && input.key === 'Enter') return { kind: 'saveNext' };
  if (input.altKey && !mod) {
    const action = alwaysWithAlt[input.key] ?? (input.shiftKey ? undefined : altByCode[input.code]);
    return action ?? null;
  }
  if (focus === 'text') return input.key === 'Escape' && !mod ? { kind: 'blur' } : null;
  if (mod) {
    const isZ = input.code === 'KeyZ' || input.key.toLowerCase() === 'z';
    return isZ && !input.shiftKey && !input.altKey ? { kind: 'undo' } : null;
  }
  const rating = ratingOfCode(input.code);
  if (rating !== null) {
    return { kind: 'rate', field: input.shiftKey ? 'complexity' : 'interpretability', value: rating };
  }
  if (input.shiftKey) return null;
  return plainKeys[input.key] ?? null;
}

/** Rows of the shortcut legend for this page, in the order an annotator meets them. */
export const featureShortcuts: ReadonlyArray<{ keys: string[][]; description: string }> = [
  { keys: [['Ctrl', 'Enter']], description: 'Submit (status done) and go to the next feature' },
  { keys: [['Alt', '↓'], ['j']], description: 'Next feature in the queue (j outside text fields)' },
  { keys: [['Alt', '↑'], ['k']], description: 'Previous feature in the queue' },
  { keys: [['Alt', 'S'], ['s']], description: 'Skip (status skipped) and go to the next feature' },
  { keys: [['Alt', 'F'], ['f']], description: 'Flag or unflag the feature' },
  { keys: [['Alt', 'U'], ['u']], description: 'Mark uninterpretable (or undo the mark)' },
  { keys: [['0…9'], ['=']], description: 'Interpretability 0.0 … 0.9, = for 1.0' },
  {
    keys: [
      ['Shift', '0…9'],
      ['Shift', '='],
    ],
    description: 'Complexity 0.0 … 0.9, 1.0',
  },
  {
    keys: [['Ctrl', 'Z']],
    description: 'Undo the last saved change (outside text fields), as a new revision',
  },
  { keys: [['a']], description: 'All languages on or off' },
  { keys: [['e']], description: 'Edit the description' },
  { keys: [['l']], description: 'Add a language (Enter adds, Backspace on empty removes the last)' },
  { keys: [['n']], description: 'Edit the notes' },
  { keys: [['/']], description: 'Search the queue (#12 or words of a description)' },
  { keys: [['Esc']], description: 'Leave the text field (letters become shortcuts again)' },
];
