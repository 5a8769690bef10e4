import { useState } from 'react';
import type { AnnotationsCsvImportResult } from '../../shared/review';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { apiErrorOf } from '../features/save-errors';
import { useAsync } from '../hooks/use-async';
import { isAbsolutePath } from './export-path';
import { importErrorText, importSummary } from './export-view';
import type { ReviewScopeState } from './ScopePicker';

/**
 * Import of an annotation CSV in the original study's columns (`feat_id`, `description`, `languages`,
 * …) as one annotator's answers: a dry run first (rows, or the error naming row and column), then apply
 * (all or nothing).
 */
export function ImportCsvPanel({ scope }: { scope: ReviewScopeState }) {
  const annotators = useAsync(() => api.invoke('annotators:list', {}));
  const [path, setPath] = useState('');
  const [chosen, setChosen] = useState<number | null>(null);
  const annotatorId = chosen ?? annotators.data?.[0]?.id ?? null;
  const [result, setResult] = useState<{ key: string; value: AnnotationsCsvImportResult } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const run = scope.run;
  const key = `${run?.id ?? ''}|${scope.attribution?.id ?? ''}|${annotatorId ?? ''}|${path}`;
  const isChecked = result !== null && result.key === key && !result.value.isApplied;

  const submit = async (isDryRun: boolean): Promise<void> => {
    if (run === undefined || annotatorId === null) return;
    if (!isAbsolutePath(path)) return setError(`The CSV path must be absolute: "${path}".`);
    setIsBusy(true);
    setError(null);
    try {
      const value = await api.invoke('import:annotationsCsv', {
        runId: run.id,
        ...(scope.attribution === undefined ? {} : { attributionId: scope.attribution.id }),
        annotatorId,
        path,
        isDryRun,
      });
      setResult({ key, value });
    } catch (e) {
      setResult(null);
      setError(importErrorText(apiErrorOf(e), errorMessage(e)));
    } finally {
      setIsBusy(false);
    }
  };
  const shown = result?.key === key ? result.value : null;
  return (
    <section className="card" aria-labelledby="ex-import-title" data-testid="import-csv">
      <h2 id="ex-import-title">Import an annotation CSV</h2>
      <p className="muted small">
        Columns of the original study: <code>feat_id</code> and <code>description</code> (“-” for
        uninterpretable) required; <code>languages</code>, <code>interpretability</code>,{' '}
        <code>complexity</code> and others used when present. Features are matched by index on the chosen
        attribution.
      </p>
      <div className="form-row">
        <label className="wide rv-path">
          CSV file (absolute path)
          <input
            data-testid="import-path"
            value={path}
            spellCheck={false}
            onChange={(e) => setPath(e.target.value)}
          />
        </label>
        <label>
          As annotator
          <select
            data-testid="import-annotator"
            value={annotatorId ?? ''}
            disabled={(annotators.data ?? []).length === 0}
            onChange={(e) => setChosen(Number(e.target.value))}
          >
            {(annotators.data ?? []).length === 0 && <option value="">no annotator yet</option>}
            {(annotators.data ?? []).map((a) => (
              <option key={a.id} value={a.id}>
                {a.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="secondary"
          data-testid="import-check"
          disabled={isBusy || run === undefined || annotatorId === null || path.trim() === ''}
          onClick={() => void submit(true)}
        >
          Check (dry run)
        </button>
        <button
          type="button"
          data-testid="import-apply"
          disabled={isBusy || !isChecked || shown?.preview.every((r) => r.action === 'unchanged') === true}
          title={isChecked ? undefined : 'Check the file first'}
          onClick={() => void submit(false)}
        >
          Import
        </button>
      </div>
      {error && (
        <p className="error rv-pre" role="alert" data-testid="import-error">
          {error}
        </p>
      )}
      {shown && (
        <div data-testid="import-result" data-applied={shown.isApplied} data-rows={shown.rows}>
          <p className={shown.isApplied ? 'ok' : undefined}>{importSummary(shown)}</p>
          {shown.ignoredColumns.length > 0 && (
            <p className="muted small">Columns not used: {shown.ignoredColumns.join(', ')}</p>
          )}
          {shown.preview.length > 0 && (
            <div className="rv-scroll-y">
              <table className="table rv-table" data-testid="import-preview">
                <thead>
                  <tr>
                    <th scope="col" className="numbers">
                      Row
                    </th>
                    <th scope="col">Feature</th>
                    <th scope="col">Description</th>
                    <th scope="col">Languages</th>
                    <th scope="col">Action</th>
                  </tr>
                </thead>
                <tbody>
                  {shown.preview.map((r) => (
                    <tr key={r.row} data-action={r.action}>
                      <td className="numbers">{r.row}</td>
                      <td>#{r.featureIndex}</td>
                      <td className="rv-pre">{r.description}</td>
                      <td>{r.languages || '—'}</td>
                      <td className={r.action === 'new' ? undefined : 'muted'}>{r.action}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
