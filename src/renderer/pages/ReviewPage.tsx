import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AnnotationStatus, Settings } from '../../shared/domain';
import { api } from '../api/client';
import { focusKindOf } from '../features/FeatureWorkspace';
import { useKeyedAsync } from '../features/use-keyed-async';
import { useAsync } from '../hooks/use-async';
import { AdjudicationPanel } from '../review/AdjudicationPanel';
import { AgreementPanel } from '../review/AgreementPanel';
import { BundleBanner } from '../review/BundleBanner';
import { DisagreementList, type SortField } from '../review/DisagreementList';
import { LifecycleReviewPanel } from '../review/LifecycleReviewPanel';
import { reviewActionOf, stepInPage } from '../review/review-keymap';
import { ScopePicker, useReviewScope } from '../review/ScopePicker';

const pageSize = 25;
const statusSets: Record<'done' | 'started', AnnotationStatus[]> = {
  done: ['done'],
  started: ['done', 'draft'],
};

/**
 * Review: agreement between annotators on a run's attribution, the features they disagree on most
 * (each opening its adjudication into a gold record), and the lifecycle review of the whole run.
 */
export function ReviewPage({ settings }: { settings: Settings | undefined }) {
  const scope = useReviewScope();
  const annotators = useAsync(() => api.invoke('annotators:list', {}));
  const [chosenAdjudicator, setChosenAdjudicator] = useState<number | null>(null);
  const adjudicatorId = chosenAdjudicator ?? settings?.activeAnnotatorId ?? annotators.data?.[0]?.id ?? null;
  const [statuses, setStatuses] = useState<'done' | 'started'>('done');
  const [sortBy, setSortBy] = useState<SortField>('overall');
  const [offset, setOffset] = useState(0);
  /** Row of the page the keyboard is on; past the end means the last row (after paging back). */
  const [active, setActive] = useState(0);
  const [openFeatureId, setOpenFeatureId] = useState<number | null>(null);
  const [version, setVersion] = useState(0);

  const runId = scope.run?.id ?? null;
  const attributionId = scope.attribution?.id ?? null;
  const scopeInput =
    runId === null || attributionId === null
      ? null
      : { runId, attributionId, statuses: statusSets[statuses] };
  const scopeKey = scopeInput === null ? null : `${runId}|${attributionId}|${statuses}`;
  const agreement = useKeyedAsync(scopeKey, () => api.invoke('review:agreement', scopeInput!));
  const disagreements = useKeyedAsync(scopeKey === null ? null : `${scopeKey}|${sortBy}|${offset}`, () =>
    api.invoke('review:disagreements', { ...scopeInput!, sortBy, offset, limit: pageSize }),
  );
  const items = disagreements.data?.items ?? [];
  const activeIndex = items.length === 0 ? -1 : Math.min(active, items.length - 1);

  const { reload: reloadAgreement } = agreement;
  const { reload: reloadDisagreements } = disagreements;
  /** A gold record or comment was saved: the list's badges, the agreement and the mismatches change. */
  const onSaved = useCallback(() => {
    reloadAgreement();
    reloadDisagreements();
    setVersion((v) => v + 1);
  }, [reloadAgreement, reloadDisagreements]);
  const resetList = (): void => {
    setOffset(0);
    setActive(0);
  };
  const saveRef = useRef<(() => void) | null>(null);
  const registerSave = useCallback((save: (() => void) | null) => {
    saveRef.current = save;
  }, []);
  const adjudicationRef = useRef<HTMLDivElement>(null);
  const open = (featureId: number): void => {
    setOpenFeatureId(featureId);
    window.requestAnimationFrame(() => adjudicationRef.current?.scrollIntoView?.({ block: 'nearest' }));
  };

  const onKey = (event: KeyboardEvent): void => {
    const action = reviewActionOf(event, focusKindOf(event.target));
    if (action === null) return;
    if (action === 'saveGold') {
      if (saveRef.current === null) return;
      event.preventDefault();
      saveRef.current();
      return;
    }
    const page = disagreements.data;
    if (page === undefined) return;
    event.preventDefault();
    if (action === 'open') {
      const item = page.items[activeIndex];
      if (item !== undefined) open(item.featureId);
      return;
    }
    const step = stepInPage(activeIndex, action === 'next' ? 1 : -1, {
      offset: page.offset,
      count: page.items.length,
      total: page.total,
      pageSize,
    });
    if (step === null) return;
    if (step.kind === 'move') setActive(step.index);
    else {
      setOffset(step.offset);
      setActive(step.index === 'first' ? 0 : Number.MAX_SAFE_INTEGER);
    }
  };
  const onKeyRef = useRef(onKey);
  useLayoutEffect(() => {
    onKeyRef.current = onKey;
  });
  useEffect(() => {
    const listener = (event: KeyboardEvent): void => onKeyRef.current(event);
    window.addEventListener('keydown', listener);
    return () => window.removeEventListener('keydown', listener);
  }, []);

  const hasNoAttribution = scope.attributions !== undefined && scope.attributions.length === 0;
  return (
    <section className="page rv-page" aria-labelledby="review-title" data-testid="review-page">
      <h1 id="review-title">Review</h1>
      <BundleBanner />
      <div className="card">
        <ScopePicker
          scope={{
            ...scope,
            setRunId: (id) => {
              scope.setRunId(id);
              resetList();
              setOpenFeatureId(null);
            },
            setAttributionId: (id) => {
              scope.setAttributionId(id);
              resetList();
            },
          }}
          idPrefix="review"
        />
        <div className="form-row">
          <label>
            Answers counted
            <select
              data-testid="review-statuses"
              value={statuses}
              onChange={(e) => {
                setStatuses(e.target.value as 'done' | 'started');
                resetList();
              }}
            >
              <option value="done">submitted (done)</option>
              <option value="started">submitted and drafts</option>
            </select>
          </label>
          <label>
            Adjudicating as
            <select
              data-testid="review-adjudicator"
              value={adjudicatorId ?? ''}
              disabled={(annotators.data ?? []).length === 0}
              onChange={(e) => setChosenAdjudicator(Number(e.target.value))}
            >
              {(annotators.data ?? []).length === 0 && <option value="">no annotator yet</option>}
              {(annotators.data ?? []).map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          {annotators.data !== undefined && annotators.data.length === 0 && (
            <span className="muted small">
              Adjudicating and commenting need an annotator: add one on the Features page or in Settings.
            </span>
          )}
          {annotators.error && <span className="error small">{annotators.error}</span>}
        </div>
      </div>
      {hasNoAttribution && (
        <p className="muted" data-testid="review-no-attribution">
          This run has no indexed attribution: index one on the Features page first.
        </p>
      )}
      {scopeInput !== null && (
        <>
          <AgreementPanel report={agreement.data} error={agreement.error} />
          <div className="rv-split">
            <DisagreementList
              page={disagreements.data}
              error={disagreements.error}
              pageSize={pageSize}
              sortBy={sortBy}
              activeIndex={activeIndex}
              openFeatureId={openFeatureId}
              onSort={(s) => {
                setSortBy(s);
                resetList();
              }}
              onPage={(o) => {
                setOffset(o);
                setActive(0);
              }}
              onActivate={setActive}
              onOpen={(item) => open(item.featureId)}
            />
            <div ref={adjudicationRef} className="rv-split__side">
              {openFeatureId === null ? (
                <p className="muted rv-placeholder" data-testid="adjudication-placeholder">
                  Open a feature of the list (<kbd>Enter</kbd> or a click) to compare the answers and record a
                  gold answer.
                </p>
              ) : (
                <AdjudicationPanel
                  key={openFeatureId}
                  featureId={openFeatureId}
                  adjudicatorId={adjudicatorId}
                  registerSave={registerSave}
                  onSaved={onSaved}
                  onClose={() => setOpenFeatureId(null)}
                />
              )}
            </div>
          </div>
        </>
      )}
      {runId !== null && <LifecycleReviewPanel runId={runId} reloadKey={version} onAdjudicate={open} />}
    </section>
  );
}
