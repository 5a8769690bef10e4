import { useState } from 'react';
import type { AnnotationRevision } from '../../shared/domain';
import { api } from '../api/client';
import { fieldLabels, type FormFieldKey } from './form-model';
import { useKeyedAsync } from './use-keyed-async';

/** Revisions of this annotator's record of a feature, newest first, each restorable as a new revision. */
export function HistoryPanel({
  featureId,
  annotatorId,
  annotatorName,
  revision,
  onRestore,
}: {
  featureId: number;
  annotatorId: number;
  annotatorName: string;
  /** The latest saved revision: the list reloads when it moves. */
  revision: number;
  onRestore: (revision: AnnotationRevision) => void;
}) {
  const [isOpen, setIsOpen] = useState(false);
  const history = useKeyedAsync(isOpen ? `${featureId}|${annotatorId}|${revision}` : null, () =>
    api.invoke('annotations:history', { featureId, annotatorId }),
  );
  const revisions = [...(history.data ?? [])].sort((a, b) => b.revision - a.revision);
  return (
    <details className="fp-section" data-testid="history" onToggle={(e) => setIsOpen(e.currentTarget.open)}>
      <summary>
        <h3>History</h3>
      </summary>
      {history.error && <p className="error small">{history.error}</p>}
      {isOpen && history.data === undefined && history.error === null && (
        <p className="muted small">Loading…</p>
      )}
      {history.data !== undefined && revisions.length === 0 && (
        <p className="muted small">No revision yet.</p>
      )}
      <ol className="fp-history">
        {revisions.map((r, i) => (
          <li key={r.id} data-testid="history-row">
            <span className="numbers">rev {r.revision}</span> · {annotatorName} ·{' '}
            <time dateTime={r.createdAt}>{new Date(r.createdAt).toLocaleString()}</time>
            <div className="muted small">
              {r.revision === 1
                ? 'first version'
                : r.changed.length === 0
                  ? 'no field changed'
                  : r.changed.map((k) => fieldLabels[k as FormFieldKey] ?? k).join(', ')}
            </div>
            {i > 0 && (
              <button
                type="button"
                className="link small"
                data-testid="history-restore"
                onClick={() => onRestore(r)}
              >
                restore this version
              </button>
            )}
          </li>
        ))}
      </ol>
    </details>
  );
}
