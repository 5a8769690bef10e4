import type { AppInfo } from '../../shared/domain';
import { BundleBanner } from '../review/BundleBanner';
import { BundlePanel } from '../review/BundlePanel';
import { ExportTablePanel } from '../review/ExportTablePanel';
import { ImportCsvPanel } from '../review/ImportCsvPanel';
import { ScopePicker, useReviewScope } from '../review/ScopePicker';

/**
 * Export: a run's table as CSV, JSONL, LaTeX or Markdown (with provenance); import of the original
 * study's annotation CSVs; offline review bundles out and back in.
 */
export function ExportPage({ info }: { info: AppInfo | undefined }) {
  const scope = useReviewScope();
  const dataDir = info?.dataDir ?? null;
  return (
    <section className="page rv-page" aria-labelledby="export-title" data-testid="export-page">
      <h1 id="export-title">Export</h1>
      <BundleBanner />
      <div className="card">
        <ScopePicker scope={scope} idPrefix="export" />
      </div>
      <ExportTablePanel scope={scope} dataDir={dataDir} />
      <ImportCsvPanel scope={scope} />
      <BundlePanel dataDir={dataDir} runId={scope.run?.id ?? null} />
    </section>
  );
}
