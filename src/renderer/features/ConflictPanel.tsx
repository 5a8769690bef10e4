import type { AnnotationFields, AnnotationRevision } from '../../shared/domain';
import { formatLanguages } from '../../shared/languages';
import { changedFields, clockTime, fieldLabels, type FormFieldKey } from './form-model';

/** A value as one short line, for comparing two records side by side. */
export function fieldText(fields: AnnotationFields, key: FormFieldKey): string {
  const value = fields[key];
  if (key === 'languages') return formatLanguages(fields.languages, fields.isAllLanguages) || '—';
  if (value === null || value === '') return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return String(value);
}

/** Their revision (saved in another window) against mine: keep mine (save over) or take theirs. */
export function ConflictPanel({
  mine,
  theirs,
  onKeepMine,
  onTakeTheirs,
}: {
  mine: AnnotationFields;
  theirs: AnnotationRevision;
  onKeepMine: () => void;
  onTakeTheirs: () => void;
}) {
  const differ = changedFields(theirs.fields, mine).filter((k) => k !== 'timeSpentMs');
  return (
    <div
      className="fp-conflict"
      role="alertdialog"
      aria-labelledby="fp-conflict-title"
      data-testid="conflict"
    >
      <h3 id="fp-conflict-title">Changed in another window</h3>
      <p className="small">
        Revision {theirs.revision} was saved at {clockTime(theirs.createdAt)} while you were editing. Nothing
        was overwritten; choose which to keep.
      </p>
      <table className="table fp-conflict__table">
        <thead>
          <tr>
            <th>Field</th>
            <th>Theirs (rev {theirs.revision})</th>
            <th>Yours</th>
          </tr>
        </thead>
        <tbody>
          {differ.length === 0 ? (
            <tr>
              <td colSpan={3} className="muted">
                Same values.
              </td>
            </tr>
          ) : (
            differ.map((k) => (
              <tr key={k}>
                <td>{fieldLabels[k]}</td>
                <td data-testid="conflict-theirs">{fieldText(theirs.fields, k)}</td>
                <td data-testid="conflict-mine">{fieldText(mine, k)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>
      <div className="fp-actions">
        <button type="button" data-testid="conflict-keep-mine" onClick={onKeepMine}>
          Keep mine (save over)
        </button>
        <button type="button" className="secondary" data-testid="conflict-take-theirs" onClick={onTakeTheirs}>
          Take theirs
        </button>
      </div>
    </div>
  );
}
