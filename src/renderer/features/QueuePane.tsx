import { useEffect, useRef, useState } from 'react';
import type {
  AnnotatorProgress,
  AttributionIndex,
  FeatureQueueItem,
  NamedQueue,
  QueueSort,
  QueueStatus,
} from '../../shared/annotation';
import type { LifecycleCategory } from '../../shared/domain';
import type { FeatureVerdict } from '../../shared/faithfulness';
import type { RunSummary } from '../../shared/training';
import { categoryOrder } from '../charts/attribution-view';
import { QueueList } from './QueueList';
import type { QueueCache } from './queue-cache';
import { queueSortLabels, toggleValue, type QueueView } from './queue-view';

const statuses: QueueStatus[] = ['todo', 'draft', 'done', 'skipped'];

interface QueuePaneProps {
  view: QueueView;
  onView: (view: QueueView) => void;
  runs: RunSummary[] | undefined;
  runId: string | null;
  attributions: AttributionIndex[] | undefined;
  attributionId: string | null;
  queues: NamedQueue[] | undefined;
  cache: QueueCache;
  queueError: string | null;
  activeIndex: number;
  progress: AnnotatorProgress | undefined;
  onSelect: (index: number, item: FeatureQueueItem) => void;
  onRange: (start: number, end: number) => void;
  /** Faithfulness verdicts by feature index (queue badges). */
  verdicts: ReadonlyMap<number, FeatureVerdict>;
  /** Why the run's faithfulness report could not be read (the queue then has no badges). */
  verdictsError: string | null;
}

