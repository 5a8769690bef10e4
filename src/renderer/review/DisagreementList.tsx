import { useEffect, useRef } from 'react';
import type { DisagreementItem, DisagreementPage, DisagreementQuery } from '../../shared/review';
import { formatScore, largestFields } from './agreement-view';

export type SortField = NonNullable<DisagreementQuery['sortBy']>;

const sortLabels: Record<SortField, string> = {
  overall: 'overall',
  lifecycle: 'lifecycle label',
  uninterpretable: 'uninterpretable',
  interpretability: 'interpretability',
  complexity: 'complexity',
};

/**
 * Features answered by two or more annotators, the largest disagreement first, one page at a time.
 * The active row follows j/k; Enter (or a click) opens its adjudication.
 */
export function DisagreementList({
  page,
  error,
  pageSize,
  sortBy,
  activeIndex,
  openFeatureId,
  onSort,
  onPage,
  onActivate,
  onOpen,
}: {
  page: DisagreementPage | undefined;
  error: string | null;
  pageSize: number;
  sortBy: SortField;
  activeIndex: number;
  openFeatureId: number | null;
  onSort: (sortBy: SortField) => void;
  onPage: (offset: number) => void;
  onActivate: (index: number) => void;
  onOpen: (item: DisagreementItem) => void;
}) {
  const listRef = useRef<HTMLTableSectionElement>(null);
  useEffect(() => {
    const row = listRef.current?.querySelector<HTMLElement>(`[data-row="${activeIndex}"]`);
    row?.scrollIntoView?.({ block: 'nearest' });
  }, [activeIndex, page]);

  const offset = page?.offset ?? 0;
  const total = page?.total ?? 0;
  return (
    <section className="card rv-list" aria-labelledby="rv-disagreements-title" data-testid="disagreements">
      <div className="card__head">
        <h2 id="rv-disagreements-title">Disagreements</h2>
        <label className="fp-inline small">
          sort by
          <select
            data-testid="disagreement-sort"
            value={sortBy}
            onChange={(e) => onSort(e.target.value as SortField)}
          >
            {(Object.keys(sortLabels) as SortField[]).map((k) => (
              <option key={k} value={k}>
                {sortLabels[k]}
              </option>
            ))}
          </select>
        </label>
      </div>
      <p className="muted small">
        Per field: nominal 1 − modal share, ratings the standard deviation; overall the mean of the defined
        ones. <kbd>j</kbd>/<kbd>k</kbd> move, <kbd>Enter</kbd> opens.
      </p>
      {error !== null && (
        <p className="error" role="alert" data-testid="disagreements-error">
          {error}
        </p>
      )}
      {page !== undefined && page.total === 0 && (
        <p className="muted" data-testid="disagreements-empty">
          No feature has answers from two or more annotators in this scope yet.
        </p>
      )}
      {page !== undefined && page.items.length > 0 && (
        <table className="table rv-table rv-disagreements">
          <thead>
            <tr>
              <th scope="col">Feature</th>
              <th scope="col">RelIE category</th>
              <th scope="col" className="numbers" title="annotators">
                n
              </th>
              <th scope="col" className="numbers">
                {sortLabels[sortBy]}
              </th>
            </tr>
          </thead>
          <tbody ref={listRef}>
            {page.items.map((item, i) => (
              <tr
                key={item.featureId}
                data-row={i}
                data-testid="disagreement-row"
                data-feature-id={item.featureId}
                data-index={item.index}
                data-overall={item.scores.overall ?? ''}
                data-score={item.scores[sortBy] ?? ''}
                className={[
                  'clickable',
                  i === activeIndex ? 'selected' : '',
                  item.featureId === openFeatureId ? 'rv-open' : '',
                ].join(' ')}
                tabIndex={i === activeIndex ? 0 : -1}
                aria-selected={i === activeIndex}
                onClick={() => {
                  onActivate(i);
                  onOpen(item);
                }}
              >
                <td>
                  #{item.index}
                  {item.hasGold && (
                    <span className="rv-badge" title="has a gold record">
                      gold
                    </span>
                  )}
                  {item.comments > 0 && (
                    <span className="rv-badge rv-badge--muted" title={`${item.comments} comments`}>
                      ✉ {item.comments}
                    </span>
                  )}
                </td>
                <td>
                  <span className={`rv-cat rv-cat--${item.category}`}>{item.category}</span>
                  {item.relIe !== null && <div className="muted small">RelIE {item.relIe.toFixed(2)}</div>}
                </td>
                <td className="numbers">{item.annotators}</td>
                <td className="numbers" title="the fields disputed most">
                  {formatScore(item.scores[sortBy])}
                  <div className="muted small">{largestFields(item).join(', ')}</div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > pageSize && (
        <div className="pager" data-testid="disagreement-pager">
          <button
            type="button"
            className="secondary"
            disabled={offset === 0}
            onClick={() => onPage(Math.max(0, offset - pageSize))}
          >
            ← previous
          </button>
          <span className="muted small">
            {offset + 1}–{Math.min(offset + pageSize, total)} of {total}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={offset + pageSize >= total}
            onClick={() => onPage(offset + pageSize)}
          >
            next →
          </button>
        </div>
      )}
    </section>
  );
}
