import { api } from '../api/client';
import { useAsync } from '../hooks/use-async';

/** When the open project is an offline review bundle: say so, and where it came from. */
export function BundleBanner() {
  const identity = useAsync(() => api.invoke('bundle:identity', {}));
  const id = identity.data;
  if (id === undefined || id === null) return null;
  return (
    <div className="rv-banner" role="note" data-testid="bundle-banner">
      <strong>Review bundle.</strong> This project is an offline review bundle exported{' '}
      {new Date(id.exportedAt).toLocaleString()} by version {id.appVersion} (project{' '}
      <code>{id.projectUuid.slice(0, 8)}</code>, {id.runIds.length} run{id.runIds.length === 1 ? '' : 's'}).
      Models and activations are not here; annotate, comment and send the file back to be merged.
    </div>
  );
}
