import { useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { FaithfulnessReport, MatchSummary, ScalingTargetName } from '../../shared/faithfulness';
import { RatioPlot } from './RatioPlot';
import {
  compactConfusion,
  formatNumber,
  formatShare,
  itemsMatched,
  kappaText,
  orderOf,
  ratioPoints,
  targetCounts,
} from './report-view';

/** Opens a feature of the report's run on the Features page. */
export type OpenFeature = (feature: number) => void;

/** The report's five sections, in the order of docs/faithfulness.md. */
export function ReportSections({ report, onOpen }: { report: FaithfulnessReport; onOpen: OpenFeature }) {
  return (
    <>
      <ReorderedSection report={report} />
      <SeedsSection report={report} />
      <SaeSection report={report} />
      <HeldOutSection report={report} />
      <ScalingSection report={report} onOpen={onOpen} />
    </>
  );
}

function NotComputed({ what, how }: { what: string; how: string }) {
  return (
    <p className="muted" data-testid="faith-not-computed">
      {what} not computed: {how}
    </p>
  );
}

function ReorderedSection({ report }: { report: FaithfulnessReport }) {
  const s = report.reordered;
  return (
    <section className="card" data-testid="faith-reordered" aria-labelledby="faith-reordered-title">
      <h2 id="faith-reordered-title">Reordered checkpoints</h2>
      {s === null ? (
        <NotComputed
          what="The reordered run is"
          how="tick “train missing runs”, or give a reordered run to `ctt faithfulness --reordered`."
        />
      ) : (
        <>
          <MatchFacts report={report} summary={s} />
          <ConfusionTable summary={s} caption="Lifecycle categories of matched checked features" />
        </>
      )}
    </section>
  );
}

function MatchFacts({ report, summary: s }: { report: FaithfulnessReport; summary: MatchSummary }) {
  const items = itemsMatched(s);
  return (
    <dl className="faith-facts">
      <dt>Run</dt>
      <dd>
        <code>{s.runId}</code> {orderOf(report, s.runId)}
      </dd>
      <dt>Matched (S ≥ {s.threshold})</dt>
      <dd data-testid="faith-share-matched">
        {s.matched} features, {formatShare(s.shareMatched)} of F{s.isExact ? '' : ' (not proven optimal)'}
      </dd>
      {items !== null && (
        <>
          <dt>Checked features matched</dt>
          <dd>
            {items.matched} of {items.total}
          </dd>
        </>
      )}
      <dt>Cohen’s κ of categories</dt>
      <dd data-testid="faith-kappa">{kappaText(s)}</dd>
    </dl>
  );
}

function ConfusionTable({ summary, caption }: { summary: MatchSummary; caption: string }) {
  const c = compactConfusion(summary);
  if (c.rowLabels.length === 0) return <p className="muted">No matched checked feature to compare.</p>;
  return (
    <table className="table faith-confusion" data-testid="faith-confusion">
      <caption className="muted small">{caption}: this run (rows) × the other (columns)</caption>
      <thead>
        <tr>
          <th scope="col" />
          {c.colLabels.map((l) => (
            <th key={l} scope="col">
              {l}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {c.rowLabels.map((row, r) => (
          <tr key={row}>
            <th scope="row">{row}</th>
            {c.counts[r]!.map((n, j) => (
              <td key={j} className={`numbers${c.colLabels[j] === row ? ' faith-diagonal' : ''}`}>
                {n}
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function SeedsSection({ report }: { report: FaithfulnessReport }) {
  return (
    <section className="card" data-testid="faith-seeds" aria-labelledby="faith-seeds-title">
      <h2 id="faith-seeds-title">Seeds</h2>
      {report.seeds.length === 0 ? (
        <NotComputed what="Other seeds are" how="ask for extra seeds and tick “train missing runs”." />
      ) : (
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Seed</th>
              <th scope="col">Matched (S ≥ threshold)</th>
              <th scope="col">Share of F</th>
              <th scope="col">Checked matched</th>
              <th scope="col">κ</th>
            </tr>
          </thead>
          <tbody>
            {report.seeds.map((s) => {
              const items = itemsMatched(s);
              return (
                <tr key={s.runId} data-testid="faith-seed-row">
                  <td className="numbers">{s.seed}</td>
                  <td className="numbers">{s.matched}</td>
                  <td className="numbers">{formatShare(s.shareMatched)}</td>
                  <td className="numbers">{items === null ? '—' : `${items.matched} / ${items.total}`}</td>
                  <td className="numbers">{kappaText(s)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function SaeSection({ report }: { report: FaithfulnessReport }) {
  const s = report.sae;
  return (
    <section className="card" data-testid="faith-sae" aria-labelledby="faith-sae-title">
      <h2 id="faith-sae-title">Independent SAEs</h2>
      {s === null ? (
        <NotComputed
          what="SAE agreement is"
          how="tick “train missing runs” (one SAE per checkpoint), or `ctt faithfulness --sae-dir`."
        />
      ) : (
        <>
          <p>
            Agreement overall: <strong data-testid="faith-sae-share">{formatShare(s.overallShare)}</strong>{' '}
            <span className="muted small">
              (an SAE feature with cosine ≥ {s.threshold} in exactly the checkpoints the category says)
            </span>
          </p>
          <table className="table" data-testid="faith-sae-table">
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col">n</th>
                <th scope="col">agrees</th>
                <th scope="col">present in more</th>
                <th scope="col">in fewer</th>
                <th scope="col">other pattern</th>
                <th scope="col">agreement</th>
              </tr>
            </thead>
            <tbody>
              {s.table.map((r) => (
                <tr key={r.category}>
                  <th scope="row">{r.category}</th>
                  <td className="numbers">{r.n}</td>
                  <td className="numbers">{r.agrees}</td>
                  <td className="numbers">{r.presentInMore}</td>
                  <td className="numbers">{r.presentInFewer}</td>
                  <td className="numbers">{r.otherPattern}</td>
                  <td className="numbers">{formatShare(r.agreementShare)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {Object.keys(s.skipped).length > 0 && (
            <p className="muted small">
              Without a presence pattern:{' '}
              {Object.entries(s.skipped)
                .map(([c, n]) => `${n} ${c}`)
                .join(', ')}
            </p>
          )}
        </>
      )}
    </section>
  );
}

function HeldOutSection({ report }: { report: FaithfulnessReport }) {
  const h = report.heldOut;
  return (
    <section className="card" data-testid="faith-held-out" aria-labelledby="faith-held-out-title">
      <h2 id="faith-held-out-title">Held-out task</h2>
      {h === null ? (
        <NotComputed
          what="The held-out check is"
          how="choose a task and a held-out task, then run the checks."
        />
      ) : (
        <dl className="faith-facts">
          <dt>RelIE on</dt>
          <dd>{h.task}</dd>
          <dt>Ablation on</dt>
          <dd>{h.heldOutTask}</dd>
          <dt>Spearman</dt>
          <dd data-testid="faith-spearman">{formatNumber(h.spearman)}</dd>
          <dt>n</dt>
          <dd>
            {h.n} features, {h.values} values
          </dd>
        </dl>
      )}
    </section>
  );
}

function ScalingSection({ report, onOpen }: { report: FaithfulnessReport; onOpen: OpenFeature }) {
  const counts = targetCounts(report);
  const [picked, setPicked] = useState<ScalingTargetName | null>(null);
  const target = picked ?? counts.find((c) => c.target === 'activation')?.target ?? counts[0]?.target;
  const points = target === undefined ? [] : ratioPoints(report.artifacts, target);
  const flagged = points.filter((p) => p.isFlagged).reverse();
  const chartRows = counts.map((c) => ({
    target: c.target,
    flagged: c.flagged,
    'not flagged': c.claimed - c.flagged,
  }));
  return (
    <section className="card" data-testid="faith-scaling" aria-labelledby="faith-scaling-title">
      <h2 id="faith-scaling-title">Exclusivity artifacts (latent scaling)</h2>
      {counts.length === 0 ? (
        <NotComputed
          what="Latent scaling is"
          how="it needs the run's activation store and attribution records; choose the store and run the checks."
        />
      ) : (
        <>
          <table className="table" data-testid="faith-scaling-table">
            <thead>
              <tr>
                <th scope="col">Target</th>
                <th scope="col">flagged</th>
                <th scope="col">median ν</th>
                <th scope="col">by category (flagged / claiming absence)</th>
              </tr>
            </thead>
            <tbody>
              {counts.map((c) => (
                <tr key={c.target}>
                  <th scope="row">{c.target}</th>
                  <td className="numbers" data-testid={`faith-flagged-${c.target}`}>
                    {c.flagged} / {c.claimed}
                  </td>
                  <td className="numbers">{formatNumber(c.medianRatio, 2)}</td>
                  <td className="small">
                    {c.byCategory.map((b) => `${b.category} ${b.flagged}/${b.claimed}`).join(' · ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            ν = β at a checkpoint the category says the feature lacks ÷ β at its home checkpoint; flagged when
            ν ≥ {formatNumber(report.ratioThreshold)}. The badge in the feature queue uses the activation
            target.
          </p>
          <div className="chart-grid">
            <figure className="chart chart--small" data-testid="faith-flag-chart">
              <figcaption>Features claiming absence somewhere, by target</figcaption>
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={chartRows} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
                  <CartesianGrid strokeDasharray="3 3" />
                  <XAxis dataKey="target" tick={{ fontSize: 11 }} />
                  <YAxis allowDecimals={false} />
                  <Tooltip />
                  <Legend verticalAlign="top" />
                  <Bar dataKey="flagged" stackId="a" fill="#c0503a" isAnimationActive={false} />
                  <Bar dataKey="not flagged" stackId="a" fill="#3b6ea5" isAnimationActive={false} />
                </BarChart>
              </ResponsiveContainer>
            </figure>
            <div>
              <label className="small">
                Target{' '}
                <select
                  data-testid="faith-target"
                  value={target}
                  onChange={(e) => setPicked(e.target.value as ScalingTargetName)}
                >
                  {counts.map((c) => (
                    <option key={c.target} value={c.target}>
                      {c.target}
                    </option>
                  ))}
                </select>
              </label>
              <RatioPlot points={points} threshold={report.ratioThreshold} onOpen={onOpen} />
            </div>
          </div>
          <details data-testid="faith-flagged-list">
            <summary>
              {flagged.length} flagged on {target} (largest ν first): open one on the Features page
            </summary>
            <ul className="faith-feature-list">
              {flagged.map((p) => (
                <li key={p.feature}>
                  <button
                    type="button"
                    className="link"
                    data-testid="faith-open-feature"
                    data-feature={p.feature}
                    onClick={() => onOpen(p.feature)}
                  >
                    #{p.feature}
                  </button>{' '}
                  <span className="muted small">
                    {p.category ?? '—'} · ν {formatNumber(p.ratio, 2)}
                  </span>
                </li>
              ))}
            </ul>
          </details>
        </>
      )}
    </section>
  );
}
