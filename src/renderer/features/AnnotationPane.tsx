import { useState } from 'react';
import { lifecycleCategorySchema, maxDescriptionLength, type LifecycleCategory } from '../../shared/domain';
import type { FeatureVerdict } from '../../shared/faithfulness';
import type { LanguageSuggestion } from '../../shared/language-suggestion';
import { FaithfulnessVerdict } from '../faithfulness/VerdictBadges';
import type { SaveState } from './autosave';
import { ConflictPanel } from './ConflictPanel';
import { acceptDescription, clockTime } from './form-model';
import { LanguageField } from './LanguageField';
import { RatingField } from './RatingField';
import type { AnnotationController } from './use-annotation';

interface AnnotationPaneProps {
  ctl: AnnotationController;
  featureIndex: number | null;
  /** The category from RelIE on the picked attribution (pre-fills the lifecycle label). */
  category: LifecycleCategory | null;
  /** The feature's suggested languages (features:get), shown beside the languages field. */
  suggestedLanguages?: LanguageSuggestion | undefined;
  /** What the run's faithfulness report says of the feature (shown by the lifecycle field). */
  verdict?: FeatureVerdict | undefined;
  onSubmit: () => void;
  onSkip: () => void;
}

/** Right pane: the annotation form. Every change autosaves; the save line says where it stands. */
export function AnnotationPane({
  ctl,
  featureIndex,
  category,
  suggestedLanguages,
  verdict,
  onSubmit,
  onSkip,
}: AnnotationPaneProps) {
  const [descriptionError, setDescriptionError] = useState<string | null>(null);
  const { fields, fieldErrors } = ctl;
  if (ctl.phase === 'loading') return <FormSkeleton />;
  if (ctl.phase === 'error') {
    return (
      <div className="fp-form-body">
        <p className="error" role="alert" data-testid="annotation-load-error">
          {ctl.isGone
            ? 'This feature no longer exists in the project.'
            : `Cannot load the annotation: ${ctl.loadError}`}
        </p>
      </div>
    );
  }
  return (
    <div className="fp-form-body" data-testid="annotation-form" data-feature-index={featureIndex ?? ''}>
      <div className="fp-form-head">
        <span className={`fp-status fp-status--${fields.status}`} data-testid="annotation-status">
          {fields.status}
        </span>
        <SaveLine state={ctl.saveState} />
      </div>
      {ctl.isGone && (
        <p className="error" role="alert" data-testid="feature-gone">
          This feature was removed from the project; nothing more is saved for it.
        </p>
      )}
      {ctl.conflict && (
        <ConflictPanel
          mine={fields}
          theirs={ctl.conflict}
          onKeepMine={ctl.keepMine}
          onTakeTheirs={ctl.takeTheirs}
        />
      )}
      {fieldErrors._form && (
        <p className="error small" role="alert">
          {fieldErrors._form}
        </p>
      )}
      <div className="fp-toggles">
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="uninterpretable"
            checked={fields.isUninterpretable}
            onChange={(e) => ctl.edit({ isUninterpretable: e.target.checked })}
          />
          uninterpretable <kbd>u</kbd>
        </label>
        <button
          type="button"
          className={fields.isFlagged ? 'fp-flag fp-flag--on' : 'fp-flag'}
          data-testid="flag"
          aria-pressed={fields.isFlagged}
          onClick={() => ctl.edit((f) => ({ ...f, isFlagged: !f.isFlagged }), { immediate: true })}
        >
          ⚑ {fields.isFlagged ? 'flagged' : 'flag'} <kbd>f</kbd>
        </button>
      </div>
      <div className="fp-field" data-testid="field-description">
        <div className="fp-field__head">
          <label htmlFor="fp-description">
            Description <kbd>e</kbd>
          </label>
          <span
            className={fields.description.length >= maxDescriptionLength ? 'error small' : 'muted small'}
            data-testid="description-counter"
          >
            {fields.description.length} / {maxDescriptionLength}
          </span>
        </div>
        <textarea
          id="fp-description"
          data-testid="description"
          rows={5}
          value={fields.description}
          aria-invalid={descriptionError !== null || fieldErrors.description !== undefined}
          aria-describedby="fp-description-error"
          onChange={(e) => {
            const accepted = acceptDescription(e.target.value);
            setDescriptionError(accepted.error);
            ctl.edit({ description: accepted.value });
          }}
        />
        <p
          id="fp-description-error"
          className="error small fp-field__error"
          data-testid="description-error"
          role={descriptionError || fieldErrors.description ? 'alert' : undefined}
        >
          {descriptionError ?? fieldErrors.description ?? ''}
        </p>
      </div>
      <RatingField
        id="interpretability"
        label="Interpretability"
        hint="0–9, = for 1"
        value={fields.interpretability}
        serverError={fieldErrors.interpretability}
        onChange={(interpretability) => ctl.edit({ interpretability })}
      />
      <RatingField
        id="complexity"
        label="Complexity"
        hint="Shift+0–9"
        value={fields.complexity}
        serverError={fieldErrors.complexity}
        onChange={(complexity) => ctl.edit({ complexity })}
      />
      <LanguageField
        tags={fields.languages}
        isAllLanguages={fields.isAllLanguages}
        serverError={fieldErrors.languages ?? fieldErrors.isAllLanguages}
        onTags={(languages) => ctl.edit({ languages })}
        onAllLanguages={(isAllLanguages) => ctl.edit({ isAllLanguages })}
        suggestion={suggestedLanguages}
        onUseSuggestion={(languages) => ctl.edit({ languages, isAllLanguages: false })}
      />
      <div className="fp-field" data-testid="field-lifecycle">
        <div className="fp-field__head">
          <label htmlFor="fp-lifecycle">Lifecycle category</label>
          <span className="muted small">
            from RelIE: <strong data-testid="lifecycle-from-relie">{category ?? '—'}</strong>
          </span>
        </div>
        <FaithfulnessVerdict verdict={verdict} />
        <select
          id="fp-lifecycle"
          data-testid="lifecycle-override"
          value={fields.lifecycleOverride ?? ''}
          onChange={(e) =>
            ctl.edit({
              lifecycleOverride: e.target.value === '' ? null : (e.target.value as LifecycleCategory),
            })
          }
        >
          <option value="">{category ?? 'the RelIE category'} (no override)</option>
          {lifecycleCategorySchema.options
            .filter((c) => c !== category)
            .map((c) => (
              <option key={c} value={c}>
                override: {c}
              </option>
            ))}
        </select>
        {fields.lifecycleOverride !== null && (
          <input
            data-testid="lifecycle-reason"
            aria-label="Reason for the override"
            placeholder="Why does the RelIE category not fit?"
            maxLength={2000}
            value={fields.lifecycleOverrideReason}
            onChange={(e) => ctl.edit({ lifecycleOverrideReason: e.target.value })}
          />
        )}
        <p className="error small fp-field__error">
          {fieldErrors.lifecycleOverride ??
            fieldErrors.lifecycleOverrideReason ??
            (fields.lifecycleOverride !== null && fields.lifecycleOverrideReason.trim() === ''
              ? 'Give a reason for the override.'
              : '')}
        </p>
      </div>
      <div className="fp-field" data-testid="field-notes">
        <label htmlFor="fp-notes">
          Notes <kbd>n</kbd>
        </label>
        <textarea
          id="fp-notes"
          data-testid="notes"
          rows={2}
          maxLength={10_000}
          value={fields.notes}
          onChange={(e) => ctl.edit({ notes: e.target.value })}
        />
        <p className="error small fp-field__error">{fieldErrors.notes ?? ''}</p>
      </div>
      <div className="fp-actions">
        <button type="button" data-testid="submit-next" onClick={onSubmit}>
          Submit &amp; next <kbd>Ctrl</kbd>+<kbd>Enter</kbd>
        </button>
        <button type="button" className="secondary" data-testid="skip" onClick={onSkip}>
          Skip <kbd>s</kbd>
        </button>
      </div>
    </div>
  );
}

