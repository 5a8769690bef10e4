import type { BundleMergePlan } from '../../shared/review';

// Bundle merge plans as read on the Export page: whether there is anything to merge, and what.

/** A bundle merge adds nothing (a bundle merged twice, or just exported): nothing to merge. */
export const isNothingToMerge = (plan: BundleMergePlan): boolean =>
  plan.revisions === 0 &&
  plan.newAnnotators.length === 0 &&
  plan.comments === 0 &&
  plan.goldRecords === 0 &&
  plan.conflicts.length === 0;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** The plan's lines as read before (preview) or after (merge) merging. */
export function planLines(plan: BundleMergePlan): string[] {
  const verb = plan.isApplied ? 'appended' : 'to append';
  const lines = [
    `${plural(plan.revisions, 'annotation revision')} ${verb}`,
    `${plural(plan.comments, 'comment')} ${verb}`,
    `${plural(plan.goldRecords, 'gold record')} ${verb}`,
  ];
  if (plan.newAnnotators.length > 0)
    lines.push(
      `${plural(plan.newAnnotators.length, 'new annotator')} ${plan.isApplied ? 'created' : 'to create'}: ${plan.newAnnotators.join(', ')}`,
    );
  if (plan.unmatchedFeatures > 0)
    lines.push(`${plural(plan.unmatchedFeatures, 'feature')} of the bundle not in this project (skipped)`);
  lines.push(
    plan.conflicts.length === 0
      ? 'no conflicts'
      : `${plural(plan.conflicts.length, 'conflict')}: both sides are kept`,
  );
  return lines;
}

/** 1536 → "1.5 KiB". */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}
