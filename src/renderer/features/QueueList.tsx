import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { FeatureQueueItem } from '../../shared/annotation';
import type { FeatureVerdict } from '../../shared/faithfulness';
import { VerdictBadges } from '../faithfulness/VerdictBadges';
import { formatIe, formatShare } from './dashboard-view';
import { itemAt, type QueueCache } from './queue-cache';

const rowHeightPx = 52;

interface QueueListProps {
  cache: QueueCache;
  /** Row of the feature on screen (-1 when it is not in this list). */
  activeIndex: number;
  onSelect: (index: number, item: FeatureQueueItem) => void;
  onRange: (start: number, end: number) => void;
  /** Faithfulness verdicts by feature index (badges); empty without a report. */
  verdicts: ReadonlyMap<number, FeatureVerdict>;
}

/** The feature queue as a virtual list: only the rows in view exist in the DOM; pages load on scroll. */
export function QueueList({ cache, activeIndex, onSelect, onRange, verdicts }: QueueListProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: cache.total ?? 0,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeightPx,
    overscan: 10,
  });
  const rows = virtualizer.getVirtualItems();
  const first = rows[0]?.index ?? 0;
  const last = rows[rows.length - 1]?.index ?? -1;
  useEffect(() => onRange(first, last), [first, last, onRange, cache.key]);
  useEffect(() => {
    if (activeIndex >= 0 && activeIndex < (cache.total ?? 0)) virtualizer.scrollToIndex(activeIndex);
  }, [activeIndex, cache.total, virtualizer]);

  if (cache.total === null) {
    return (
      <div className="fp-queue-list" aria-busy="true" data-testid="queue-loading">
        {Array.from({ length: 8 }, (_, i) => (
          <div key={i} className="fp-row fp-row--skeleton" style={{ height: rowHeightPx }} />
        ))}
      </div>
    );
  }
  if (cache.total === 0) {
    return (
      <div className="fp-queue-list fp-queue-empty" data-testid="queue-empty">
        <p className="muted">No feature matches these filters.</p>
      </div>
    );
  }
  return (
    <div
      ref={scrollRef}
      className="fp-queue-list"
      role="listbox"
      aria-label="Feature queue"
      data-testid="queue-list"
    >
      <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
        {rows.map((row) => {
          const item = itemAt(cache, row.index);
          const isActive = row.index === activeIndex;
          return (
            <div
              key={row.key}
              className="fp-row-slot"
              style={{ height: rowHeightPx, transform: `translateY(${row.start}px)` }}
            >
              {item ? (
                <QueueRow
                  item={item}
                  verdict={verdicts.get(item.index)}
                  isActive={isActive}
                  onClick={() => onSelect(row.index, item)}
                />
              ) : (
                <div className="fp-row fp-row--skeleton" aria-hidden="true" />
              )}
            </div>
          );
        })}
      </div>
    </div>
  );
}

function QueueRow({
  item,
  verdict,
  isActive,
  onClick,
}: {
  item: FeatureQueueItem;
  verdict: FeatureVerdict | undefined;
  isActive: boolean;
  onClick: () => void;
}) {
  return (
    <div
      role="option"
      aria-selected={isActive}
      className={isActive ? 'fp-row fp-row--active' : 'fp-row'}
      data-testid="queue-row"
      data-feature-index={item.index}
      data-feature-id={item.featureId}
      data-status={item.status}
      onClick={onClick}
    >
      <div className="fp-row__line">
        <span className="fp-row__index numbers">#{item.index}</span>
        <span className={`fp-cat fp-cat--${item.category}`}>{item.category}</span>
        <span className="fp-row__num numbers" title="RelIE (last checkpoint's share)">
          {formatShare(item.relIe)}
        </span>
        <span className="fp-row__num numbers" title="max |IE| over checkpoints">
          {formatIe(item.absIe)}
        </span>
        <span
          className={`fp-status-dot fp-status-dot--${item.status}`}
          title={`status: ${item.status}${item.doneCount > 0 ? ` · ${item.doneCount} submitted` : ''}`}
          aria-label={`status ${item.status}`}
        />
        <span className="fp-row__flag" aria-label={item.isFlagged ? 'flagged' : undefined}>
          {item.isFlagged ? '⚑' : ''}
        </span>
      </div>
      <div className="fp-row__desc">
        <VerdictBadges verdict={verdict} />
        {item.description === '' ? <span className="muted">no description</span> : item.description}
      </div>
    </div>
  );
}
