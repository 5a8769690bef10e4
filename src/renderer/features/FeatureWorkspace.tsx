import { memo, useEffect, useLayoutEffect, useRef } from 'react';
import type { LanguageSuggestion } from '../../shared/language-suggestion';
import type { AnnotationRevision, JobSnapshot, LifecycleCategory } from '../../shared/domain';
import type { FeatureVerdict } from '../../shared/faithfulness';
import { AnnotationPane } from './AnnotationPane';
import { DashboardPane } from './DashboardPane';
import { scoresFor } from './dashboard-view';
import type { FeatureDataStore } from './feature-data-store';
import { HistoryPanel } from './HistoryPanel';
import { resolveFeatureKey, type FeatureAction, type FocusKind } from './keymap';
import { OthersPanel } from './OthersPanel';
import { useAnnotation, type SavedEvent } from './use-annotation';
import { useFeatureEntry } from './use-feature-entry';

export interface WorkspaceProps {
  featureId: number;
  annotatorId: number;
  annotatorName: string;
  attributionId: string | null;
  isBlindMode: boolean;
  jobs: JobSnapshot[];
  /** The page's cache of feature details, dashboards and latest revisions. */
  store: FeatureDataStore;
  /** Bumped by the page when it changed the record itself (undo): the form starts again from the store. */
  reloadNonce: number;
  onNext: () => void;
  onPrevious: () => void;
  onUndo: () => void;
  onSaved: (event: SavedEvent) => void;
  /** The feature's detail and dashboard are on screen (the page then fetches the neighbours ahead). */
  onShown: (featureId: number) => void;
  /** The page calls this before it switches features (pending edits are saved first). */
  registerFlush: (flush: (() => Promise<boolean>) | null) => void;
  /** Faithfulness verdicts of the run by feature index (the form's exclusivity-artifact flag). */
  verdicts: ReadonlyMap<number, FeatureVerdict>;
}

const focusTargets = {
  description: 'fp-description',
  languages: 'fp-language-input',
  notes: 'fp-notes',
  search: 'fp-search',
} as const;

const controlTypes = new Set(['range', 'checkbox', 'radio', 'button', 'submit', 'reset', 'color']);

/** Whether letters typed now would go into a field (`text`), hit a control, or nothing in particular. */
export function focusKindOf(target: EventTarget | null): FocusKind {
  if (!(target instanceof HTMLElement)) return 'none';
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return 'text';
  if (target.tagName === 'INPUT')
    return controlTypes.has((target as HTMLInputElement).type) ? 'control' : 'text';
  if (target.tagName === 'BUTTON' || target.tagName === 'SUMMARY') return 'control';
  return 'none';
}

/**
 * One feature on screen: its dashboard (middle pane) and its annotation (right pane), keyboard-first.
 * The dashboard pane stays mounted across features; the form is mounted per feature (its state and
 * autosave belong to one record). Memoised: queue pages arriving while the list scrolls do not redraw it.
 */
export const FeatureWorkspace = memo(function FeatureWorkspace(props: WorkspaceProps) {
  const { featureId, store, onShown } = props;
  const entry = useFeatureEntry(store, featureId);
  const detail = entry.detail?.kind === 'ready' ? entry.detail.value : undefined;
  const scores = detail === undefined ? undefined : scoresFor(detail, props.attributionId);
  const isShown = entry.detail !== undefined && entry.dashboard !== undefined;
  useEffect(() => {
    if (isShown) onShown(featureId);
  }, [isShown, featureId, onShown]);
  return (
    <>
      <DashboardPane
        featureId={featureId}
        detail={entry.detail}
        dashboard={entry.dashboard}
        attributionId={props.attributionId}
        jobs={props.jobs}
      />
      <FeatureForm
        key={`${featureId}:${props.reloadNonce}`}
        featureId={featureId}
        annotatorId={props.annotatorId}
        annotatorName={props.annotatorName}
        isBlindMode={props.isBlindMode}
        store={store}
        onNext={props.onNext}
        onPrevious={props.onPrevious}
        onUndo={props.onUndo}
        onSaved={props.onSaved}
        registerFlush={props.registerFlush}
        featureIndex={detail?.index ?? null}
        category={scores?.category ?? null}
        suggestedLanguages={detail?.suggestedLanguages}
        verdict={detail === undefined ? undefined : props.verdicts.get(detail.index)}
      />
    </>
  );
});

