import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { FeatureQueueItem } from '../../shared/annotation';
import { isJobFinished, type AnnotationFields, type JobSnapshot, type Settings } from '../../shared/domain';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { useAsync } from '../hooks/use-async';
import { AnnotatorGate } from '../features/AnnotatorGate';
import { DashboardSkeleton } from '../features/DashboardPane';
import { afterPaint } from '../features/after-paint';
import { FeatureDataStore } from '../features/feature-data-store';
import { FeatureWorkspace } from '../features/FeatureWorkspace';
import { changedFields, defaultFields, fieldLabels } from '../features/form-model';
import { indexOfFeature, itemAt } from '../features/queue-cache';
import { QueuePane } from '../features/QueuePane';
import { parseQueueView, queryOfView, queueViewStorageKey, type QueueView } from '../features/queue-view';
import { useFeatureVerdicts } from '../faithfulness/use-verdicts';
import { NoAttributionState, NoRunState } from '../features/SetupStates';
import { emptyUndoStack, popUndo, pushUndo } from '../features/undo-stack';
import { apiErrorOf } from '../features/save-errors';
import type { SavedEvent } from '../features/use-annotation';
import { useFeatureQueue } from '../features/use-feature-queue';
import { useKeyedAsync } from '../features/use-keyed-async';

const viewStorageKey = queueViewStorageKey;

interface FeaturesPageProps {
  jobs: JobSnapshot[];
  settings: Settings | undefined;
  onSettings: (settings: Settings) => void;
}

/**
 * Features & annotation: the queue (left), the feature's dashboard (middle) and the annotation form
 * (right). Keyboard-first; every change autosaves as a revision of the active annotator's record.
 */
