/** The workflows in the navigation, in the order of the study. Alt+1…9 jumps to each. */
export const pages = [
  { id: 'models', title: 'Models & checkpoints' },
  { id: 'activations', title: 'Activations' },
  { id: 'training', title: 'Training' },
  { id: 'attribution', title: 'Attribution' },
  { id: 'features', title: 'Features & annotation' },
  { id: 'review', title: 'Review' },
  { id: 'export', title: 'Export' },
  { id: 'jobs', title: 'Jobs' },
  { id: 'settings', title: 'Settings' },
] as const;

export type PageId = (typeof pages)[number]['id'];

export const isPageId = (value: string): value is PageId => pages.some((p) => p.id === value);
