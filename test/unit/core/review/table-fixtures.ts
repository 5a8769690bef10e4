import type { Provenance } from '../../../../src/core/review/provenance';
import type { Column, Row } from '../../../../src/core/review/table-formats';

export const provenance: Provenance = {
  model: 'pythia-1b',
  revisions: [
    { revision: 'step1000', tokensSeen: 1_000_000_000 },
    { revision: 'step2000', tokensSeen: 4_000_000_000 },
    { revision: 'step143000', tokensSeen: 286_000_000_000 },
  ],
  layer: 8,
  runConfigHash: 'sha256:0123abcd',
  thresholds: { low: 0.3, high: 0.7 },
  appVersion: '0.1.0',
  createdAt: '2025-01-02T03:04:05.000Z',
  seed: 124,
  task: 'sv_pp_attractor.eng',
  annotators: ['ana', 'ben'],
};

export const columns: Column[] = [
  { key: 'feat_id', label: 'FeatID', type: 'number' },
  { key: 'rel_ie', label: 'RelIE', type: 'number', digits: 2 },
  { key: 'description', label: 'Interpreted Function', type: 'text' },
  { key: 'languages', label: 'Languages', type: 'text' },
];

/** Every character that needs care in one of the formats, plus non-ASCII text. */
export const allSpecials =
  'a\\b & 50% $x$ #1 snake_case {br} ~t ^h <l> |p| [o] -- "q" \'s, x\ny\r\nz é ß 中 🙂';

export const rows: Row[] = [
  { feat_id: 12, rel_ie: 0.123456, description: 'detects regular plural nouns', languages: 'eng,fra*' },
  { feat_id: 7, rel_ie: null, description: '-', languages: 'all' },
  { feat_id: 3, rel_ie: -0.5, description: allSpecials, languages: '' },
  { feat_id: 40, rel_ie: 1e-7, description: '=HYPERLINK("http://x")', languages: '@eng' },
];
