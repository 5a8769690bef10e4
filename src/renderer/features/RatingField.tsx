import { useState } from 'react';
import { parseRating, roundRating } from './form-model';

interface RatingFieldProps {
  id: string;
  label: string;
  /** Key hint shown beside the label. */
  hint: string;
  value: number | null;
  serverError: string | undefined;
  onChange: (value: number | null) => void;
}

/** A 0–1 rating: a slider in steps of 0.1 and a number box; out-of-range input is refused, visibly. */
export function RatingField({ id, label, hint, value, serverError, onChange }: RatingFieldProps) {
  /** Text being typed in the number box (null: show the stored value). */
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const shown = draft ?? (value === null ? '' : String(value));
  const message = error ?? serverError;
  return (
    <div className="fp-field" data-testid={`field-${id}`}>
      <div className="fp-field__head">
        <label htmlFor={`fp-${id}-range`}>{label}</label>
        <span className="muted small">{hint}</span>
      </div>
      <div className="fp-rating">
        <input
          id={`fp-${id}-range`}
          type="range"
          min={0}
          max={1}
          step={0.1}
          value={value ?? 0}
          data-unset={value === null}
          aria-valuetext={value === null ? 'not rated' : String(value)}
          onChange={(e) => {
            setDraft(null);
            setError(null);
            onChange(roundRating(Number(e.target.value)));
          }}
        />
        <input
          type="text"
          inputMode="decimal"
          className="fp-rating__box"
          data-testid={`${id}-input`}
          aria-label={`${label} (0 to 1)`}
          aria-invalid={message !== undefined && message !== null}
          aria-describedby={`fp-${id}-error`}
          placeholder="—"
          value={shown}
          onChange={(e) => {
            setDraft(e.target.value);
            const parsed = parseRating(e.target.value);
            if ('error' in parsed) setError(`${label} ${parsed.error}; not saved.`);
            else {
              setError(null);
              onChange(parsed.value);
            }
          }}
          onBlur={() => {
            if (error === null) setDraft(null);
          }}
        />
      </div>
      <p id={`fp-${id}-error`} className="error small fp-field__error" role={message ? 'alert' : undefined}>
        {message ?? ''}
      </p>
    </div>
  );
}