/** "Saved rev 4 · 12:01:33", "Saving…", or what went wrong. */
export function SaveLine({ state }: { state: SaveState }) {
  let text: string;
  let className = 'fp-save muted';
  switch (state.kind) {
    case 'idle':
      text =
        state.revision === 0
          ? 'Not saved yet'
          : `Saved rev ${state.revision}${state.savedAt ? ` · ${clockTime(state.savedAt)}` : ''}`;
      break;
    case 'pending':
      text = 'Unsaved changes…';
      break;
    case 'saving':
      text = 'Saving…';
      break;
    case 'saved':
      text = `Saved rev ${state.revision} · ${clockTime(state.savedAt)}`;
      className = 'fp-save ok';
      break;
    case 'failed':
      className = 'fp-save error';
      text =
        state.failure.kind === 'conflict'
          ? 'Not saved: changed in another window'
          : state.failure.kind === 'unavailable'
            ? `Not saved (retrying): ${state.failure.message}`
            : `Not saved: ${state.failure.message}`;
      break;
  }
  return (
    <span className={className} data-testid="save-state" data-state={state.kind} role="status" title={text}>
      {text}
    </span>
  );
}

function FormSkeleton() {
  return (
    <div className="fp-form-body" aria-busy="true" data-testid="annotation-loading">
      <div className="fp-skeleton" style={{ height: 22, width: '60%' }} />
      <div className="fp-skeleton" style={{ height: 110 }} />
      <div className="fp-skeleton" style={{ height: 48 }} />
      <div className="fp-skeleton" style={{ height: 48 }} />
      <div className="fp-skeleton" style={{ height: 90 }} />
    </div>
  );
}
