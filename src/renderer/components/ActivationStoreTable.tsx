import type { ActivationStoreSummary } from '../../shared/activation-stores';
import { formatTokens } from './format';

function StoreState({ store }: { store: ActivationStoreSummary }) {
  if (store.isExtracting) return <span className="badge badge--running">extracting</span>;
  if (store.isComplete) {
    return (
      <span
        className="badge badge--succeeded"
        title={store.corpusExhausted ? 'the corpus ran out' : undefined}
      >
        complete{store.corpusExhausted && ' (corpus ended)'}
      </span>
    );
  }
  return (
    <span className="badge badge--failed" title="Start the same extraction again to resume it.">
      incomplete: start it again to resume
    </span>
  );
}

/** Activation stores with what a crosscoder needs to know: checkpoints, layer, rows, scale factors. */
export function ActivationStoreTable({ stores }: { stores: ActivationStoreSummary[] }) {
  return (
    <table className="table stores" data-testid="activation-stores">
      <thead>
        <tr>
          <th scope="col">Store</th>
          <th scope="col">Checkpoints</th>
          <th scope="col">Layer</th>
          <th scope="col">Rows</th>
          <th scope="col">d</th>
          <th scope="col">Scale s_m</th>
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {stores.map((s) => (
          <tr
            key={s.dir}
            data-testid="activation-store"
            data-dir={s.dir}
            data-complete={s.isComplete}
            title={s.dir}
          >
            <th scope="row">
              {s.name}
              <div className="muted small">
                {s.dtype}, context {s.context}
              </div>
            </th>
            <td>{s.revisions.map((r) => r.revision).join(', ')}</td>
            <td>{s.layer}</td>
            <td>
              {formatTokens(s.rows)}
              {s.rows < s.tokens && <span className="muted"> of {formatTokens(s.tokens)}</span>}
            </td>
            <td>{s.dModel}</td>
            <td className="numbers">{s.scale.map((x) => x.toPrecision(3)).join(', ')}</td>
            <td>
              <StoreState store={s} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
