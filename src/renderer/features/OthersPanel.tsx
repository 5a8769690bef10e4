import { formatLanguages } from '../../shared/languages';
import { api } from '../api/client';
import { apiErrorOf } from './save-errors';
import { useKeyedAsync } from './use-keyed-async';

/**
 * Other annotators' current answers on this feature. In blind mode the server refuses them until one's
 * own answer is submitted; that shows as "hidden until you submit", not as an error.
 */
export function OthersPanel({
  featureId,
  annotatorId,
  isOwnDone,
  isBlindMode,
}: {
  featureId: number;
  annotatorId: number;
  isOwnDone: boolean;
  isBlindMode: boolean;
}) {
  const others = useKeyedAsync(`${featureId}|${annotatorId}|${isOwnDone}`, () =>
    api.invoke('annotations:others', { featureId, annotatorId }),
  );
  const code = apiErrorOf(others.cause)?.code;
  // A refusal (not an outage) before one's own submission is blind mode at work.
  const isHidden =
    !isOwnDone &&
    others.error !== null &&
    code !== undefined &&
    !['unavailable', 'internal', 'not_found'].includes(code);
  return (
    <section className="fp-section" aria-labelledby="fp-others-title" data-testid="others">
      <h3 id="fp-others-title">Other annotators</h3>
      {isHidden || (isBlindMode && !isOwnDone && others.data === undefined) ? (
        <p className="muted small" data-testid="others-hidden">
          Hidden until you submit (blind mode).
        </p>
      ) : others.error !== null ? (
        <p className="error small">{others.error}</p>
      ) : others.data === undefined ? (
        <p className="muted small">Loading…</p>
      ) : others.data.length === 0 ? (
        <p className="muted small" data-testid="others-none">
          No other answer yet.
        </p>
      ) : (
        <ul className="fp-others">
          {others.data.map((o) => (
            <li key={o.annotatorId} data-testid="other-answer">
              <strong>{o.name}</strong> <span className={`fp-status fp-status--${o.status}`}>{o.status}</span>
              <div className="small">
                interpretability {o.fields.interpretability ?? '—'} · complexity {o.fields.complexity ?? '—'}{' '}
                · languages {formatLanguages(o.fields.languages, o.fields.isAllLanguages) || '—'}
                {o.fields.isUninterpretable && ' · uninterpretable'}
                {o.fields.lifecycleOverride && ` · override ${o.fields.lifecycleOverride}`}
              </div>
              {o.fields.description && <p className="fp-others__desc">{o.fields.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
