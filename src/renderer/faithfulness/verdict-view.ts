import type { FeatureVerdict } from '../../shared/faithfulness';

// How a feature's faithfulness verdict (src/shared/faithfulness.ts `featureVerdicts`) is shown: the
// queue's compact badges and the annotation form's explanation. Pure, so it is tested without a DOM.

export type BadgeKind = 'artifact' | 'reordered' | 'seeds' | 'sae';
export type BadgeTone = 'warn' | 'good' | 'bad' | 'neutral';

export interface Badge {
  kind: BadgeKind;
  /** Compact text for the queue row. */
  text: string;
  /** The long form (tooltip, screen readers). */
  title: string;
  tone: BadgeTone;
}

const fixed = (x: number | null, digits = 2): string => (x === null ? '—' : x.toFixed(digits));

/** What latent scaling tests, for the form's tooltip. */
export const exclusivityExplanation =
  'Latent scaling (arXiv 2504.02922): a scalar β per checkpoint is fitted along the feature’s decoder ' +
  'direction to the activations there. ν = β at a checkpoint the lifecycle category says the feature ' +
  'lacks, divided by β at its home checkpoint. ν ≥ the threshold means the direction is present there ' +
  'after all: the category’s exclusivity is an L1 artifact, or the category describes when the feature ' +
  'matters for the task rather than when it exists.';

/** The badges of one feature, most important first; none when the report says nothing about it. */
export function badgesOf(verdict: FeatureVerdict | undefined): Badge[] {
  if (verdict === undefined) return [];
  const badges: Badge[] = [];
  const ex = verdict.exclusivity;
  if (ex !== null && ex.isArtifact !== null) {
    badges.push(
      ex.isArtifact
        ? {
            kind: 'artifact',
            text: '⚠ exclusivity artifact',
            title: `Exclusivity artifact: ν ${fixed(ex.ratio)} ≥ ${fixed(ex.ratioThreshold)} at a checkpoint the category (${ex.category ?? '—'}) says it lacks`,
            tone: 'warn',
          }
        : {
            kind: 'artifact',
            text: 'exclusive ✓',
            title: `Exclusivity holds under latent scaling: ν ${fixed(ex.ratio)} < ${fixed(ex.ratioThreshold)}`,
            tone: 'good',
          },
    );
  }
  const r = verdict.reordered;
  if (r !== null) {
    const same = r.isSameCategory === null ? '' : r.isSameCategory ? ', same category' : ', other category';
    badges.push({
      kind: 'reordered',
      text: r.isMatched ? (r.isSameCategory === false ? 'reordered ✓≠' : 'reordered ✓') : 'reordered ✗',
      title: r.isMatched
        ? `Matched in the run trained with the checkpoints reordered (S ${fixed(r.similarity)}${same})`
        : `Not matched in the reordered run (best S ${fixed(r.similarity)})`,
      tone: r.isMatched ? (r.isSameCategory === false ? 'neutral' : 'good') : 'bad',
    });
  }
  const s = verdict.seeds;
  if (s !== null)
    badges.push({
      kind: 'seeds',
      text: `seeds ${s.matched}/${s.total}`,
      title: `Matched in ${s.matched} of ${s.total} runs with other seeds`,
      tone: s.matched === s.total ? 'good' : s.matched === 0 ? 'bad' : 'neutral',
    });
  const sae = verdict.sae;
  if (sae !== null)
    badges.push({
      kind: 'sae',
      text: `SAE ${sae.agrees}/${sae.n}`,
      title: `Independent SAEs find the feature in exactly the checkpoints its category says on ${sae.agrees} of ${sae.n} tasks`,
      tone: sae.agrees === sae.n ? 'good' : 'neutral',
    });
  return badges;
}

/** "activation ν 0.91 ⚠ · error 0.77 ⚠ · reconstruction 0.94 ⚠" for the form. */
export function targetsLine(verdict: FeatureVerdict): string {
  const ex = verdict.exclusivity;
  if (ex === null) return '';
  return ex.targets
    .map((t) => `${t.target} ν ${fixed(t.ratio)}${t.flag === true ? ' ⚠' : t.flag === false ? ' ✓' : ''}`)
    .join(' · ');
}

/** Verdicts by feature index. */
export const verdictMap = (features: readonly FeatureVerdict[]): ReadonlyMap<number, FeatureVerdict> =>
  new Map(features.map((v) => [v.feature, v]));
