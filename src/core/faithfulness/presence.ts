import { categoryOf, type Bucket, type LifecycleCategoryName } from '../../shared/lifecycle';

// Which checkpoints a lifecycle bucket or category says a feature is present in (issue 12: independent
// SAEs and exclusivity artifacts). Derived from `categoryOf` in src/shared/lifecycle.ts so the two cannot
// drift apart: a category admits the presence pattern of every bucket that maps to it.
//   2 checkpoints: emerged [·,B], discontinued [A,·], maintained [A,B].
//   3 checkpoints: emerged-late [·,·,C]; emerged-mid [·,B,C] or [·,B,·]; maintained [A,B,C];
//   discontinued [A,·,·] or [A,B,·]; transient-gap [A,·,C]; other and undefined admit no pattern.

/** presence[c]: the feature exists at checkpoint c (A = 0 earliest). */
export type Presence = boolean[];

const buckets2: Bucket[] = ['A', 'B', 'A-B'];
const buckets3: Bucket[] = ['A', 'B', 'C', 'A-B', 'A-C', 'B-C', 'A-B-C'];

/** The exact pattern of a bucket; null for 'other'. */
export function presenceOfBucket(bucket: Bucket, checkpoints: 2 | 3): Presence | null {
  if (bucket === 'other') return null;
  const letters = bucket.split('-');
  if (checkpoints === 2 && letters.includes('C')) throw new Error(`bucket ${bucket} needs 3 checkpoints`);
  return ['A', 'B', 'C'].slice(0, checkpoints).map((l) => letters.includes(l));
}

/** Every pattern the category admits ([] for other / undefined, or a category of the other checkpoint count). */
export function presencePatterns(category: LifecycleCategoryName, checkpoints: 2 | 3): Presence[] {
  return (checkpoints === 2 ? buckets2 : buckets3)
    .filter((b) => categoryOf(b, checkpoints) === category)
    .map((b) => presenceOfBucket(b, checkpoints)!);
}

/** Checkpoints absent in every admitted pattern (what the category claims the feature lacks). */
export function claimedAbsent(patterns: readonly Presence[], checkpoints: number): boolean[] {
  return Array.from({ length: checkpoints }, (_, c) => patterns.length > 0 && patterns.every((p) => !p[c]));
}

export type PresenceOutcome = 'agrees' | 'present-in-more' | 'present-in-fewer' | 'other-pattern';
export const presenceOutcomes: readonly PresenceOutcome[] = [
  'agrees',
  'present-in-more',
  'present-in-fewer',
  'other-pattern',
];

const isSubset = (x: Presence, y: Presence): boolean => x.every((v, c) => !v || y[c]!);

/**
 * Observed against admitted patterns: equal to one → agrees; a strict superset of one → present in more
 * checkpoints than the category says; a strict subset of one → fewer; otherwise another pattern.
 * null when the category admits no pattern.
 */
export function comparePresence(observed: Presence, expected: readonly Presence[]): PresenceOutcome | null {
  if (expected.length === 0) return null;
  if (expected.some((e) => e.length !== observed.length)) {
    throw new Error(`presence over ${observed.length} checkpoints compared with a pattern of another length`);
  }
  if (expected.some((e) => isSubset(e, observed) && isSubset(observed, e))) return 'agrees';
  if (expected.some((e) => isSubset(e, observed))) return 'present-in-more';
  if (expected.some((e) => isSubset(observed, e))) return 'present-in-fewer';
  return 'other-pattern';
}
