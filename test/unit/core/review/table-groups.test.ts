import { describe, expect, it } from 'vitest';
import { bucketGroups, categoryGroups, groupRows } from '../../../../src/core/review/table-groups';
import type { Row } from '../../../../src/core/review/table-formats';

describe('lifecycle groups in the paper order (METHOD.md "Exports", METHOD-REFERENCE.md §8.3)', () => {
  it('3 checkpoints: A, A-B, A-C, B, B-C, C specific/shared, A-B-C, Others, then undefined', () => {
    expect(bucketGroups(['1B', '4B', '286B'])).toEqual([
      { key: 'A', label: '1B specific (discontinued)' },
      { key: 'A-B', label: '1B-4B shared (discontinued)' },
      { key: 'A-C', label: '1B-286B shared (transient gap)' },
      { key: 'B', label: '4B specific (emerged mid)' },
      { key: 'B-C', label: '4B-286B shared (emerged mid)' },
      { key: 'C', label: '286B specific (emerged late)' },
      { key: 'A-B-C', label: '1B-4B-286B shared (maintained)' },
      { key: 'other', label: 'Others' },
      { key: 'undefined', label: 'Undefined (IE all zero)' },
    ]);
  });

  it('2 checkpoints: A specific, A-B shared, B specific', () => {
    expect(bucketGroups(['1B', '4B']).map((g) => g.label)).toEqual([
      '1B specific (discontinued)',
      '1B-4B shared (maintained)',
      '4B specific (emerged)',
      'Undefined (IE all zero)',
    ]);
    expect(() => bucketGroups(['a'])).toThrow(/2 or 3/);
  });

  it('categories follow the first appearance of their buckets in that order', () => {
    expect(categoryGroups(3).map((g) => g.key)).toEqual([
      'discontinued',
      'transient-gap',
      'emerged-mid',
      'emerged-late',
      'maintained',
      'other',
      'undefined',
    ]);
    expect(categoryGroups(2).map((g) => g.key)).toEqual([
      'discontinued',
      'maintained',
      'emerged',
      'undefined',
    ]);
  });

  it('groups rows, omits empty groups, sorts within a group on request, refuses unknown keys', () => {
    const rows: Row[] = [
      { id: 1, bucket: 'B', rel: 0.9 },
      { id: 2, bucket: 'A', rel: 0.2 },
      { id: 3, bucket: null, rel: null },
      { id: 4, bucket: 'A', rel: 0.1 },
    ];
    const keyOf = (r: Row): string | null => r.bucket as string | null;
    const groups = groupRows(
      rows,
      keyOf,
      bucketGroups(['1B', '4B']),
      (a, b) => (a.rel as number) - (b.rel as number),
    );
    expect(groups.map((g) => [g.key, g.rows.map((r) => r.id)])).toEqual([
      ['A', [4, 2]],
      ['B', [1]],
      ['undefined', [3]],
    ]);
    expect(groupRows(rows, keyOf, bucketGroups(['1B', '4B']))[0]!.rows.map((r) => r.id)).toEqual([2, 4]);
    expect(() => groupRows([{ bucket: 'C' }], keyOf, bucketGroups(['1B', '4B']))).toThrow(/row 0: group "C"/);
  });
});