export function FeaturesPage({ jobs, settings, onSettings }: FeaturesPageProps) {
  const session = useAsync(() => api.invoke('session:get', {}));
  const annotators = useAsync(() =>
    session.data?.role === 'annotator' ? Promise.resolve([]) : api.invoke('annotators:list', {}),
  );
  const isOwner = session.data?.role === 'owner';
  const annotatorId =
    session.data?.role === 'annotator' ? session.data.annotatorId : (settings?.activeAnnotatorId ?? null);
  const choose = async (id: number): Promise<void> => {
    onSettings(await api.invoke('settings:update', { activeAnnotatorId: id }));
    annotators.reload();
  };

  let body;
  if (session.error)
    body = (
      <p className="error" role="alert">
        {session.error}
      </p>
    );
  else if (isOwner && settings !== undefined && annotatorId === null)
    body = <AnnotatorGate onChosen={choose} />;
  else if (session.data === undefined || annotatorId === null) body = <LayoutSkeleton />;
  else {
    const name =
      session.data.annotatorName ??
      annotators.data?.find((a) => a.id === annotatorId)?.name ??
      `annotator ${annotatorId}`;
    body = (
      <AnnotationWorkbench
        key={annotatorId}
        annotatorId={annotatorId}
        annotatorName={name}
        isBlindMode={settings?.isBlindMode ?? true}
        jobs={jobs}
      />
    );
  }
  return (
    <section className="page features-page" aria-labelledby="features-title" data-testid="features-page">
      <header className="fp-header">
        <h1 id="features-title">Features &amp; annotation</h1>
        {isOwner && annotatorId !== null && (annotators.data ?? []).length > 0 && (
          <label className="fp-inline small">
            annotating as
            <select
              data-testid="annotator-switch"
              value={annotatorId}
              onChange={(e) => void choose(Number(e.target.value))}
            >
              {(annotators.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        )}
        {session.data?.role === 'annotator' && (
          <span className="small" data-testid="annotator-fixed">
            annotating as <strong>{session.data.annotatorName}</strong>
          </span>
        )}
        <span className="muted small fp-header__hint">
          <kbd>Ctrl</kbd>+<kbd>Enter</kbd> submit &amp; next · <kbd>?</kbd> all shortcuts
        </span>
      </header>
      {body}
    </section>
  );
}

function LayoutSkeleton() {
  return (
    <div className="fp-layout" aria-busy="true">
      <section className="fp-pane fp-queue">
        <div className="fp-skeleton" style={{ height: 160 }} />
      </section>
      <DashboardSkeleton />
      <section className="fp-pane fp-form">
        <div className="fp-skeleton" style={{ height: 300 }} />
      </section>
    </div>
  );
}

function readView(): QueueView {
  try {
    return parseQueueView(window.localStorage.getItem(viewStorageKey));
  } catch {
    return parseQueueView(null);
  }
}

function AnnotationWorkbench(props: {
  annotatorId: number;
  annotatorName: string;
  isBlindMode: boolean;
  jobs: JobSnapshot[];
}) {
  const { annotatorId } = props;
  const [view, setViewState] = useState<QueueView>(readView);
  const [selection, setSelection] = useState<number | null>(null);
  const [nonce, setNonce] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [undoCount, setUndoCount] = useState(0);
  const undoRef = useRef(emptyUndoStack<AnnotationFields>());
  /** The revision this window last saved per feature: undo must start from it, or it is a conflict. */
  const knownRevisionRef = useRef(new Map<number, number>());
  const flushRef = useRef<(() => Promise<boolean>) | null>(null);
  // Details, dashboards and this annotator's latest revisions of the features visited last.
  const [store] = useState(
    () =>
      new FeatureDataStore({
        detail: (featureId) => api.invoke('features:get', { featureId }),
        dashboard: (featureId) => api.invoke('features:dashboard', { featureId }),
        latest: (featureId) => api.invoke('annotations:latest', { featureId, annotatorId }),
      }),
  );
  useCacheInvalidation(store, props.jobs);

  // A notice stays for a few seconds (it floats over the panes, so nothing moves when it goes).
  useEffect(() => {
    if (notice === null) return;
    const timer = window.setTimeout(() => setNotice(null), 6000);
    return () => window.clearTimeout(timer);
  }, [notice]);

  const runs = useAsync(() => api.invoke('runs:list', {}));
  const runId = runs.data?.some((r) => r.id === view.runId) ? view.runId : (runs.data?.[0]?.id ?? null);
  const attributions = useKeyedAsync(runId, () => api.invoke('features:attributions', { runId: runId! }));
  const attributionId = attributions.data?.some((a) => a.id === view.attributionId)
    ? view.attributionId
    : (attributions.data?.[0]?.id ?? null);
  const queues = useKeyedAsync(runId, () => api.invoke('queues:list', { runId: runId! }));
  const query = attributionId === null ? null : queryOfView(view, runId, attributionId, annotatorId);
  const queue = useFeatureQueue(query);
  const progress = useKeyedAsync(runId && attributionId ? `${runId}|${attributionId}` : null, () =>
    api.invoke('annotators:progress', { runId: runId!, attributionId: attributionId! }),
  );
  const { verdicts, error: verdictsError } = useFeatureVerdicts(runId, props.jobs);

  const currentId = selection ?? itemAt(queue.cache, 0)?.featureId ?? null;
  const activeIndex = currentId === null ? -1 : indexOfFeature(queue.cache, currentId);
  const live = useRef({ cache: queue.cache, currentId });
  useLayoutEffect(() => {
    live.current = { cache: queue.cache, currentId };
  });

  const setView = (next: QueueView): void => {
    setViewState(next);
    setSelection(null);
    try {
      window.localStorage.setItem(viewStorageKey, JSON.stringify(next));
    } catch {
      // Private windows may refuse storage; the view then lasts for this visit only.
    }
  };
  const registerFlush = useCallback((flush: (() => Promise<boolean>) | null) => {
    flushRef.current = flush;
  }, []);
  /** Saves the feature on screen first; false (with a notice) when that failed. */
  const flushCurrent = async (): Promise<boolean> => {
    const isSaved = (await flushRef.current?.()) ?? true;
    if (!isSaved)
      setNotice('This feature’s last change is not saved (see the form); fix that before moving on.');
    return isSaved;
  };

  const { patch: patchRow, loadIndex } = queue;
  const reloadProgress = progress.reload;
  const onSaved = useCallback(
    (event: SavedEvent): void => {
      knownRevisionRef.current.set(event.featureId, event.revision);
      const before = event.previous ?? defaultFields();
      const changed = changedFields(before, event.fields).filter((k) => k !== 'timeSpentMs');
      if (changed.length > 0) {
        undoRef.current = pushUndo(undoRef.current, {
          featureId: event.featureId,
          previous: before,
          label: changed.map((k) => fieldLabels[k]).join(', '),
        });
        setUndoCount(undoRef.current.entries.length);
      }
      patchRow(event.featureId, {
        status: event.fields.status,
        isFlagged: event.fields.isFlagged,
        description: event.fields.description.slice(0, 160),
      });
      if (before.status !== event.fields.status) reloadProgress();
    },
    [patchRow, reloadProgress],
  );

  const move = async (step: 1 | -1): Promise<void> => {
    if (!(await flushCurrent())) return;
    const { cache, currentId: from } = live.current;
    const fromIndex = from === null ? -1 : indexOfFeature(cache, from);
    const target = fromIndex < 0 ? 0 : fromIndex + step;
    if (target < 0) return setNotice('This is the first feature of the queue.');
    if (cache.total !== null && target >= cache.total) return setNotice('End of the queue.');
    const item = await loadIndex(target);
    if (item) {
      store.visit(item.featureId);
      setSelection(item.featureId);
      setNotice(null);
    }
  };
  const select = async (_index: number, item: FeatureQueueItem): Promise<void> => {
    if (item.featureId === live.current.currentId || !(await flushCurrent())) return;
    store.visit(item.featureId);
    setSelection(item.featureId);
    setNotice(null);
  };
  const undo = async (): Promise<void> => {
    if (!(await flushCurrent())) return;
    const [entry, rest] = popUndo(undoRef.current);
    if (entry === undefined) return setNotice('Nothing to undo.');
    undoRef.current = rest;
    setUndoCount(rest.entries.length);
    try {
      const latest = await api.invoke('annotations:latest', { featureId: entry.featureId, annotatorId });
      const timeSpentMs = Math.max(entry.previous.timeSpentMs, latest?.fields.timeSpentMs ?? 0);
      const saved = await api.invoke('annotations:save', {
        featureId: entry.featureId,
        annotatorId,
        fields: { ...entry.previous, timeSpentMs },
        // From what this window saved last: a newer save from another window is a conflict, not overwritten.
        baseRevision: knownRevisionRef.current.get(entry.featureId) ?? latest?.revision ?? 0,
      });
      knownRevisionRef.current.set(entry.featureId, saved.revision);
      store.setLatest(entry.featureId, saved);
      patchRow(entry.featureId, {
        status: saved.fields.status,
        isFlagged: saved.fields.isFlagged,
        description: saved.fields.description.slice(0, 160),
      });
      reloadProgress();
      setSelection(entry.featureId);
      setNonce((n) => n + 1);
      const row = itemAt(live.current.cache, indexOfFeature(live.current.cache, entry.featureId));
      setNotice(`Undone on #${row?.index ?? entry.featureId}: ${entry.label} (rev ${saved.revision}).`);
    } catch (e) {
      if (apiErrorOf(e)?.code === 'conflict') {
        setNotice(
          `Not undone on feature ${entry.featureId}: it was changed in another window since; nothing was overwritten.`,
        );
        return;
      }
      undoRef.current = pushUndo(undoRef.current, entry);
      setUndoCount(undoRef.current.entries.length);
      setNotice(`Undo failed: ${errorMessage(e)}`);
    }
  };

  // Stable callbacks for the memoised workspace; they run the latest `move` / `undo`.
  const actions = useRef({ move, undo });
  useLayoutEffect(() => {
    actions.current = { move, undo };
  });
  const onNext = useCallback(() => void actions.current.move(1), []);
  const onPrevious = useCallback(() => void actions.current.move(-1), []);
  const onUndo = useCallback(() => void actions.current.undo(), []);
  // Once a feature is on screen, its neighbours in the queue are fetched ahead (after the paint).
  const onShown = useCallback(
    (featureId: number): void =>
      void afterPaint(() => {
        const { cache, currentId: shown } = live.current;
        const index = indexOfFeature(cache, featureId);
        if (shown !== featureId || index < 0) return;
        for (const target of [index + 1, index - 1]) {
          if (target < 0 || (cache.total !== null && target >= cache.total)) continue;
          void loadIndex(target).then((item) => item && store.prefetch(item.featureId));
        }
      }),
    [loadIndex, store],
  );

  if (runs.data !== undefined && runs.data.length === 0) return <NoRunState onImported={runs.reload} />;
  if (runId !== null && attributions.data !== undefined && attributions.data.length === 0) {
    return <NoAttributionState runId={runId} onIndexed={attributions.reload} />;
  }
  const myProgress = progress.data?.find((p) => p.annotatorId === annotatorId);
  return (
    <div className="fp-layout" data-testid="features-layout">
      <QueuePane
        view={view}
        onView={setView}
        runs={runs.data}
        runId={runId}
        attributions={attributions.data}
        attributionId={attributionId}
        queues={queues.data}
        cache={queue.cache}
        queueError={queue.error ?? runs.error ?? attributions.error}
        verdicts={verdicts}
        verdictsError={verdictsError}
        activeIndex={activeIndex}
        progress={myProgress}
        onSelect={(index, item) => void select(index, item)}
        onRange={queue.ensureRange}
      />
      {currentId !== null ? (
        <FeatureWorkspace
          featureId={currentId}
          annotatorId={annotatorId}
          annotatorName={props.annotatorName}
          attributionId={attributionId}
          isBlindMode={props.isBlindMode}
          jobs={props.jobs}
          store={store}
          reloadNonce={nonce}
          onShown={onShown}
          onNext={onNext}
          onPrevious={onPrevious}
          onUndo={onUndo}
          onSaved={onSaved}
          registerFlush={registerFlush}
          verdicts={verdicts}
        />
      ) : queue.cache.total === 0 ? (
        <>
          <section className="fp-pane fp-dashboard">
            <p className="muted">Nothing to show: the queue is empty.</p>
          </section>
          <section className="fp-pane fp-form" />
        </>
      ) : (
        <>
          <DashboardSkeleton />
          <section className="fp-pane fp-form" aria-busy="true">
            <div className="fp-skeleton" style={{ height: 300 }} />
          </section>
        </>
      )}
      <div className="fp-notice" role="status" data-testid="features-notice" data-undo={undoCount}>
        {notice ?? ''}
      </div>
    </div>
  );
}

/**
 * Drops what a finished job made stale: dashboards when a dashboards job ends (they may exist now),
 * details when an attribution is indexed (the scores changed).
 */
function useCacheInvalidation(store: FeatureDataStore, jobs: readonly JobSnapshot[]): void {
  const finished = (kind: JobSnapshot['kind']): string =>
    jobs
      .filter((j) => j.kind === kind && isJobFinished(j.state))
      .map((j) => j.id)
      .join();
  const dashboards = finished('dashboards');
  const attributions = finished('attribute');
  const seen = useRef({ dashboards, attributions });
  useEffect(() => {
    if (dashboards !== seen.current.dashboards) store.invalidate('dashboard');
    if (attributions !== seen.current.attributions) store.invalidate('detail');
    seen.current = { dashboards, attributions };
  }, [store, dashboards, attributions]);
}
