/**
 * The workflows in the navigation, in the order of the study. Alt+key jumps to each; keys 1–9 keep the
 * places they had before the Faithfulness page, which took Alt+0.
 */
export const pages = [
  { id: 'models', title: 'Models & checkpoints', key: '1' },
  { id: 'activations', title: 'Activations', key: '2' },
  { id: 'training', title: 'Training', key: '3' },
  { id: 'attribution', title: 'Attribution', key: '4' },
  { id: 'features', title: 'Features & annotation', key: '5' },
  { id: 'faithfulness', title: 'Faithfulness', key: '0' },
  { id: 'review', title: 'Review', key: '6' },
  { id: 'export', title: 'Export', key: '7' },
  { id: 'jobs', title: 'Jobs', key: '8' },
  { id: 'settings', title: 'Settings', key: '9' },
] as const;

export type PageId = (typeof pages)[number]['id'];

export const isPageId = (value: string): value is PageId => pages.some((p) => p.id === value);

/** The page Alt+`key` opens, if any. */
export const pageOfShortcut = (key: string): PageId | undefined => pages.find((p) => p.key === key)?.id;
