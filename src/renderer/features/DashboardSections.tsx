import { useState } from 'react';
import type { FeatureDashboardData, FeatureDetail, FeatureScores } from '../../shared/annotation';
import { histogramBars, formatIe, rankItems } from './dashboard-view';
import { ActivationHistogram } from './FeatureCharts';
import { formatActivation } from './shading';
import { TokenContext } from './TokenContext';

/** Top activating contexts, the strongest first. */
export function TopContexts({ data }: { data: FeatureDashboardData }) {
  return (
    <section className="fp-section" aria-labelledby="fp-top-title" data-testid="dashboard-top">
      <h3 id="fp-top-title">Top activating contexts</h3>
      {data.topContexts.length === 0 ? (
        <p className="muted">The feature never fired on the sampled tokens.</p>
      ) : (
        data.topContexts.map((s, i) => <TokenContext key={i} sample={s} maxActivation={data.maxActivation} />)
      )}
    </section>
  );
}

/**
 * Samples from 10 activation bins, each bin collapsible (closed by default). Samples are rendered only
 * while their bin is open: a feature switch does not build hundreds of hidden tokens.
 */
export function QuantileSamples({ data }: { data: FeatureDashboardData }) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <details
      className="fp-section"
      data-testid="dashboard-quantiles"
      onToggle={(e) => setIsOpen(e.currentTarget.open)}
    >
      <summary>
        <h3>Quantile samples ({data.quantiles.length} bins)</h3>
      </summary>
      {isOpen &&
        data.quantiles.map((q, i) => <QuantileBin key={i} bin={q} maxActivation={data.maxActivation} />)}
    </details>
  );
}

function QuantileBin({
  bin,
  maxActivation,
}: {
  bin: FeatureDashboardData['quantiles'][number];
  maxActivation: number;
}) {
  const [isOpen, setIsOpen] = useState(false);
  return (
    <details className="fp-quantile" onToggle={(e) => setIsOpen(e.currentTarget.open)}>
      <summary className="small">
        {formatActivation(bin.low)} – {formatActivation(bin.high)} · {bin.samples.length} samples
      </summary>
      {isOpen && bin.samples.map((s, j) => <TokenContext key={j} sample={s} maxActivation={maxActivation} />)}
    </details>
  );
}

/** Density and the 50-bin activation histogram. */
export function DensityHistogram({ data }: { data: FeatureDashboardData }) {
  return (
    <section className="fp-section" aria-labelledby="fp-density-title" data-testid="dashboard-density">
      <h3 id="fp-density-title">
        Density {(data.density * 100).toPrecision(3)}% · max {formatActivation(data.maxActivation)}
      </h3>
      <ActivationHistogram bins={histogramBars(data.histogram)} rows={data.rows} />
    </section>
  );
}

/** Decoder norm (and RelDec, cosine with the previous checkpoint) as bars, and the logit tables. */
export function CheckpointDecoders({ data }: { data: FeatureDashboardData }) {
  const maxNorm = Math.max(...data.checkpoints.map((c) => c.decoderNorm), 1e-12);
  return (
    <section className="fp-section" aria-labelledby="fp-decoder-title" data-testid="dashboard-decoders">
      <h3 id="fp-decoder-title">Decoder per checkpoint</h3>
      <div className="fp-norms">
        {data.checkpoints.map((c) => (
          <div key={c.revision} className="fp-norm" data-testid="decoder-norm">
            <span className="fp-norm__label">{c.revision}</span>
            <span className="fp-norm__track">
              <span className="fp-norm__bar" style={{ width: `${(100 * c.decoderNorm) / maxNorm}%` }} />
            </span>
            <span className="numbers small">
              ‖W_dec‖ {c.decoderNorm.toFixed(3)}
              {c.relDec !== null && ` · RelDec ${c.relDec.toFixed(2)}`}
              {c.cosineWithPrevious !== null && ` · cos ${c.cosineWithPrevious.toFixed(2)}`}
            </span>
          </div>
        ))}
      </div>
      <div className="fp-logits">
        {data.checkpoints.map((c) => (
          <table key={c.revision} className="table fp-logit-table" data-testid="logit-table">
            <caption className="small">{c.revision}: logits it raises / lowers</caption>
            <tbody>
              {Array.from({ length: Math.max(c.topLogits.length, c.bottomLogits.length) }, (_, i) => (
                <tr key={i}>
                  <td className="fp-logit fp-logit--up">{logitCell(c.topLogits[i])}</td>
                  <td className="fp-logit fp-logit--down">{logitCell(c.bottomLogits[i])}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
    </section>
  );
}

const logitCell = (logit: { text: string; value: number } | undefined) =>
  logit === undefined ? null : (
    <>
      <code>{JSON.stringify(logit.text)}</code> <span className="numbers">{logit.value.toFixed(2)}</span>
    </>
  );

/** Task items (minimal pairs) where the feature carries part of the effect, with IE per checkpoint. */
export function TaskItems({ detail, scores }: { detail: FeatureDetail; scores: FeatureScores }) {
  const [isAll, setIsAll] = useState(false);
  if (scores.items.length === 0) {
    return (
      <section className="fp-section" data-testid="dashboard-items">
        <h3>Task items</h3>
        <p className="muted">No pair of {scores.task} ranks this feature among its top features.</p>
      </section>
    );
  }
  const ranked = rankItems(scores.items);
  const shown = isAll ? ranked : ranked.slice(0, itemsShown);
  return (
    <section className="fp-section" aria-labelledby="fp-items-title" data-testid="dashboard-items">
      <h3 id="fp-items-title">
        Task items where it matters ({scores.task}, {scores.items.length})
      </h3>
      <table className="table items fp-items">
        <thead>
          <tr>
            <th>Good / bad pair</th>
            {detail.revisions.map((r) => (
              <th key={r.revision} className="margin">
                IE
                <br />
                <span className="muted small">{r.revision}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((item) => (
            <tr key={item.item} data-testid="item-row">
              <td>
                <div className="ok">{item.good}</div>
                <div className="error">{item.bad}</div>
              </td>
              {item.ie.map((v, m) => (
                <td key={m} className="margin numbers" title={rankTitle(item.rank[m])}>
                  {v === null ? '—' : formatIe(v)}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {ranked.length > itemsShown && (
        <button type="button" className="link small" onClick={() => setIsAll((a) => !a)}>
          {isAll ? `show the top ${itemsShown}` : `show all ${ranked.length}`}
        </button>
      )}
    </section>
  );
}

/** Pairs listed before "show all" (the strongest effects first). */
const itemsShown = 12;

const rankTitle = (rank: number | null | undefined): string =>
  rank === null || rank === undefined ? 'not in the kept top features' : `rank ${rank} on this pair`;