type FormProps = Pick<
  WorkspaceProps,
  | 'featureId'
  | 'annotatorId'
  | 'annotatorName'
  | 'isBlindMode'
  | 'store'
  | 'onNext'
  | 'onPrevious'
  | 'onUndo'
  | 'onSaved'
  | 'registerFlush'
> & {
  featureIndex: number | null;
  category: LifecycleCategory | null;
  suggestedLanguages: LanguageSuggestion | undefined;
  verdict: FeatureVerdict | undefined;
};

/**
 * The right pane for one feature: the form, others' answers, the history, and the keyboard. Memoised:
 * job progress and cache updates that change none of its props do not redraw it.
 */
const FeatureForm = memo(function FeatureForm(props: FormProps) {
  const { featureId, annotatorId, store } = props;
  const ctl = useAnnotation(featureId, annotatorId, props.onSaved, store);

  const { registerFlush } = props;
  useEffect(() => {
    registerFlush(ctl.flush);
    return () => registerFlush(null);
  }, [registerFlush, ctl.flush]);

  // The key handler reads the latest props and controller through a ref (one listener per feature).
  const live = useRef({ props, ctl });
  useLayoutEffect(() => {
    live.current = { props, ctl };
  });
  useEffect(() => {
    const act = async (action: FeatureAction): Promise<void> => {
      const { props: p, ctl: c } = live.current;
      switch (action.kind) {
        case 'saveNext':
          if (await c.submit('done')) p.onNext();
          return;
        case 'skip':
          if (await c.submit('skipped')) p.onNext();
          return;
        case 'next':
          return p.onNext();
        case 'previous':
          return p.onPrevious();
        case 'undo':
          return p.onUndo();
        case 'flag':
          return c.edit((f) => ({ ...f, isFlagged: !f.isFlagged }), { immediate: true });
        case 'uninterpretable':
          return c.edit((f) => ({ ...f, isUninterpretable: !f.isUninterpretable }));
        case 'allLanguages':
          return c.edit((f) => ({ ...f, isAllLanguages: !f.isAllLanguages }));
        case 'rate':
          return c.edit({ [action.field]: action.value });
        case 'focus':
          document.getElementById(focusTargets[action.target])?.focus();
          return;
        case 'blur':
          if (document.activeElement instanceof HTMLElement) document.activeElement.blur();
          return;
      }
    };
    const onKey = (event: KeyboardEvent): void => {
      if (event.defaultPrevented || event.isComposing || document.querySelector('.modal-backdrop')) return;
      const action = resolveFeatureKey(event, focusKindOf(event.target));
      if (action === null) return;
      event.preventDefault();
      void act(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const restore = (revision: AnnotationRevision): void =>
    ctl.edit({ ...revision.fields }, { immediate: true });
  return (
    <section className="fp-pane fp-form" aria-label="Annotation" data-testid="form-pane">
      <AnnotationPane
        ctl={ctl}
        featureIndex={props.featureIndex}
        category={props.category}
        suggestedLanguages={props.suggestedLanguages}
        verdict={props.verdict}
        onSubmit={() => void ctl.submit('done').then((ok) => ok && props.onNext())}
        onSkip={() => void ctl.submit('skipped').then((ok) => ok && props.onNext())}
      />
      {ctl.phase === 'ready' && (
        <>
          <OthersPanel
            featureId={featureId}
            annotatorId={annotatorId}
            isOwnDone={ctl.stored.status === 'done'}
            isBlindMode={props.isBlindMode}
          />
          <HistoryPanel
            featureId={featureId}
            annotatorId={annotatorId}
            annotatorName={props.annotatorName}
            revision={ctl.stored.revision}
            onRestore={restore}
          />
        </>
      )}
    </section>
  );
});
