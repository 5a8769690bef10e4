import { Fragment } from 'react';
import type { FeatureDashboardData } from '../../shared/annotation';
import {
  darkTextFrom,
  formatActivation,
  needsTokenGaps,
  shadeColor,
  shadeIntensity,
  tokenTitle,
  visibleToken,
} from './shading';

type ContextSample = FeatureDashboardData['topContexts'][number];

/** One context window with per-token shading (activation / max) and the value on hover. */
export function TokenContext({ sample, maxActivation }: { sample: ContextSample; maxActivation: number }) {
  // Word-level tokens get a real space between them (a place to wrap); BPE tokens bring their own.
  const gap = needsTokenGaps(sample.tokens.map((t) => t.text)) ? ' ' : '';
  return (
    <div className="fp-context" data-testid="context">
      <span className="fp-context__value numbers" title="activation at the centre token">
        {formatActivation(sample.activation)}
      </span>
      <span className="fp-context__tokens">
        {sample.tokens.map((token, i) => {
          const intensity = shadeIntensity(token.activation, maxActivation);
          return (
            <Fragment key={i}>
              {i > 0 && gap}
              <span
                className={token.isCenter ? 'fp-token fp-token--center' : 'fp-token'}
                style={{
                  background: shadeColor(intensity),
                  color: intensity >= darkTextFrom ? '#1d2330' : undefined,
                }}
                title={tokenTitle(token.text, token.activation)}
                data-activation={token.activation ?? ''}
              >
                {visibleToken(token.text)}
              </span>
            </Fragment>
          );
        })}
      </span>
    </div>
  );
}
