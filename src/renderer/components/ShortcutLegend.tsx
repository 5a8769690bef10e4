import { pages } from '../pages/pages';

export function ShortcutLegend({ onClose }: { onClose: () => void }) {
  return (
    <div className="modal-backdrop" role="presentation" onClick={onClose}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label="Keyboard shortcuts"
        onClick={(e) => e.stopPropagation()}
      >
        <h2>Keyboard shortcuts</h2>
        <table className="table">
          <tbody>
            {pages.map((p, i) => (
              <tr key={p.id}>
                <td>
                  <kbd>Alt</kbd>+<kbd>{i + 1}</kbd>
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
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
