import { describe, expect, it } from 'vitest';
import type {
  AnnotationsCsvImportResult,
  BundleMergePlan,
  ExportResult,
  LifecycleTask,
} from '../../../src/shared/review';
import { formatBytes, isNothingToMerge, planLines } from '../../../src/renderer/review/bundle-view';
import { importErrorText, importSummary, previewLinesOf } from '../../../src/renderer/review/export-view';
import {
  chartRows,
  countRows,
  formatThresholds,
  sensitivityLines,
} from '../../../src/renderer/review/lifecycle-view';

const task = (
  attributionId: string,
  name: string,
  counts: Array<[LifecycleTask['counts'][number]['category'], number, number]>,
  changed: number[] = [],
): LifecycleTask => ({
  attributionId,
  task: name,
  revisions: [],
  thresholds: { low: 0.3, high: 0.7 },
  counts: counts.map(([category, all, selected]) => ({ category, all, selected })),
  sensitivity: changed.map((c, i) => ({
    label: ['low −0.05', 'low +0.05', 'high −0.05', 'high +0.05'][i] ?? `shift ${i}`,
    thresholds: { low: 0.25 + 0.1 * (i % 2), high: 0.7 },
    counts: [],
    changed: c,
  })),
});

describe('lifecycle review tables', () => {
  const tasks = [
    task('a1', 'sv', [
      ['emerged-late', 120, 11],
      ['maintained', 30, 0],
      ['discontinued', 10, 5],
      ['other', 0, 0],
    ]),
    task('a2', 'det', [
      ['emerged-mid', 80, 10],
      ['emerged-late', 5, 2],
    ]),
  ];

  it('lists the categories any task has, in lifecycle order, zero where a task lacks one', () => {
    const rows = countRows(tasks);
    expect(rows.map((r) => r.category)).toEqual([
      'emerged-late',
      'emerged-mid',
      'maintained',
      'discontinued',
    ]);
    expect(rows[0]!.cells).toEqual([
      { all: 120, selected: 11 },
      { all: 5, selected: 2 },
    ]);
    expect(rows[1]!.cells[0]).toEqual({ all: 0, selected: 0 });
  });

  it('makes one chart row per category with one series per task (selected features)', () => {
    expect(chartRows(tasks)[0]).toEqual({ category: 'emerged-late', t0: 11, t1: 2 });
    expect(chartRows([])).toEqual([]);
  });

  it('states the sensitivity as counts and shares of the selected features', () => {
    const lines = sensitivityLines(
      task(
        'a',
        't',
        [
          ['maintained', 9, 8],
          ['other', 3, 2],
        ],
        [1, 0, 5],
      ),
    );
    expect(lines.map((l) => [l.label, l.changed, l.share])).toEqual([
      ['low −0.05', 1, 0.1],
      ['low +0.05', 0, 0],
      ['high −0.05', 5, 0.5],
    ]);
    expect(lines[0]!.thresholds).toBe('0.25 / 0.70');
    expect(sensitivityLines(task('a', 't', [], [2]))[0]!.share).toBeNull();
    expect(formatThresholds({ low: 0.3, high: 0.7 })).toBe('0.30 / 0.70');
  });
});

const plan = (over: Partial<BundleMergePlan>): BundleMergePlan => ({
  path: '/tmp/b.sqlite',
  identity: {
    projectUuid: 'u',
    schemaVersion: 3,
    exportedAt: '2025-01-01T00:00:00Z',
    appVersion: '0.1.0',
    runIds: ['r'],
  },
  revisions: 0,
  newAnnotators: [],
  comments: 0,
  goldRecords: 0,
  conflicts: [],
  unmatchedFeatures: 0,
  isApplied: false,
  ...over,
});

describe('bundle merge plans', () => {
  it('has nothing to merge when no revision, comment, gold record, annotator or conflict is new', () => {
    expect(isNothingToMerge(plan({}))).toBe(true);
    expect(isNothingToMerge(plan({ unmatchedFeatures: 3 }))).toBe(true);
    expect(isNothingToMerge(plan({ revisions: 1 }))).toBe(false);
    expect(isNothingToMerge(plan({ newAnnotators: ['rev'] }))).toBe(false);
    const conflict = {
      runId: 'r',
      featureIndex: 3,
      featureId: 9,
      annotatorName: 'ann',
      homeRevisionId: 40,
      bundleRevisionId: 7,
    };
    expect(isNothingToMerge(plan({ conflicts: [conflict] }))).toBe(false);
  });

  it('says what would be, or was, merged', () => {
    expect(planLines(plan({ revisions: 2, comments: 1, newAnnotators: ['rev'] }))).toEqual([
      '2 annotation revisions to append',
      '1 comment to append',
      '0 gold records to append',
      '1 new annotator to create: rev',
      'no conflicts',
    ]);
    expect(planLines(plan({ revisions: 1, isApplied: true, unmatchedFeatures: 2 }))).toEqual([
      '1 annotation revision appended',
      '0 comments appended',
      '0 gold records appended',
      '2 features of the bundle not in this project (skipped)',
      'no conflicts',
    ]);
  });

  it('formats sizes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1536)).toBe('1.5 KiB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MiB');
  });
});

describe('export and import messages', () => {
  const written: ExportResult = { path: '/tmp/t.csv', format: 'csv', rows: 3, attributionId: 'a' };
  it('shows a preview only when the result carries one', () => {
    expect(previewLinesOf(written)).toBeNull();
    expect(previewLinesOf({ ...written, preview: 'a,b\r\n1,2' } as ExportResult)).toEqual(['a,b', '1,2']);
    expect(previewLinesOf({ ...written, preview: ['x', 'y', 'z'] } as ExportResult, 2)).toEqual(['x', 'y']);
    expect(previewLinesOf({ ...written, preview: [1, 2] } as unknown as ExportResult)).toBeNull();
  });

  const result = (over: Partial<AnnotationsCsvImportResult>): AnnotationsCsvImportResult => ({
    path: '/tmp/a.csv',
    rows: 3,
    imported: 0,
    unchanged: 1,
    isApplied: false,
    ignoredColumns: [],
    preview: [
      { row: 2, featureIndex: 4, featureId: 5, description: 'x', languages: 'eng', action: 'new' },
      { row: 3, featureIndex: 6, featureId: 7, description: 'y', languages: '', action: 'new' },
      { row: 4, featureIndex: 8, featureId: 9, description: 'z', languages: '', action: 'unchanged' },
    ],
    ...over,
  });
  it('summarises a dry run and an applied import', () => {
    expect(importSummary(result({}))).toBe(
      '3 rows checked: 2 new revisions to append, 1 unchanged (dry run: nothing written).',
    );
    expect(importSummary(result({ isApplied: true, imported: 2 }))).toBe(
      '3 rows read: 2 revisions appended, 1 unchanged.',
    );
  });

  it('adds the field an import error names unless the message already does', () => {
    expect(
      importErrorText({ code: 'invalid_input', message: 'a.csv row 4: bad feat_id', field: 'feat_id' }, 'x'),
    ).toBe('a.csv row 4: bad feat_id');
    expect(
      importErrorText(
        { code: 'invalid_input', message: 'a.csv row 4 is bad', field: 'row.4.languages' },
        'x',
      ),
    ).toBe('a.csv row 4 is bad (row.4.languages)');
    expect(importErrorText(null, 'plain')).toBe('plain');
  });
});
