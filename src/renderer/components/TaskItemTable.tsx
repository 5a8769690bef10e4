import { useMemo, useState } from 'react';
import type { TaskAccuracyResult } from '../../shared/domain';

const pageSize = 50;

function MarginCell({ margin }: { margin: number | null }) {
  if (margin === null) {
    return (
      <td className="margin muted" title="not scored at this checkpoint (skipped by the policy)">
        —
      </td>
    );
  }
  const sign = margin > 0 ? 'pos' : margin < 0 ? 'neg' : 'zero';
  return (
    <td
      className={`margin margin--${sign}`}
      title={margin > 0 ? 'prefers the good sentence' : 'prefers the bad sentence'}
    >
      {margin > 0 ? '+' : ''}
      {margin.toFixed(2)}
    </td>
  );
}

/**
 * Every pair of a task with its logit difference per checkpoint (good − bad summed log-prob, nats),
 * 50 rows a page, filterable by phenomenon.
 */
export function TaskItemTable({ result }: { result: TaskAccuracyResult }) {
  const [phenomenon, setPhenomenon] = useState('');
  const [page, setPage] = useState(0);
  const phenomena = useMemo(() => {
    const counts = new Map<string, number>();
    for (const p of result.pairs)
      if (p.phenomenon) counts.set(p.phenomenon, (counts.get(p.phenomenon) ?? 0) + 1);
    return [...counts.entries()].sort(([a], [b]) => a.localeCompare(b));
  }, [result]);
  const rows = useMemo(
    () =>
      result.pairs
        .map((pair, index) => ({ pair, index }))
        .filter(({ pair }) => phenomenon === '' || pair.phenomenon === phenomenon),
    [result, phenomenon],
  );
  const pageCount = Math.max(1, Math.ceil(rows.length / pageSize));
  const current = Math.min(page, pageCount - 1);
  const visible = rows.slice(current * pageSize, (current + 1) * pageSize);

  return (
    <div className="task-items" data-testid="task-items">
      <div className="form-row">
        <label>
          Phenomenon
          <select
            value={phenomenon}
            onChange={(e) => {
              setPhenomenon(e.target.value);
              setPage(0);
            }}
            data-testid="task-items-phenomenon"
          >
            <option value="">all ({result.pairs.length})</option>
            {phenomena.map(([name, count]) => (
              <option key={name} value={name}>
                {name} ({count})
              </option>
            ))}
          </select>
        </label>
        <nav className="pager" aria-label="Item pages">
          <button
            type="button"
            className="small"
            disabled={current === 0}
            onClick={() => setPage(current - 1)}
          >
            ← Previous
          </button>
          <span data-testid="task-items-page">
            Page {current + 1} of {pageCount} · {rows.length} items
          </span>
          <button
            type="button"
            className="small"
            disabled={current >= pageCount - 1}
            onClick={() => setPage(current + 1)}
          >
            Next →
          </button>
        </nav>
      </div>
      <table className="table items">
        <caption className="muted">
          Margin: summed log-prob of the good answer minus the bad one (nats); green prefers the good
          sentence.
        </caption>
        <thead>
          <tr>
            <th scope="col">#</th>
            <th scope="col">Phenomenon</th>
            <th scope="col">Good sentence</th>
            <th scope="col">Bad sentence</th>
            {result.checkpoints.map((c) => (
              <th scope="col" key={c.checkpointId} className="margin">
                {c.revision}
                <br />
                <span className="muted">
                  {c.accuracy === null ? '—' : `${(c.accuracy * 100).toFixed(1)}%`}
                </span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {visible.map(({ pair, index }) => (
            <tr key={index} data-testid="task-item-row" title={`${pair.id} (${pair.language})`}>
              <td className="muted">{index + 1}</td>
              <td>{pair.phenomenon ?? '—'}</td>
              <td>{pair.sentenceGood}</td>
              <td>{pair.sentenceBad}</td>
              {result.checkpoints.map((c) => (
                <MarginCell key={c.checkpointId} margin={c.margins[index] ?? null} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
