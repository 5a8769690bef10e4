import { useState } from 'react';
import { Bar, BarChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { FeatureDashboardData, FeatureDetail, FeatureScores } from '../../shared/annotation';
import { histogramBars, formatIe, rankItems } from './dashboard-view';
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

/** Samples from 10 activation bins, each bin collapsible (closed by default). */
export function QuantileSamples({ data }: { data: FeatureDashboardData }) {
  return (
    <details className="fp-section" data-testid="dashboard-quantiles">
      <summary>
        <h3>Quantile samples ({data.quantiles.length} bins)</h3>
      </summary>
      {data.quantiles.map((q, i) => (
        <details key={i} className="fp-quantile">
          <summary className="small">
            {formatActivation(q.low)} – {formatActivation(q.high)} · {q.samples.length} samples
          </summary>
          {q.samples.map((s, j) => (
            <TokenContext key={j} sample={s} maxActivation={data.maxActivation} />
          ))}
        </details>
      ))}
    </details>
  );
}

/** Density and the 50-bin activation histogram. */
export function DensityHistogram({ data }: { data: FeatureDashboardData }) {
  const bars = histogramBars(data.histogram);
  return (
    <section className="fp-section" aria-labelledby="fp-density-title" data-testid="dashboard-density">
      <h3 id="fp-density-title">
        Density {(data.density * 100).toPrecision(3)}% · max {formatActivation(data.maxActivation)}
      </h3>
      <figure className="chart fp-histogram" data-bars={bars.length}>
        <figcaption>Activations when firing ({data.rows.toLocaleString()} tokens sampled)</figcaption>
        <ResponsiveContainer width="100%" height={110}>
          <BarChart data={bars} margin={{ top: 4, right: 8, bottom: 0, left: 0 }} barCategoryGap={0}>
            <XAxis dataKey="label" tick={{ fontSize: 10 }} interval={9} />
            <YAxis tick={{ fontSize: 10 }} width={36} allowDecimals={false} />
            <Tooltip
              formatter={(value) => [String(value), 'tokens']}
              labelFormatter={(_, payload) => {
                const bar = payload?.[0]?.payload as { low: number; high: number } | undefined;
                return bar ? `${formatActivation(bar.low)} – ${formatActivation(bar.high)}` : '';
              }}
            />
            <Bar dataKey="count" fill="#d08b2c" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      </figure>
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
