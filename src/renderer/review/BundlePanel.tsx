import { useState } from 'react';
import type { BundleConflict, BundleExportResult, BundleMergePlan } from '../../shared/review';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { useKeyedAsync } from '../features/use-keyed-async';
import { formatBytes, isNothingToMerge, planLines } from './bundle-view';
import { defaultBundlePath, isAbsolutePath } from './export-path';

/**
 * Offline review bundles: export one SQLite file (features, dashboards data, annotations) for a
 * reviewer without the models; preview a returned bundle (what merges, the conflicts) and merge it.
 */
export function BundlePanel({ dataDir, runId }: { dataDir: string | null; runId: string | null }) {
  return (
    <section className="card" aria-labelledby="ex-bundle-title" data-testid="bundles">
      <h2 id="ex-bundle-title">Review bundles</h2>
      <BundleExport dataDir={dataDir} runId={runId} />
      <BundleMerge />
    </section>
  );
}

function BundleExport({ dataDir, runId }: { dataDir: string | null; runId: string | null }) {
  const [typedPath, setTypedPath] = useState<string | null>(null);
  const [stamp, setStamp] = useState(() => new Date());
  const [runs, setRuns] = useState<'all' | 'this'>('all');
  const [result, setResult] = useState<BundleExportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const path = typedPath ?? (dataDir === null ? '' : defaultBundlePath(dataDir, stamp));

  const write = async (): Promise<void> => {
    if (!isAbsolutePath(path)) return setError(`The bundle path must be absolute: "${path}".`);
    setIsBusy(true);
    setError(null);
    try {
      const value = await api.invoke('bundle:export', {
        path,
        ...(runs === 'this' && runId !== null ? { runIds: [runId] } : {}),
      });
      setResult(value);
      setStamp(new Date());
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setIsBusy(false);
    }
  };
  return (
    <div className="rv-section" data-testid="bundle-export">
      <h3>Export a bundle</h3>
      <div className="form-row">
        <label className="wide rv-path">
          Bundle file (absolute path)
          <input
            data-testid="bundle-export-path"
            value={path}
            spellCheck={false}
            onChange={(e) => setTypedPath(e.target.value)}
          />
        </label>
        <label>
          Runs
          <select
            data-testid="bundle-runs"
            value={runs}
            onChange={(e) => setRuns(e.target.value as 'all' | 'this')}
          >
            <option value="all">every run with features</option>
            <option value="this" disabled={runId === null}>
              the run above only
            </option>
          </select>
        </label>
        <button
          type="button"
          data-testid="bundle-export-write"
          disabled={isBusy || path.trim() === ''}
          onClick={() => void write()}
        >
          {isBusy ? 'Writing…' : 'Export bundle'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="bundle-export-error">
          {error}
        </p>
      )}
      {result && (
        <p className="ok" data-testid="bundle-export-result" data-path={result.path}>
          Wrote <code>{result.path}</code> ({formatBytes(result.bytes)}): {result.features} features,{' '}
          {result.dashboards} dashboards, {result.revisions} annotation revisions from{' '}
          {result.identity.runIds.length} run{result.identity.runIds.length === 1 ? '' : 's'}. Send it to the
          reviewer; they open it with <code>ctt serve --project FILE</code>.
        </p>
      )}
    </div>
  );
}

