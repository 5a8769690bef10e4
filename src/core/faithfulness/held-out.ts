import { spearman } from '../attribution/ablation';

// Held-out tasks (issue 12): does RelIE computed on one task predict the per-checkpoint ablation effect
// on a related task it was not computed on (e.g. regular → irregular plural agreement)? Flattened the
// same way as `ctt ablation` (src/cli/attribute-command.ts): for 2 checkpoints the later checkpoint's
// share only (the scalar RelIE), for 3 every component; features with an undefined RelIE or ablation
// share are left out. Spearman is the one of src/core/attribution/ablation.ts.

export interface HeldOutFeature {
  feature: number;
  /** RelIE per checkpoint on the task; null when its IE is all zero. */
  relIE: readonly number[] | null;
  /** Ablation share per checkpoint on the held-out task; null when all effects are zero. */
  ablationShare: readonly number[] | null;
}

export interface HeldOutCheck {
  /** ρ(ablation share on the held-out task, RelIE on the task); null with < 3 values or no variance. */
  spearman: number | null;
  /** Features used. */
  n: number;
  /** Values correlated (n for 2 checkpoints, 3n for 3). */
  values: number;
}

export function heldOutCheck(features: readonly HeldOutFeature[], nCheckpoints: 2 | 3): HeldOutCheck {
  const components = nCheckpoints === 2 ? [1] : [0, 1, 2];
  const usable = features.filter(
    (f): f is HeldOutFeature & { relIE: readonly number[]; ablationShare: readonly number[] } =>
      f.relIE !== null && f.ablationShare !== null,
  );
  for (const f of usable) {
    if (f.relIE.length !== nCheckpoints || f.ablationShare.length !== nCheckpoints) {
      throw new Error(`feature ${f.feature}: expected ${nCheckpoints} values per checkpoint`);
    }
  }
  const ablation = usable.flatMap((f) => components.map((c) => f.ablationShare[c]!));
  const relIE = usable.flatMap((f) => components.map((c) => f.relIE[c]!));
  return { spearman: spearman(ablation, relIE), n: usable.length, values: ablation.length };
}
