import type { AgreementReport, AnnotatorRatingSummary } from '../../shared/review';
import { agreementRows, annotatorBiasRows, formatSigned, formatStatistic } from './agreement-view';

/** Krippendorff's α and ICC(2,1) on the scope, then each annotator's bias and spread. */
export function AgreementPanel({
  report,
  error,
}: {
  report: AgreementReport | undefined;
  error: string | null;
}) {
  return (
    <section className="card" aria-labelledby="rv-agreement-title" data-testid="agreement-panel">
      <h2 id="rv-agreement-title">Agreement</h2>
      {error !== null ? (
        <p className="error" role="alert" data-testid="agreement-error">
          {error}
        </p>
      ) : report === undefined ? (
        <div className="fp-skeleton rv-skeleton" aria-busy="true" />
      ) : (
        <AgreementTables report={report} />
      )}
    </section>
  );
}

function AgreementTables({ report }: { report: AgreementReport }) {
  const rows = agreementRows(report);
  const bias = annotatorBiasRows(report.annotatorSummaries);
  return (
    <>
      <p className="muted small" data-testid="agreement-scope">
        Task {report.task} · {report.features} feature{report.features === 1 ? '' : 's'} answered by two or
        more annotators · {report.annotators.length} annotator{report.annotators.length === 1 ? '' : 's'}
        {report.annotators.length > 0 &&
          ` (${report.annotators.map((a) => `${a.name}: ${a.features}`).join(', ')})`}
      </p>
      <div className="rv-two">
        <table className="table rv-table" data-testid="agreement-table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              <th scope="col">Statistic</th>
              <th scope="col" className="numbers">
                Value
              </th>
              <th scope="col" className="numbers" title="features the statistic used">
                n units
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.key} data-testid={`agreement-${r.key}`} data-defined={r.isDefined}>
                <th scope="row">{r.label}</th>
                <td>{r.measure}</td>
                <td className={r.isDefined ? 'numbers rv-stat' : 'muted rv-stat'}>{r.text}</td>
                <td className="numbers">{r.stat.units}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <table className="table rv-table" data-testid="annotator-bias-table">
          <caption className="muted small">
            Bias: mean of own rating − the others’ mean on the same feature (+ rates higher). Spread: standard
            deviation of own ratings.
          </caption>
          <thead>
            <tr>
              <th scope="col" rowSpan={2}>
                Annotator
              </th>
              <th scope="colgroup" colSpan={3}>
                Interpretability
              </th>
              <th scope="colgroup" colSpan={3}>
                Complexity
              </th>
            </tr>
            <tr>
              {['int', 'cx'].map((k) => [
                <th key={`${k}n`} scope="col" className="numbers">
                  rated
                </th>,
                <th key={`${k}b`} scope="col" className="numbers">
                  bias
                </th>,
                <th key={`${k}s`} scope="col" className="numbers">
                  spread
                </th>,
              ])}
            </tr>
          </thead>
          <tbody>
            {bias.length === 0 && (
              <tr>
                <td colSpan={7} className="muted">
                  No ratings in scope yet.
                </td>
              </tr>
            )}
            {bias.map((row) => (
              <tr key={row.annotatorId} data-testid="annotator-bias-row">
                <th scope="row">{row.name}</th>
                <SummaryCells summary={row.interpretability} />
                <SummaryCells summary={row.complexity} />
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function SummaryCells({ summary }: { summary: AnnotatorRatingSummary | null }) {
  if (summary === null)
    return (
      <>
        <td className="numbers muted">0</td>
        <td className="muted">—</td>
        <td className="muted">—</td>
      </>
    );
  const cell = (text: string, isDefined: boolean) => (
    <td className={isDefined ? 'numbers' : 'muted small'}>{text}</td>
  );
  return (
    <>
      <td className="numbers">{summary.rated}</td>
      {cell(formatSigned(summary.bias), summary.bias.value !== null)}
      {cell(formatStatistic(summary.spread, 2), summary.spread.value !== null)}
    </>
  );
}