function BundleMerge() {
  const [path, setPath] = useState('');
  const [plan, setPlan] = useState<BundleMergePlan | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const isPlanCurrent = plan !== null && plan.path === path.trim();

  const run = async (channel: 'bundle:preview' | 'bundle:merge'): Promise<void> => {
    if (!isAbsolutePath(path)) return setError(`The bundle path must be absolute: "${path}".`);
    setIsBusy(true);
    setError(null);
    try {
      setPlan(await api.invoke(channel, { path: path.trim() }));
    } catch (e) {
      setPlan(null);
      setError(errorMessage(e));
    } finally {
      setIsBusy(false);
    }
  };
  const canMerge = plan !== null && isPlanCurrent && !plan.isApplied && !isNothingToMerge(plan);
  return (
    <div className="rv-section" data-testid="bundle-merge">
      <h3>Merge a returned bundle</h3>
      <div className="form-row">
        <label className="wide rv-path">
          Bundle file (absolute path)
          <input
            data-testid="bundle-merge-path"
            value={path}
            spellCheck={false}
            onChange={(e) => setPath(e.target.value)}
          />
        </label>
        <button
          type="button"
          className="secondary"
          data-testid="bundle-preview"
          disabled={isBusy || path.trim() === ''}
          onClick={() => void run('bundle:preview')}
        >
          Preview
        </button>
        <button
          type="button"
          data-testid="bundle-merge-apply"
          disabled={isBusy || !canMerge}
          title={canMerge ? undefined : 'Preview the bundle first'}
          onClick={() => void run('bundle:merge')}
        >
          Merge
        </button>
      </div>
      <p className="muted small">
        Merging only appends: the bundle’s newer revisions, comments and gold records are added; where the
        same annotator edited a feature both here and in the bundle, both revisions are kept.
      </p>
      {error && (
        <p className="error rv-pre" role="alert" data-testid="bundle-merge-error">
          {error}
        </p>
      )}
      {plan && <MergePlan plan={plan} />}
    </div>
  );
}

function MergePlan({ plan }: { plan: BundleMergePlan }) {
  const isEmpty = isNothingToMerge(plan);
  return (
    <div
      data-testid="bundle-plan"
      data-applied={plan.isApplied}
      data-empty={isEmpty}
      data-conflicts={plan.conflicts.length}
    >
      <p className="small muted">
        Bundle of project <code>{plan.identity.projectUuid.slice(0, 8)}</code>, exported{' '}
        {new Date(plan.identity.exportedAt).toLocaleString()} (version {plan.identity.appVersion}, schema{' '}
        {plan.identity.schemaVersion}).
      </p>
      {isEmpty ? (
        <p data-testid="bundle-nothing">
          {plan.isApplied
            ? 'Merged: nothing was new.'
            : 'Nothing to merge: the bundle holds no change made after its export.'}
        </p>
      ) : (
        <ul className="rv-lines" data-testid="bundle-plan-lines">
          {planLines(plan).map((l) => (
            <li key={l}>{l}</li>
          ))}
        </ul>
      )}
      {plan.conflicts.length > 0 && (
        <table className="table rv-table" data-testid="bundle-conflicts">
          <caption className="small muted">
            Edited here and in the bundle after the export: both revisions are kept, the bundle’s appended
            after the one made here (so it becomes the annotator’s current answer).
          </caption>
          <thead>
            <tr>
              <th scope="col">Run</th>
              <th scope="col">Feature</th>
              <th scope="col">Annotator</th>
              <th scope="col">Here</th>
              <th scope="col">In the bundle</th>
            </tr>
          </thead>
          <tbody>
            {plan.conflicts.map((c) => (
              <ConflictRow
                key={`${c.featureId}|${c.homeRevisionId}|${c.bundleRevisionId}`}
                conflict={c}
                isApplied={plan.isApplied}
              />
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

/**
 * One conflict, the two revisions side by side. The home revision's description is read from the
 * feature's history; the bundle's too once merged (before that it lives only in the bundle file).
 */
function ConflictRow({ conflict: c, isApplied }: { conflict: BundleConflict; isApplied: boolean }) {
  const history = useKeyedAsync(String(c.featureId), () =>
    api.invoke('annotations:history', { featureId: c.featureId }),
  );
  const describe = (revisionId: number) => {
    const revision = history.data?.find((r) => r.id === revisionId);
    return revision === undefined ? null : revision.fields.description || '(no description)';
  };
  const home = describe(c.homeRevisionId);
  // Before the merge the bundle's id numbers a row of the bundle file, not of this project.
  const bundle = isApplied ? describe(c.bundleRevisionId) : null;
  return (
    <tr data-testid="bundle-conflict">
      <td>{c.runId}</td>
      <td>#{c.featureIndex}</td>
      <td>{c.annotatorName}</td>
      <td className="rv-pre">
        <span className="muted small">rev id {c.homeRevisionId}</span>
        {home !== null && <div>{home}</div>}
      </td>
      <td className="rv-pre">
        <span className="muted small">rev id {c.bundleRevisionId}</span>
        {bundle !== null && <div>{bundle}</div>}
      </td>
    </tr>
  );
}
