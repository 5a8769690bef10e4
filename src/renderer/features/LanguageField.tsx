import { useState } from 'react';
import type { LanguageTag } from '../../shared/domain';
import {
  describeSuggestion,
  isSuggestionApplied,
  suggestionTags,
  type LanguageSuggestion,
} from '../../shared/language-suggestion';
import { isKnownLanguageCode, languageName, suggestLanguages } from '../../shared/languages';
import { addLanguage, removeLanguage, toggleTentative } from './form-model';

interface LanguageFieldProps {
  tags: LanguageTag[];
  isAllLanguages: boolean;
  serverError: string | undefined;
  onTags: (tags: LanguageTag[]) => void;
  onAllLanguages: (isAll: boolean) => void;
  /** From the feature's |IE| per task language; the annotator takes it with one click, then edits. */
  suggestion?: LanguageSuggestion | undefined;
  /** Replace the languages with the suggestion (and clear "all languages"). */
  onUseSuggestion?: (tags: LanguageTag[]) => void;
}

/** How the shares behind a suggestion were measured, for its tooltip. */
function suggestionBasis(suggestion: LanguageSuggestion): string {
  const shares = suggestion.shares
    .map((s) => `${s.code ?? 'no language'} ${Math.round(s.share * 100)}%`)
    .join(', ');
  const basis =
    suggestion.basis === 'itemIe'
      ? 'share of the feature’s |IE| on task pairs of each language'
      : 'share of the feature’s task-level |IE| per task language';
  const contexts = suggestion.hasContextLanguages
    ? ''
    : '; top contexts not used (the activation corpus records no language)';
  return `${basis}: ${shares}. Suggested from 20%, tentative (*) below 50%${contexts}.`;
}

/** The suggested value and its "use suggestion" button, or why there is none. */
function SuggestionLine({
  suggestion,
  tags,
  isAllLanguages,
  onUse,
}: {
  suggestion: LanguageSuggestion;
  tags: LanguageTag[];
  isAllLanguages: boolean;
  onUse: ((tags: LanguageTag[]) => void) | undefined;
}) {
  if (suggestion.tags.length === 0) {
    const why =
      suggestion.basis === 'none'
        ? 'no task effect recorded'
        : suggestion.shares.every((s) => s.code === null)
          ? 'the tasks name no language'
          : 'no language reaches 20%';
    return (
      <p className="muted small" data-testid="language-suggestion" data-state="none">
        Suggestion: none ({why})
      </p>
    );
  }
  const isApplied = isSuggestionApplied(suggestion, tags, isAllLanguages);
  return (
    <p className="small fp-suggestion-line" data-testid="language-suggestion" data-state="ready">
      <span title={suggestionBasis(suggestion)}>
        Suggestion: <strong data-testid="language-suggestion-value">{describeSuggestion(suggestion)}</strong>
      </span>{' '}
      <button
        type="button"
        className="small"
        data-testid="use-language-suggestion"
        disabled={isApplied || onUse === undefined}
        onClick={() => onUse?.(suggestionTags(suggestion))}
      >
        {isApplied ? 'in use' : 'use suggestion'}
      </button>
    </p>
  );
}

/**
 * Languages as chips: type a code or a name, pick from ISO 639-3 suggestions (↑/↓, Enter), Backspace on
 * an empty box removes the last chip. A code outside ISO 639-3 needs "custom" ticked; "?" on a chip
 * marks it tentative (exported with `*`).
 */
