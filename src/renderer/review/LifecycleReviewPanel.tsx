import { useEffect, useRef, useState } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { LifecycleReview } from '../../shared/review';
import { api } from '../api/client';
import { areThresholdsValid } from '../charts/attribution-view';
import { useKeyedAsync } from '../features/use-keyed-async';
import { chartRows, countRows, formatThresholds, sensitivityLines, taskKey } from './lifecycle-view';

const seriesColors = ['#3b6ea5', '#c0503a', '#2f7d4f', '#d08b2c', '#7a5ba8', '#888888'];

/**
 * Lifecycle review: category counts per task (table and chart), the ±0.05 threshold sensitivity, and
 * the features whose human lifecycle label differs from their RelIE category.
 */
export function LifecycleReviewPanel({
  runId,
  reloadKey,
  onAdjudicate,
}: {
  runId: string;
  /** Changes when a gold record is saved (mismatches read gold labels). */
  reloadKey: number;
  onAdjudicate: (featureId: number) => void;
}) {
  const [low, setLow] = useState('');
  const [high, setHigh] = useState('');
  const isDefault = low.trim() === '' && high.trim() === '';
  const thresholds = { low: Number(low), high: Number(high) };
  const isValid = isDefault || areThresholdsValid(thresholds);
  const key = isValid ? `${runId}|${isDefault ? '' : `${low}|${high}`}` : null;
  const review = useKeyedAsync(key, () =>
    api.invoke('review:lifecycle', { runId, ...(isDefault ? {} : { thresholds }) }),
  );
  // Reload in place (no flicker) when the page says a gold record changed.
  const { reload } = review;
  const seenKey = useRef(reloadKey);
  useEffect(() => {
    if (seenKey.current === reloadKey) return;
    seenKey.current = reloadKey;
    reload();
  }, [reloadKey, reload]);
  return (
    <section className="card" aria-labelledby="rv-lifecycle-title" data-testid="lifecycle-review">
      <h2 id="rv-lifecycle-title">Lifecycle review</h2>
      <div className="form-row">
        <label>
          Low threshold
          <input
            type="number"
            step={0.05}
            min={0}
            max={1}
            placeholder="as attributed"
            data-testid="lifecycle-low"
            value={low}
            onChange={(e) => setLow(e.target.value)}
          />
        </label>
        <label>
          High threshold
          <input
            type="number"
            step={0.05}
            min={0}
            max={1}
            placeholder="as attributed"
            data-testid="lifecycle-high"
            value={high}
            onChange={(e) => setHigh(e.target.value)}
          />
        </label>
      </div>
      {!isValid && (
        <p className="error" role="alert">
          Give both thresholds with 0 ≤ low &lt; high ≤ 1 (or leave both empty for each task’s own).
        </p>
      )}
      {review.error !== null && (
        <p className="error" role="alert" data-testid="lifecycle-error">
          {review.error}
        </p>
      )}
      {review.data === undefined && review.error === null && isValid && (
        <div className="fp-skeleton rv-skeleton" aria-busy="true" />
      )}
      {review.data !== undefined && <LifecycleBody review={review.data} onAdjudicate={onAdjudicate} />}
    </section>
  );
}

function LifecycleBody({
  review,
  onAdjudicate,
}: {
  review: LifecycleReview;
  onAdjudicate: (featureId: number) => void;
}) {
  const { tasks } = review;
  if (tasks.length === 0) return <p className="muted">No attribution of this run is indexed yet.</p>;
  const rows = countRows(tasks);
  return (
    <>
      <div className="rv-two">
        <table className="table rv-table" data-testid="lifecycle-counts">
          <caption className="muted small">Selected features (all features in parentheses)</caption>
          <thead>
            <tr>
              <th scope="col">Category</th>
              {tasks.map((t) => (
                <th
                  scope="col"
                  key={t.attributionId}
                  className="numbers"
                  title={formatThresholds(t.thresholds)}
                >
                  {t.task}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.category} data-testid="lifecycle-count-row" data-category={r.category}>
                <th scope="row">
                  <span className={`rv-cat rv-cat--${r.category}`}>{r.category}</span>
                </th>
                {r.cells.map((c, i) => (
                  <td key={i} className="numbers">
                    {c.selected} <span className="muted small">({c.all})</span>
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
        <figure className="chart" data-testid="lifecycle-chart" data-bars={rows.length * tasks.length}>
          <figcaption>Selected features per category and task</figcaption>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={chartRows(tasks)} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis
                dataKey="category"
                interval={0}
                angle={-30}
                textAnchor="end"
                height={64}
                tick={{ fontSize: 11 }}
              />
              <YAxis allowDecimals={false} />
              <Tooltip />
              <Legend verticalAlign="top" />
              {tasks.map((t, i) => (
                <Bar
                  key={t.attributionId}
                  dataKey={taskKey(i)}
                  name={t.task}
                  fill={seriesColors[i % seriesColors.length]}
                  isAnimationActive={false}
                />
              ))}
            </BarChart>
          </ResponsiveContainer>
        </figure>
      </div>
      <h3>Threshold sensitivity (±0.05)</h3>
      <div className="rv-grid" data-testid="lifecycle-sensitivity">
        {tasks.map((t) => (
          <table className="table rv-table" key={t.attributionId}>
            <caption className="small rv-caption-top">
              {t.task} · thresholds {formatThresholds(t.thresholds)}
            </caption>
            <thead>
              <tr>
                <th scope="col">Shift</th>
                <th scope="col">low / high</th>
                <th scope="col" className="numbers">
                  change category
                </th>
              </tr>
            </thead>
            <tbody>
              {sensitivityLines(t).map((s) => (
                <tr key={s.label} data-testid="sensitivity-row">
                  <td>{s.label}</td>
                  <td>{s.thresholds}</td>
                  <td className="numbers">
                    {s.changed}
                    {s.share !== null && <span className="muted small"> ({Math.round(s.share * 100)}%)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
      <h3>Human label ≠ RelIE category ({review.mismatches.length})</h3>
      {review.mismatches.length === 0 ? (
        <p className="muted small" data-testid="lifecycle-mismatches-none">
          No human lifecycle label differs from its RelIE category.
        </p>
      ) : (
        <table className="table rv-table" data-testid="lifecycle-mismatches">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">Task</th>
              <th scope="col">RelIE category</th>
              <th scope="col">Human label</th>
              <th scope="col">By</th>
              <th scope="col">Reason</th>
              <th scope="col" aria-label="adjudicate" />
            </tr>
          </thead>
          <tbody>
            {review.mismatches.map((m, i) => (
              <tr
                key={`${m.featureId}|${m.attributionId}|${m.annotatorId ?? ''}|${i}`}
                data-testid="mismatch-row"
              >
                <td>#{m.index}</td>
                <td>{m.task}</td>
                <td>
                  <span className={`rv-cat rv-cat--${m.category}`}>{m.category}</span>
                </td>
                <td>
                  <span className={`rv-cat rv-cat--${m.humanLabel}`}>{m.humanLabel}</span>
                </td>
                <td>{m.source === 'gold' ? `gold (${m.name ?? '?'})` : (m.name ?? '?')}</td>
                <td className="small rv-pre">{m.reason || '—'}</td>
                <td>
                  <button
                    type="button"
                    className="link"
                    data-testid="mismatch-adjudicate"
                    onClick={() => onAdjudicate(m.featureId)}
                  >
                    adjudicate
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
