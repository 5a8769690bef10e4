import { memo, useEffect, useRef } from 'react';
import type { AnnotationRevision, JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { AnnotationPane } from './AnnotationPane';
import { DashboardPane } from './DashboardPane';
import { scoresFor } from './dashboard-view';
import { HistoryPanel } from './HistoryPanel';
import { resolveFeatureKey, type FeatureAction, type FocusKind } from './keymap';
import { OthersPanel } from './OthersPanel';
import { useAnnotation, type SavedEvent } from './use-annotation';
import { useKeyedAsync } from './use-keyed-async';

export interface WorkspaceProps {
  featureId: number;
  annotatorId: number;
  annotatorName: string;
  attributionId: string | null;
  isBlindMode: boolean;
  jobs: JobSnapshot[];
  onNext: () => void;
  onPrevious: () => void;
  onUndo: () => void;
  onSaved: (event: SavedEvent) => void;
  /** The page calls this before it switches features (pending edits are saved first). */
  registerFlush: (flush: (() => Promise<boolean>) | null) => void;
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
 * Memoised: queue pages arriving while the list scrolls do not redraw it.
 */
export const FeatureWorkspace = memo(function FeatureWorkspace(props: WorkspaceProps) {
  const { featureId, annotatorId } = props;
  const detail = useKeyedAsync(String(featureId), () => api.invoke('features:get', { featureId }));
  const ctl = useAnnotation(featureId, annotatorId, props.onSaved);
  const scores = detail.data === undefined ? undefined : scoresFor(detail.data, props.attributionId);

  const { registerFlush } = props;
  useEffect(() => {
    registerFlush(ctl.flush);
    return () => registerFlush(null);
  }, [registerFlush, ctl.flush]);

  // The key handler reads the latest props and controller through a ref (one listener per feature).
  const live = useRef({ props, ctl });
  useEffect(() => {
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
    <>
      <DashboardPane
        detail={detail.data}
        detailError={detail.error}
        attributionId={props.attributionId}
        jobs={props.jobs}
      />
      <section className="fp-pane fp-form" aria-label="Annotation" data-testid="form-pane">
        <AnnotationPane
          ctl={ctl}
          featureIndex={detail.data?.index ?? null}
          category={scores?.category ?? null}
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
    </>
  );
});
