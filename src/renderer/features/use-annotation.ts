import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { AnnotationFields, AnnotationRevision, AnnotationStatus } from '../../shared/domain';
import { api } from '../api/client';
import { invokeOnUnload } from '../api/unload-invoke';
import { afterPaint } from './after-paint';
import { AutosaveScheduler, type SaveFailure, type SaveState } from './autosave';
import type { FeatureDataStore } from './feature-data-store';
import { defaultFields, fieldOfError, sameFields, type FormFieldKey } from './form-model';
import { apiErrorOf, classifySaveError } from './save-errors';
import { VisibleTimer } from './visible-timer';

// One feature's annotation for the active annotator: loads the latest revision, autosaves every edit
// as a new revision (with the visible time spent added), and surfaces conflicts and field errors.
// A revision cached by the page (a revisit, or a neighbour fetched ahead) shows at once and is
// re-checked in the background; a newer one found there replaces it if nothing was edited yet.

export interface SavedEvent {
  featureId: number;
  fields: AnnotationFields;
  /** The record this save replaced (null: the first revision). */
  previous: AnnotationFields | null;
  revision: number;
}

type Update = Partial<AnnotationFields> | ((fields: AnnotationFields) => AnnotationFields);

export interface AnnotationController {
  phase: 'loading' | 'ready' | 'error';
  loadError: string | null;
  /** The feature is gone (not_found on load or save). */
  isGone: boolean;
  fields: AnnotationFields;
  saveState: SaveState;
  /** The latest stored revision (0: none) and its status. */
  stored: { revision: number; status: AnnotationStatus | null };
  /** Their revision, when a save found the record changed elsewhere. */
  conflict: AnnotationRevision | null;
  /** Server messages per field (`_form` when the error names no field). */
  fieldErrors: Partial<Record<FormFieldKey | '_form', string>>;
  edit: (update: Update, options?: { immediate?: boolean }) => void;
  /** Saves pending edits; false when something could not be saved. */
  flush: () => Promise<boolean>;
  /** Sets the status and saves now (unless nothing changed); false when it could not be saved. */
  submit: (status: 'done' | 'skipped') => Promise<boolean>;
  keepMine: () => void;
  takeTheirs: () => void;
}

/**
 * Mounted once per feature (the form is keyed on it). `store` holds the latest revisions this window
 * knows; every save goes into it, so coming back shows the saved record without a request.
 */
