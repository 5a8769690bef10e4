import { useState } from 'react';
import type { ExportFormat, ExportResult } from '../../shared/review';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { defaultExportPath, isAbsolutePath, withFormatExtension } from './export-path';
import { previewLinesOf } from './export-view';
import type { ReviewScopeState } from './ScopePicker';

const formatLabels: Record<ExportFormat, string> = {
  csv: 'CSV',
  jsonl: 'JSONL',
  latex: 'LaTeX (booktabs)',
  md: 'Markdown',
};

/** A run's table (per feature: IE per checkpoint, RelIE, category, annotation, agreement) to a file. */
export function ExportTablePanel({ scope, dataDir }: { scope: ReviewScopeState; dataDir: string | null }) {
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [features, setFeatures] = useState<'selected' | 'all'>('selected');
  /** The typed path; null while the default (under the data folder) is used. */
  const [typedPath, setTypedPath] = useState<string | null>(null);
  const [stamp, setStamp] = useState(() => new Date());
  const [result, setResult] = useState<ExportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const run = scope.run;
  const defaultPath =
    dataDir === null || run === undefined
      ? ''
      : defaultExportPath(dataDir, run.name, scope.attribution?.task ?? null, format, stamp);
  const path = typedPath ?? defaultPath;

  const write = async (): Promise<void> => {
    if (run === undefined) return;
    if (!isAbsolutePath(path)) return setError(`The output path must be absolute: "${path}".`);
    setIsBusy(true);
    setError(null);
    try {
      const written = await api.invoke('export:write', {
        runId: run.id,
        ...(scope.attribution === undefined ? {} : { attributionId: scope.attribution.id }),
        format,
        path,
        features,
      });
      setResult(written);
      // The next default gets a new time, so a second export does not replace this one.
      setStamp(new Date());
    } catch (e) {
      setResult(null);
      setError(errorMessage(e));
    } finally {
      setIsBusy(false);
    }
  };
  const preview = result === null ? null : previewLinesOf(result);
  return (
    <section className="card" aria-labelledby="ex-table-title" data-testid="export-table">
      <h2 id="ex-table-title">Export a table</h2>
      <div className="form-row">
        <label>
          Format
          <select
            data-testid="export-format"
            value={format}
            onChange={(e) => {
              const next = e.target.value as ExportFormat;
              setFormat(next);
              if (typedPath !== null) setTypedPath(withFormatExtension(typedPath, next));
            }}
          >
            {(Object.keys(formatLabels) as ExportFormat[]).map((f) => (
              <option key={f} value={f}>
                {formatLabels[f]}
              </option>
            ))}
          </select>
        </label>
        <label>
          Features
          <select
            data-testid="export-features"
            value={features}
            onChange={(e) => setFeatures(e.target.value as 'selected' | 'all')}
          >
            <option value="selected">selected (top-k)</option>
            <option value="all">all indexed</option>
          </select>
        </label>
        <label className="wide rv-path">
          Output file (absolute path)
          <input
            data-testid="export-path"
            value={path}
            spellCheck={false}
            aria-invalid={path !== '' && !isAbsolutePath(path)}
            onChange={(e) => setTypedPath(e.target.value)}
          />
        </label>
        {typedPath !== null && (
          <button type="button" className="link" onClick={() => setTypedPath(null)}>
            default path
          </button>
        )}
        <button
          type="button"
          data-testid="export-write"
          disabled={isBusy || run === undefined || path.trim() === ''}
          onClick={() => void write()}
        >
          {isBusy ? 'Writing…' : 'Export'}
        </button>
      </div>
      <p className="muted small">
        Each file carries its provenance (model, checkpoints and tokens seen, layer, run config hash,
        thresholds, app version, time). LaTeX groups rows by lifecycle category as in the paper.
      </p>
      {error && (
        <p className="error" role="alert" data-testid="export-error">
          {error}
        </p>
      )}
      {result && (
        <div data-testid="export-result" data-rows={result.rows} data-path={result.path}>
          <p className="ok">
            Wrote {result.rows} row{result.rows === 1 ? '' : 's'} ({formatLabels[result.format]}) to{' '}
            <code data-testid="export-result-path">{result.path}</code>
          </p>
          {preview !== null && (
            <pre className="rv-preview" data-testid="export-preview">
              {preview.join('\n')}
            </pre>
          )}
        </div>
      )}
    </section>
  );
}