export function LanguageField({
  tags,
  isAllLanguages,
  serverError,
  onTags,
  onAllLanguages,
  suggestion,
  onUseSuggestion,
}: LanguageFieldProps) {
  const [text, setText] = useState('');
  const [highlight, setHighlight] = useState(0);
  const [isCustom, setIsCustom] = useState(false);
  const [isTentative, setIsTentative] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const suggestions = isCustom
    ? []
    : suggestLanguages(text, 6).filter((s) => !tags.some((t) => t.code === s.code));
  const add = (code: string): void => {
    const result = addLanguage(tags, code, { isCustom, isTentative });
    if ('error' in result) {
      setError(result.error);
      return;
    }
    setError(null);
    setText('');
    setHighlight(0);
    onTags(result.tags);
  };
  const message = error ?? serverError;
  return (
    <div className="fp-field" data-testid="field-languages">
      <div className="fp-field__head">
        <label htmlFor="fp-language-input">Languages</label>
        <label className="checkbox small">
          <input
            type="checkbox"
            data-testid="all-languages"
            checked={isAllLanguages}
            onChange={(e) => onAllLanguages(e.target.checked)}
          />
          all languages <kbd>a</kbd>
        </label>
      </div>
      {suggestion !== undefined && (
        <SuggestionLine
          suggestion={suggestion}
          tags={tags}
          isAllLanguages={isAllLanguages}
          onUse={onUseSuggestion}
        />
      )}
      <div className="fp-chips" data-testid="language-chips" aria-live="polite">
        {tags.map((t) => (
          <span
            key={t.code}
            className={t.isTentative ? 'fp-chip fp-chip--tentative' : 'fp-chip'}
            data-testid="language-chip"
            data-code={t.code}
            title={`${languageName(t.code) ?? 'custom code'}${t.isTentative ? ' (tentative)' : ''}`}
          >
            {t.code}
            {t.isTentative ? '*' : ''}
            {t.isCustom && <span className="muted"> custom</span>}
            <button
              type="button"
              className="fp-chip__btn"
              aria-label={`${t.code} tentative`}
              aria-pressed={t.isTentative}
              onClick={() => onTags(toggleTentative(tags, t.code))}
            >
              ?
            </button>
            <button
              type="button"
              className="fp-chip__btn"
              aria-label={`remove ${t.code}`}
              onClick={() => onTags(removeLanguage(tags, t.code))}
            >
              ×
            </button>
          </span>
        ))}
        {tags.length === 0 && (
          <span className="muted small">{isAllLanguages ? 'every language' : 'none'}</span>
        )}
      </div>
      <div className="fp-combobox">
        <input
          id="fp-language-input"
          data-testid="language-input"
          role="combobox"
          aria-expanded={suggestions.length > 0}
          aria-controls="fp-language-list"
          aria-autocomplete="list"
          aria-invalid={message !== undefined && message !== null}
          placeholder="code or name, e.g. fra"
          autoComplete="off"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setHighlight(0);
            setError(null);
          }}
          onKeyDown={(e) => {
            if (e.key === 'ArrowDown' && !e.altKey) {
              e.preventDefault();
              setHighlight((h) => Math.min(h + 1, Math.max(0, suggestions.length - 1)));
            } else if (e.key === 'ArrowUp' && !e.altKey) {
              e.preventDefault();
              setHighlight((h) => Math.max(0, h - 1));
            } else if (e.key === 'Enter' && !e.ctrlKey && !e.metaKey) {
              e.preventDefault();
              // A whole code typed is taken as typed (so "already listed" or "not ISO" is said);
              // otherwise the highlighted suggestion.
              const typed = text.trim().toLowerCase();
              const isWholeCode =
                /^[a-z]{3}$/.test(typed) &&
                (isCustom || isKnownLanguageCode(typed) || tags.some((t) => t.code === typed));
              const pick = isWholeCode ? typed : suggestions[highlight]?.code;
              if (pick !== undefined) add(pick);
              else if (typed !== '') add(typed);
            } else if (e.key === 'Backspace' && text === '' && tags.length > 0) {
              onTags(tags.slice(0, -1));
            }
          }}
        />
        {suggestions.length > 0 && (
          <ul
            id="fp-language-list"
            role="listbox"
            className="fp-suggestions"
            data-testid="language-suggestions"
          >
            {suggestions.map((s, i) => (
              <li
                key={s.code}
                role="option"
                aria-selected={i === highlight}
                className={i === highlight ? 'fp-suggestion fp-suggestion--active' : 'fp-suggestion'}
                onMouseDown={(e) => {
                  e.preventDefault();
                  add(s.code);
                }}
              >
                <code>{s.code}</code> {s.name}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="fp-chips small">
        <label className="checkbox">
          <input type="checkbox" checked={isTentative} onChange={(e) => setIsTentative(e.target.checked)} />
          add as tentative
        </label>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="language-custom"
            checked={isCustom}
            onChange={(e) => setIsCustom(e.target.checked)}
          />
          custom code (not ISO 639-3)
        </label>
      </div>
      <p
        className="error small fp-field__error"
        role={message ? 'alert' : undefined}
        data-testid="language-error"
      >
        {message ?? ''}
      </p>
    </div>
  );
}