/** Left pane: what to annotate (run, task, named queue), filters, sort, search and the queue itself. */
export function QueuePane(props: QueuePaneProps) {
  const { view, onView, attributions, attributionId } = props;
  const attribution = attributions?.find((a) => a.id === attributionId);
  const categories = categoryOrder[attribution?.revisions.length === 2 ? 2 : 3] as LifecycleCategory[];
  const set = (patch: Partial<QueueView>): void => onView({ ...view, ...patch });
  const activeFilters =
    view.categories.length + view.statuses.length + Number(view.isAssignedOnly) + Number(view.isFlaggedOnly);
  return (
    <section className="fp-pane fp-queue" aria-label="Queue" data-testid="queue-pane">
      <div className="fp-pickers">
        <label>
          Run
          <select
            data-testid="queue-run"
            value={props.runId ?? ''}
            onChange={(e) => set({ runId: e.target.value, attributionId: null, queueId: null })}
          >
            {(props.runs ?? []).map((r) => (
              <option key={r.id} value={r.id}>
                {r.name} (F={r.nFeatures})
              </option>
            ))}
          </select>
        </label>
        <label>
          Task
          <select
            data-testid="queue-attribution"
            value={attributionId ?? ''}
            onChange={(e) => set({ attributionId: e.target.value, queueId: null })}
          >
            {(attributions ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.task} · {a.method} · {a.selected} selected
              </option>
            ))}
          </select>
        </label>
        <label>
          Queue
          <select
            data-testid="queue-named"
            value={view.queueId ?? ''}
            onChange={(e) => set({ queueId: e.target.value === '' ? null : Number(e.target.value) })}
          >
            <option value="">All features of the task</option>
            {(props.queues ?? [])
              .filter((q) => attributionId === null || q.attributionId === attributionId)
              .map((q) => (
                <option key={q.id} value={q.id}>
                  {q.name} ({q.featureIndices.length})
                </option>
              ))}
          </select>
        </label>
      </div>
      <SearchBox value={view.search} onSearch={(search) => set({ search })} />
      <div className="fp-sort">
        <label className="fp-inline">
          Sort
          <select
            data-testid="queue-sort"
            value={view.sort}
            onChange={(e) => set({ sort: e.target.value as QueueSort })}
          >
            {(Object.keys(queueSortLabels) as QueueSort[]).map((s) => (
              <option key={s} value={s}>
                {queueSortLabels[s]}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary small"
          data-testid="queue-direction"
          aria-label={
            view.direction === 'desc' ? 'descending; switch to ascending' : 'ascending; switch to descending'
          }
          onClick={() => set({ direction: view.direction === 'desc' ? 'asc' : 'desc' })}
        >
          {view.direction === 'desc' ? '↓ desc' : '↑ asc'}
        </button>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="queue-selected-only"
            checked={view.queueId === null ? view.isSelectedOnly : false}
            disabled={view.queueId !== null}
            onChange={(e) => set({ isSelectedOnly: e.target.checked })}
          />
          selected only
        </label>
      </div>
      <details className="fp-filters">
        <summary>Filters{activeFilters > 0 ? ` (${activeFilters})` : ''}</summary>
        <div className="fp-chips" role="group" aria-label="Lifecycle categories">
          {categories.map((c) => (
            <button
              key={c}
              type="button"
              className={`fp-toggle fp-cat--${c}`}
              aria-pressed={view.categories.includes(c)}
              onClick={() => set({ categories: toggleValue(view.categories, c) })}
            >
              {c}
            </button>
          ))}
        </div>
        <div className="fp-chips" role="group" aria-label="Status">
          {statuses.map((s) => (
            <button
              key={s}
              type="button"
              className="fp-toggle"
              data-testid={`queue-status-${s}`}
              aria-pressed={view.statuses.includes(s)}
              onClick={() => set({ statuses: toggleValue(view.statuses, s) })}
            >
              <span className={`fp-status-dot fp-status-dot--${s}`} /> {s}
            </button>
          ))}
        </div>
        <div className="fp-chips">
          <label className="checkbox">
            <input
              type="checkbox"
              checked={view.isAssignedOnly}
              onChange={(e) => set({ isAssignedOnly: e.target.checked })}
            />
            assigned to me
          </label>
          <label className="checkbox">
            <input
              type="checkbox"
              data-testid="queue-flagged"
              checked={view.isFlaggedOnly}
              onChange={(e) => set({ isFlaggedOnly: e.target.checked })}
            />
            flagged
          </label>
        </div>
      </details>
      <p className="fp-queue-meta small" data-testid="queue-meta">
        <span data-testid="queue-total">
          {props.cache.total === null
            ? '… features'
            : `${props.cache.total.toLocaleString()} ${props.cache.total === 1 ? 'feature' : 'features'}`}
        </span>
        {props.progress && (
          <span data-testid="queue-progress">
            {' '}
            · {props.progress.name}: {props.progress.done} / {props.progress.total} done
            {props.progress.medianSeconds !== null &&
              ` · median ${Math.round(props.progress.medianSeconds)} s`}
          </span>
        )}
      </p>
      {props.queueError && (
        <p className="error small" role="alert">
          {props.queueError}
        </p>
      )}
      {props.verdictsError && (
        <p className="muted small" data-testid="faith-badges-error" title={props.verdictsError}>
          No faithfulness badges: {props.verdictsError}
        </p>
      )}
      <QueueList
        cache={props.cache}
        activeIndex={props.activeIndex}
        onSelect={props.onSelect}
        onRange={props.onRange}
        verdicts={props.verdicts}
      />
    </section>
  );
}

/** The search box: `#12` finds a feature by index, words search descriptions; applied 250 ms after typing. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (search: string) => void }) {
  const [text, setText] = useState(value);
  const onSearchRef = useRef(onSearch);
  useEffect(() => {
    onSearchRef.current = onSearch;
  });
  useEffect(() => {
    if (text === value) return;
    const timer = window.setTimeout(() => onSearchRef.current(text), 250);
    return () => window.clearTimeout(timer);
  }, [text, value]);
  return (
    <input
      id="fp-search"
      type="search"
      className="fp-search"
      data-testid="queue-search"
      placeholder="Search: #12 or words of a description"
      aria-label="Search the queue"
      maxLength={200}
      value={text}
      onChange={(e) => setText(e.target.value)}
      onKeyDown={(e) => {
        if (e.key === 'Enter') onSearch(text);
      }}
    />
  );
}
