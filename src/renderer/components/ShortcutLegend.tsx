import { Fragment } from 'react';
import { featureShortcuts } from '../features/keymap';
import { pages } from '../pages/pages';
import { reviewShortcuts } from '../review/review-keymap';

export function ShortcutLegend({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        className="modal shortcut-legend"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="table">
          <tbody>
            {pages.map((p) => (
              <tr key={p.id}>
                <td>
                  <kbd>Alt</kbd>+<kbd>{p.key}</kbd>
                </td>
                <td>{p.title}</td>
              </tr>
            ))}
            <tr>
              <td>
                <kbd>?</kbd>
              </td>
              <td>Show or hide this legend</td>
            </tr>
            <tr>
              <td>
                <kbd>Esc</kbd>
              </td>
              <td>Close dialogs and messages</td>
            </tr>
          </tbody>
        </table>
        <h3>Features &amp; annotation</h3>
        <p className="muted small">
          Ctrl and Alt shortcuts work while typing; single keys work when no text field has focus.
        </p>
        <ShortcutTable rows={featureShortcuts} testId="legend-features" />
        <h3>Review</h3>
        <ShortcutTable rows={reviewShortcuts} testId="legend-review" />
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}

function ShortcutTable({
  rows,
  testId,
}: {
  rows: ReadonlyArray<{ keys: string[][]; description: string }>;
  testId: string;
}) {
  return (
    <table className="table" data-testid={testId}>
      <tbody>
        {rows.map((s) => (
          <tr key={s.description}>
            <td>
              {s.keys.map((combo, i) => (
                <Fragment key={i}>
                  {i > 0 && ' or '}
                  {combo.map((k, j) => (
                    <Fragment key={j}>
                      {j > 0 && '+'}
                      <kbd>{k}</kbd>
                    </Fragment>
                  ))}
                </Fragment>
              ))}
            </td>
            <td>{s.description}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
