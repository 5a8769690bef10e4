/**
 * Grouping of table rows by lifecycle bucket or category, in the order of the paper's tables.
 *
 * The paper's generators (../shared/METHOD-REFERENCE.md §8.3, `vis.py:table_generator_*`) group by
 * RelIE bucket, empty groups omitted:
 * - 3 checkpoints: A specific, A-B shared, A-C shared, B specific, B-C shared, C specific, A-B-C shared,
 *   Others (the same order as ../shared/METHOD.md "Exports");
 * - 2 checkpoints: A specific, A-B shared, B specific (italic sub-groups, rows by RelIE ascending).
 * Headers name the checkpoints by tokens seen ("1B specific") and add the workbench's lifecycle category
 * (`src/shared/lifecycle.ts` `categoryOf`): "286B specific (emerged late)".
 * Grouping by category instead (when annotators overrode it) keeps the order in which the categories
 * first appear in the bucket order: 3 checkpoints discontinued, transient-gap, emerged-mid,
 * emerged-late, maintained, other; 2 checkpoints discontinued, maintained, emerged. Features whose IE is
 * all zero (bucket null, category `undefined`) come last in both.
 */
import { type Bucket, categoryOf, type LifecycleCategoryName } from '../../shared/lifecycle';
import type { Row, TableGroup } from './table-formats';

export interface GroupSpec {
  key: string;
  label: string;
}

const bucketOrder3: Bucket[] = ['A', 'A-B', 'A-C', 'B', 'B-C', 'C', 'A-B-C', 'other'];
const bucketOrder2: Bucket[] = ['A', 'A-B', 'B'];
export const undefinedGroup: GroupSpec = { key: 'undefined', label: 'Undefined (IE all zero)' };

const bucketOrder = (checkpoints: number): Bucket[] => {
  if (checkpoints === 2) return bucketOrder2;
  if (checkpoints === 3) return bucketOrder3;
  throw new Error(`lifecycle groups need 2 or 3 checkpoints, got ${checkpoints}`);
};

const categoryText = (category: LifecycleCategoryName): string => category.replace('-', ' ');

/** "1B specific", "1B-286B shared", "Others", from the checkpoint labels (earliest first). */
function bucketText(bucket: Bucket, labels: readonly string[]): string {
  if (bucket === 'other') return 'Others';
  const names = bucket.split('-').map((letter) => labels['ABC'.indexOf(letter)]!);
  return names.length === 1 ? `${names[0]} specific` : `${names.join('-')} shared`;
}

/** The paper's bucket groups for 2 or 3 checkpoint labels, then the undefined group. */
export function bucketGroups(checkpointLabels: readonly string[]): GroupSpec[] {
  const m = checkpointLabels.length;
  return [
    ...bucketOrder(m).map((bucket) => {
      const category = categoryOf(bucket, m as 2 | 3);
      const text = bucketText(bucket, checkpointLabels);
      return { key: bucket, label: bucket === 'other' ? text : `${text} (${categoryText(category)})` };
    }),
    undefinedGroup,
  ];
}

/** Lifecycle-category groups in the order their buckets first appear in the paper's order. */
export function categoryGroups(checkpoints: number): GroupSpec[] {
  const seen: LifecycleCategoryName[] = [];
  for (const bucket of bucketOrder(checkpoints)) {
    const category = categoryOf(bucket, checkpoints as 2 | 3);
    if (!seen.includes(category)) seen.push(category);
  }
  return [...seen.map((key) => ({ key, label: categoryText(key) })), undefinedGroup];
}

/**
 * Rows into the given groups, in the specs' order, empty groups omitted; within a group the input order
 * is kept unless `compare` is given (the paper sorts 2-way groups by RelIE ascending). A key that no
 * spec names throws (nothing is silently dropped from an export).
 */
export function groupRows(
  rows: readonly Row[],
  keyOf: (row: Row) => string | null,
  specs: readonly GroupSpec[],
  compare?: (a: Row, b: Row) => number,
): TableGroup[] {
  const byKey = new Map<string, Row[]>(specs.map((s) => [s.key, []]));
  rows.forEach((row, i) => {
    const key = keyOf(row) ?? undefinedGroup.key;
    const group = byKey.get(key);
    if (group === undefined)
      throw new Error(`row ${i}: group "${key}" is not one of ${specs.map((s) => s.key).join(', ')}`);
    group.push(row);
  });
  return specs
    .map((s) => ({
      key: s.key,
      label: s.label,
      rows: compare ? [...byKey.get(s.key)!].sort(compare) : byKey.get(s.key)!,
    }))
    .filter((g) => g.rows.length > 0);
}