export function useAnnotation(
  featureId: number,
  annotatorId: number,
  onSaved: (event: SavedEvent) => void,
  store: FeatureDataStore,
): AnnotationController {
  // What the store has now, read once: the form starts ready with it (undefined: not cached).
  const [cached] = useState(() => store.entry(featureId).latest);
  const [phase, setPhase] = useState<AnnotationController['phase']>(
    cached === undefined ? 'loading' : 'ready',
  );
  const [loadError, setLoadError] = useState<string | null>(null);
  const [isGone, setIsGone] = useState(false);
  const [fields, setFields] = useState<AnnotationFields>(() => cached?.fields ?? defaultFields());
  const [saveState, setSaveState] = useState<SaveState>(() => idleState(cached ?? null));
  const [conflict, setConflict] = useState<AnnotationRevision | null>(null);
  const [stored, setStored] = useState<AnnotationController['stored']>(() => storedOf(cached ?? null));
  const [fieldErrors, setFieldErrors] = useState<AnnotationController['fieldErrors']>({});
  const fieldsRef = useRef<AnnotationFields | null>(null);
  const storedRef = useRef<AnnotationFields | null>(null);
  const schedulerRef = useRef<AutosaveScheduler<AnnotationFields, AnnotationRevision> | null>(null);
  const timerRef = useRef<VisibleTimer | null>(null);
  const baseTimeRef = useRef(0);
  /** A vanished feature takes no saves; moving on from it must not be blocked. */
  const isGoneRef = useRef(false);
  /** Something was edited since the record was loaded (a newer one found later is then a conflict). */
  const hasEditedRef = useRef(false);
  const onSavedRef = useRef(onSaved);
  useEffect(() => {
    onSavedRef.current = onSaved;
  });

  /** The record to store: the form plus the time spent (stored time + visible time this visit). */
  const withTime = useCallback(
    (f: AnnotationFields): AnnotationFields => ({
      ...f,
      timeSpentMs: baseTimeRef.current + (timerRef.current?.elapsedMs() ?? 0),
    }),
    [],
  );

  // A layout effect: the scheduler exists before the first paint of a form shown from the cache, so
  // the first key press after it is never lost.
  useLayoutEffect(() => {
    let isCurrent = true;
    const timer = new VisibleTimer(() => performance.now());
    if (document.visibilityState === 'visible') timer.resume();
    timerRef.current = timer;

    const onFailure = (failure: SaveFailure): void => {
      if (failure.kind === 'conflict') {
        void api.invoke('annotations:latest', { featureId, annotatorId }).then(
          (theirs) => {
            store.setLatest(featureId, theirs);
            if (isCurrent && theirs) setConflict(theirs);
          },
          () => undefined,
        );
      } else if (failure.kind === 'invalid') {
        setFieldErrors({ [fieldOfError(failure.field) ?? '_form']: failure.message });
      } else if (failure.kind === 'notFound') {
        isGoneRef.current = true;
        setIsGone(true);
      }
    };
    /** Starts from `latest`; `isShown`: the state already shows it (the first render had it cached). */
    const start = (latest: AnnotationRevision | null, isShown = false): void => {
      schedulerRef.current?.dispose();
      const loaded = latest?.fields ?? defaultFields();
      fieldsRef.current = loaded;
      storedRef.current = latest ? loaded : null;
      baseTimeRef.current = loaded.timeSpentMs;
      schedulerRef.current = new AutosaveScheduler<AnnotationFields, AnnotationRevision>(
        {
          save: (record, baseRevision) =>
            api.invoke('annotations:save', { featureId, annotatorId, fields: record, baseRevision }),
          classify: classifySaveError,
          onState: (state) => {
            setSaveState(state);
            if (state.kind === 'failed') onFailure(state.failure);
          },
          onSaved: (saved, record, previous) => {
            store.setLatest(featureId, saved);
            storedRef.current = record;
            setStored({ revision: saved.revision, status: record.status });
            setFieldErrors({});
            onSavedRef.current({ featureId, fields: record, previous, revision: saved.revision });
          },
          setTimer: (run, ms) => window.setTimeout(run, ms),
          clearTimer: (handle) => window.clearTimeout(handle as number),
        },
        latest?.revision ?? 0,
        latest ? loaded : null,
      );
      if (isShown) return;
      setFields(loaded);
      setStored(storedOf(latest));
      setSaveState(idleState(latest));
      setPhase('ready');
    };
    const fromCache = store.entry(featureId).latest;
    let cancelRecheck = (): void => undefined;
    if (fromCache !== undefined) {
      start(fromCache, fromCache === cached);
      // Re-checked in the background (once it is on screen): another window may have saved since.
      cancelRecheck = afterPaint(() =>
        store.latest(featureId, { isFresh: true }).then(
          (latest) => {
            const isNewer = (latest?.revision ?? 0) > (schedulerRef.current?.revision ?? 0);
            if (isCurrent && isNewer && !hasEditedRef.current) start(latest);
          },
          () => undefined,
        ),
      );
    } else {
      store.latest(featureId).then(
        (latest) => {
          if (isCurrent) start(latest);
        },
        (reason: unknown) => {
          if (!isCurrent) return;
          if (apiErrorOf(reason)?.code === 'not_found') {
            isGoneRef.current = true;
            setIsGone(true);
          }
          setLoadError(reason instanceof Error ? reason.message : String(reason));
          setPhase('error');
        },
      );
    }

    const onVisibility = (): void => {
      if (document.visibilityState === 'visible') timer.resume();
      else {
        timer.pause();
        void schedulerRef.current?.flush();
      }
    };
    // Closing or reloading the page: the debounced edit leaves by a path that outlives the page.
    const onUnload = (): void => {
      const taken = schedulerRef.current?.takePending();
      if (taken) {
        invokeOnUnload('annotations:save', {
          featureId,
          annotatorId,
          fields: taken.record,
          baseRevision: taken.baseRevision,
        });
      }
    };
    document.addEventListener('visibilitychange', onVisibility);
    window.addEventListener('pagehide', onUnload);
    window.addEventListener('beforeunload', onUnload);
    return () => {
      isCurrent = false;
      cancelRecheck();
      document.removeEventListener('visibilitychange', onVisibility);
      window.removeEventListener('pagehide', onUnload);
      window.removeEventListener('beforeunload', onUnload);
      timer.pause();
      const scheduler = schedulerRef.current;
      schedulerRef.current = null;
      fieldsRef.current = null;
      if (scheduler) void scheduler.flush().finally(() => scheduler.dispose());
    };
    // `cached` is the first render's value; `store` is the page's for as long as this form lives.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [featureId, annotatorId, store]);

  const edit = useCallback(
    (update: Update, options?: { immediate?: boolean }): void => {
      const current = fieldsRef.current;
      const scheduler = schedulerRef.current;
      if (current === null || scheduler === null) return;
      const next = typeof update === 'function' ? update(current) : { ...current, ...update };
      hasEditedRef.current = true;
      fieldsRef.current = next;
      setFields(next);
      scheduler.change(withTime(next));
      if (options?.immediate) void scheduler.flush();
    },
    [withTime],
  );

  const flush = useCallback(async (): Promise<boolean> => {
    const scheduler = schedulerRef.current;
    if (scheduler === null) return true;
    const isSaved = await scheduler.flush();
    return isSaved || isGoneRef.current;
  }, []);

  const submit = useCallback(
    async (status: 'done' | 'skipped'): Promise<boolean> => {
      const current = fieldsRef.current;
      const scheduler = schedulerRef.current;
      if (current === null || scheduler === null) return false;
      const next = { ...current, status };
      hasEditedRef.current = true;
      const stored = storedRef.current;
      if (stored !== null && sameFields(next, stored) && !scheduler.hasPending) return scheduler.flush();
      fieldsRef.current = next;
      setFields(next);
      scheduler.change(withTime(next));
      return scheduler.flush();
    },
    [withTime],
  );

  const keepMine = useCallback((): void => {
    const scheduler = schedulerRef.current;
    const current = fieldsRef.current;
    if (conflict === null || scheduler === null || current === null) return;
    setConflict(null);
    void scheduler.rebase(conflict.revision, withTime(current), conflict.fields, true);
  }, [conflict, withTime]);

  const takeTheirs = useCallback((): void => {
    const scheduler = schedulerRef.current;
    if (conflict === null || scheduler === null) return;
    setConflict(null);
    store.setLatest(featureId, conflict);
    fieldsRef.current = conflict.fields;
    storedRef.current = conflict.fields;
    baseTimeRef.current = conflict.fields.timeSpentMs;
    setFields(conflict.fields);
    setStored({ revision: conflict.revision, status: conflict.fields.status });
    void scheduler.rebase(conflict.revision, conflict.fields, conflict.fields, false);
  }, [conflict, featureId, store]);

  return {
    phase,
    loadError,
    isGone,
    fields,
    saveState,
    stored,
    conflict,
    fieldErrors,
    edit,
    flush,
    submit,
    keepMine,
    takeTheirs,
  };
}

const idleState = (latest: AnnotationRevision | null): SaveState => ({
  kind: 'idle',
  revision: latest?.revision ?? 0,
  savedAt: latest?.createdAt ?? null,
});

const storedOf = (latest: AnnotationRevision | null): AnnotationController['stored'] => ({
  revision: latest?.revision ?? 0,
  status: latest?.fields.status ?? null,
});
