import type { FeatureVerdict } from '../../shared/faithfulness';
import { badgesOf, exclusivityExplanation, targetsLine } from './verdict-view';

/** The queue row's faithfulness badges (nothing when the run has no report or says nothing of it). */
export function VerdictBadges({ verdict }: { verdict: FeatureVerdict | undefined }) {
  const badges = badgesOf(verdict);
  if (badges.length === 0) return null;
  return (
    <span className="faith-badges" data-testid="faith-badges">
      {badges.map((b) => (
        <span
          key={b.kind}
          className={`faith-badge faith-badge--${b.tone}`}
          data-badge={b.kind}
          title={b.title}
          aria-label={b.title}
        >
          {b.text}
        </span>
      ))}
    </span>
  );
}

/**
 * The annotation form's faithfulness block, beside the lifecycle field: the exclusivity-artifact flag
 * prominently (with what latent scaling tests as its tooltip), then the other checks' badges.
 */
export function FaithfulnessVerdict({ verdict }: { verdict: FeatureVerdict | undefined }) {
  if (verdict === undefined) return null;
  const ex = verdict.exclusivity;
  const others = badgesOf(verdict).filter((b) => b.kind !== 'artifact');
  return (
    <div className="faith-verdict" data-testid="faith-verdict">
      {ex !== null && ex.isArtifact === true && (
        <p
          className="faith-flag"
          data-testid="exclusivity-flag"
          role="note"
          title={exclusivityExplanation}
          tabIndex={0}
        >
          <strong>⚠ Exclusivity artifact</strong> — latent scaling finds this feature’s direction where its
          category on the task it matters most for ({ex.category ?? '—'}) says it is absent.{' '}
          <span className="faith-why">why?</span>
        </p>
      )}
      {ex !== null && ex.isArtifact === false && (
        <p className="faith-flag faith-flag--ok" data-testid="exclusivity-ok" title={exclusivityExplanation}>
          Exclusivity holds under latent scaling.
        </p>
      )}
      {ex !== null && <p className="muted small numbers">{targetsLine(verdict)}</p>}
      {others.length > 0 && (
        <p className="faith-badges">
          {others.map((b) => (
            <span
              key={b.kind}
              className={`faith-badge faith-badge--${b.tone}`}
              data-badge={b.kind}
              title={b.title}
            >
              {b.text}
            </span>
          ))}
        </p>
      )}
    </div>
  );
}
