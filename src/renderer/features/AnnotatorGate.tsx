import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { useAsync } from '../hooks/use-async';

/** Asks the owner who is annotating in this window: pick a profile or create one. */
export function AnnotatorGate({ onChosen }: { onChosen: (annotatorId: number) => Promise<void> }) {
  const annotators = useAsync(() => api.invoke('annotators:list', {}));
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const choose = (id: number): void => {
    onChosen(id).catch((e: unknown) => setError(errorMessage(e)));
  };
  const create = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      const created = await api.invoke('annotators:create', { name });
      await onChosen(created.id);
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  return (
    <div className="empty-state fp-gate" data-testid="annotator-gate">
      <p className="empty-state__lead">Who is annotating in this window?</p>
      <p className="muted">Every revision records its annotator; pick your profile or create one.</p>
      {(annotators.data ?? []).length > 0 && (
        <ul className="fp-gate__list">
          {(annotators.data ?? []).map((a) => (
            <li key={a.id}>
              <button
                type="button"
                className="secondary"
                data-testid="annotator-pick"
                onClick={() => choose(a.id)}
              >
                {a.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      <form className="form-row" onSubmit={(e) => void create(e)}>
        <label>
          New annotator
          <input
            data-testid="annotator-name"
            value={name}
            maxLength={200}
            autoFocus
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button type="submit" data-testid="annotator-create" disabled={name.trim() === ''}>
          Create and start
        </button>
      </form>
      {(error ?? annotators.error) && (
        <p className="error" role="alert">
          {error ?? annotators.error}
        </p>
      )}
    </div>
  );
}
