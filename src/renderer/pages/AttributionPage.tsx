import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { AttributionMethod, AttributionSummary } from '../../shared/attribution';
import type { JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { CategoryChart, FeatureTimelineCharts, SensitivityChart } from '../charts/AttributionCharts';
import {
  areThresholdsValid,
  brushQueueName,
  categoryCounts,
  featuresInBox,
  featureTimeline,
  itemEffects,
  selectedFeatures,
  thresholdSensitivity,
  type Box,
} from '../charts/attribution-view';
import { BrushableScatter } from '../charts/BrushableScatter';
import { errorMessage } from '../components/format';
import { ProgressBar } from '../components/ProgressBar';
import { useAsync } from '../hooks/use-async';
import { WorkflowEmptyState } from './WorkflowPage';

const fixed = (x: number | null, digits = 3): string => (x === null ? '—' : x.toFixed(digits));

/**
 * Attribution: IE of every feature of a finished run on a minimal-pair task, per checkpoint, then the
 * lifecycle categories of the top-k features, RelIE against RelDec, and the thresholds' sensitivity.
 */
export function AttributionPage({ jobs, onOpenJobs }: { jobs: JobSnapshot[]; onOpenJobs: () => void }) {
  const runs = useAsync(() => api.invoke('runs:list', {}));
  const defaults = useAsync(() => api.invoke('attribution:defaults', {}));
  const finished = (runs.data ?? []).filter((r) => r.status === 'finished');
  const [runId, setRunId] = useState<string | null>(null);
  const run = finished.find((r) => r.id === runId) ?? finished[0];
  const [taskFile, setTaskFile] = useState<string | null>(null);
  const [method, setMethod] = useState<AttributionMethod>('ig');
  const [steps, setSteps] = useState('10');
  const [limit, setLimit] = useState('');
  const [startError, setStartError] = useState<string | null>(null);
  const [jobId, setJobId] = useState<string | null>(null);
  /** The result shown; the newest when none is picked. */
  const [resultId, setResultId] = useState<string | null>(null);
  const task = taskFile ?? defaults.data?.taskFiles[0] ?? '';

  const results = useAsync<AttributionSummary[]>(() =>
    run === undefined ? Promise.resolve([]) : api.invoke('attribution:list', { runId: run.id }),
  );
  const reloadResults = results.reload;
  const statesKey = jobs
    .filter((j) => j.kind === 'attribute')
    .map((j) => `${j.id}:${j.state}`)
    .join(',');
  useEffect(() => reloadResults(), [statesKey, run?.id, reloadResults]);
  const job = jobId === null ? undefined : jobs.find((j) => j.id === jobId);
  const shown = results.data?.find((s) => s.jobId === resultId) ?? results.data?.[0];

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (run === undefined) return;
    try {
      const started = await api.invoke('attribution:start', {
        runId: run.id,
        taskFile: task,
        method,
        ...(method === 'ig' ? { steps: Number(steps) } : {}),
        ...(limit.trim() === '' ? {} : { limit: Number(limit) }),
      });
      setStartError(null);
      setJobId(started.jobId);
      setResultId(null);
    } catch (e) {
      setStartError(errorMessage(e));
    }
  };

  return (
    <section className="page" aria-labelledby="attribution-title">
      <h1 id="attribution-title">Attribution</h1>
      {runs.error && (
        <p className="error" role="alert">
          {runs.error}
        </p>
      )}
      {runs.data !== undefined && finished.length === 0 && (
        <WorkflowEmptyState page="attribution" onOpenJobs={onOpenJobs} />
      )}
      {run !== undefined && (
        <form className="card" onSubmit={(e) => void start(e)} aria-labelledby="attribution-form-title">
          <h2 id="attribution-form-title">Attribute a run</h2>
          <div className="form-row">
            <label>
              Run
              <select
                data-testid="attr-run"
                value={run.id}
                onChange={(e) => {
                  setRunId(e.target.value);
                  setJobId(null);
                  setResultId(null);
                }}
              >
                {finished.map((r) => (
                  <option key={r.id} value={r.id}>
                    {r.name} ({r.type}, F={r.nFeatures})
                  </option>
                ))}
              </select>
            </label>
            <label className="wide">
              Task file
              <input
                data-testid="attr-task"
                value={task}
                list="attr-demo-tasks"
                onChange={(e) => setTaskFile(e.target.value)}
              />
              <datalist id="attr-demo-tasks">
                {(defaults.data?.taskFiles ?? []).map((f) => (
                  <option key={f} value={f} />
                ))}
              </datalist>
            </label>
          </div>
          <div className="form-row">
            <label>
              Method
              <select
                data-testid="attr-method"
                value={method}
                onChange={(e) => setMethod(e.target.value as AttributionMethod)}
              >
                <option value="ig">Integrated gradients</option>
                <option value="atp">Attribution patching</option>
              </select>
            </label>
            <label>
              Steps
              <input
                data-testid="attr-steps"
                type="number"
                min={1}
                max={100}
                value={method === 'atp' ? '1' : steps}
                disabled={method === 'atp'}
                onChange={(e) => setSteps(e.target.value)}
              />
            </label>
            <label>
              Pairs (max)
              <input
                data-testid="attr-limit"
                type="number"
                min={1}
                placeholder="all"
                value={limit}
                onChange={(e) => setLimit(e.target.value)}
              />
            </label>
            <button type="submit" data-testid="attr-start" disabled={job?.state === 'running'}>
              Attribute
            </button>
          </div>
          {startError && (
            <p className="error" role="alert" data-testid="attr-error">
              {startError}
            </p>
          )}
          {job !== undefined && (job.state === 'queued' || job.state === 'running') && (
            <div data-testid="attr-progress">
              <ProgressBar step={job.step} total={job.total} label="attribution progress" />
              <span className="muted">{job.message}</span>
            </div>
          )}
          {job !== undefined && (job.state === 'failed' || job.state === 'cancelled') && (
            <p className="error" role="alert" data-testid="attr-job-error">
              Attribution {job.state}
              {job.error ? `: ${job.error}` : '.'}
            </p>
          )}
          <p className="muted">
            With a zero decoder bias, zero-ablation IG through LayerNorm stays flat until the very end of the
            path; compare the error term with the total effect before trusting small IE.
          </p>
        </form>
      )}
      {shown !== undefined && (
        <>
          <div className="card form-row">
            <label className="wide">
              Result
              <select
                data-testid="attr-result-picker"
                value={shown.jobId}
                onChange={(e) => setResultId(e.target.value)}
              >
                {(results.data ?? []).map((s) => (
                  <option key={s.jobId} value={s.jobId}>
                    {resultLabel(s)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <AttributionResultView key={shown.jobId} summary={shown} />
        </>
      )}
    </section>
  );
}

const resultLabel = (s: AttributionSummary): string => {
  const when = s.finishedAt === null ? 'unfinished' : new Date(s.finishedAt).toLocaleString();
  const how = s.method === 'atp' ? 'AtP' : `IG ${s.steps} steps`;
  return `${when} · ${s.taskFile.split(/[\\/]/).pop() ?? s.taskFile} · ${how} · ${s.result.n} pairs`;
};

const taskName = (s: AttributionSummary): string =>
  (s.taskFile.split(/[\\/]/).pop() ?? s.taskFile).replace(/\.jsonl$/, '');

function AttributionResultView({ summary }: { summary: AttributionSummary }) {
  const [selected, setSelected] = useState<number | null>(null);
  const [box, setBox] = useState<Box | null>(null);
  const [low, setLow] = useState('0.3');
  const [high, setHigh] = useState('0.7');
  const [k, setK] = useState('10');
  const result = summary.result;
  const m = result.ie.length as 2 | 3;
  const labels = result.provenance.revisions.map((r) => r.revision);
  const thresholds = { low: Number(low), high: Number(high) };
  const isValid = areThresholdsValid(thresholds);
  const topK = Math.max(1, Math.floor(Number(k)) || 10);
  const features = useMemo(
    () => (isValid ? selectedFeatures(result, topK, thresholds) : []),
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [result, topK, low, high, isValid],
  );
  const sensitivity = useMemo(
    () =>
      isValid
        ? thresholdSensitivity(
            result.ie,
            features.map((f) => f.feature),
            thresholds,
          )
        : [],
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [result, features, low, high, isValid],
  );
  const shareLabel =
    m === 2
      ? `share of ${labels[1] ?? 'the later checkpoint'}`
      : `share of ${labels[2] ?? 'the last checkpoint'}`;
  return (
    <section className="card" aria-labelledby="attribution-result-title" data-testid="attribution-result">
      <h2 id="attribution-result-title">
        {summary.method === 'atp' ? 'Attribution patching' : `Integrated gradients (${summary.steps} steps)`}{' '}
        · {summary.taskFile.split(/[\\/]/).pop()}
      </h2>
      <p className="muted" data-testid="attribution-summary">
        {result.n} pairs ({result.skipped} skipped) · layer {result.provenance.layer} · checkpoints{' '}
        {labels.join(', ')} · metric clean {result.metricClean.map((v) => fixed(v)).join(' / ')}, ablated{' '}
        {result.metricAblated.map((v) => fixed(v)).join(' / ')}, error IE{' '}
        {result.errorIe.map((v) => fixed(v)).join(' / ')}
      </p>
      <div className="form-row">
        <label>
          Low
          <input
            data-testid="attr-low"
            type="number"
            step={0.05}
            value={low}
            onChange={(e) => setLow(e.target.value)}
          />
        </label>
        <label>
          High
          <input
            data-testid="attr-high"
            type="number"
            step={0.05}
            value={high}
            onChange={(e) => setHigh(e.target.value)}
          />
        </label>
        <label>
          Top k per checkpoint
          <input
            data-testid="attr-k"
            type="number"
            min={1}
            value={k}
            onChange={(e) => setK(e.target.value)}
          />
        </label>
      </div>
      {!isValid ? (
        <p className="error" role="alert" data-testid="attr-threshold-error">
          Thresholds must satisfy 0 ≤ low &lt; high ≤ 1.
        </p>
      ) : (
        <>
          <div className="chart-grid">
            <CategoryChart counts={categoryCounts(features, m)} />
            <BrushableScatter
              features={features}
              label={shareLabel}
              box={box}
              brushed={new Set(box === null ? [] : featuresInBox(features, box))}
              onBrush={setBox}
            />
            <SensitivityChart rows={sensitivity} />
          </div>
          <BrushPanel
            summary={summary}
            box={box}
            features={box === null ? [] : featuresInBox(features, box)}
            onBox={setBox}
          />
          <DashboardsPanel summary={summary} features={features.map((f) => f.feature)} />
          <table className="table" data-testid="attribution-table">
            <thead>
              <tr>
                <th>Feature</th>
                {labels.map((l) => (
                  <th key={l}>IE {l}</th>
                ))}
                <th>RelIE</th>
                <th>RelDec</th>
                <th>Category</th>
              </tr>
            </thead>
            <tbody>
              {features.map((f) => (
                <tr
                  key={f.feature}
                  data-testid="attribution-row"
                  data-category={f.category}
                  data-feature={f.feature}
                  className={selected === f.feature ? 'selected clickable' : 'clickable'}
                  tabIndex={0}
                  aria-selected={selected === f.feature}
                  onClick={() => setSelected(f.feature)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') {
                      e.preventDefault();
                      setSelected(f.feature);
                    }
                  }}
                >
                  <td>{f.feature}</td>
                  {f.ie.map((v, i) => (
                    <td key={i}>{v.toExponential(2)}</td>
                  ))}
                  <td>
                    {f.relIE === null
                      ? '—'
                      : Array.isArray(f.relIE)
                        ? f.relIE.map((v) => v.toFixed(2)).join(' / ')
                        : f.relIE.toFixed(2)}
                  </td>
                  <td>{(result.relDec[f.feature] ?? []).map((v) => fixed(v, 2)).join(' / ')}</td>
                  <td>{f.category}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {selected !== null && (
            <FeatureTimelinePanel
              summary={summary}
              feature={selected}
              thresholds={thresholds}
              onClose={() => setSelected(null)}
            />
          )}
          <ItemEffectsPanel summary={summary} onFeature={setSelected} />
        </>
      )}
    </section>
  );
}

/**
 * The brush as numbers (keyboard users type the box) and the step that turns the brushed features into
 * a named annotation queue for the Features page.
 */
function BrushPanel({
  summary,
  box,
  features,
  onBox,
}: {
  summary: AttributionSummary;
  box: Box | null;
  features: number[];
  onBox: (box: Box | null) => void;
}) {
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ text: string; isError: boolean } | null>(null);
  const current = box ?? { x0: 0, x1: 1, y0: 0, y1: 1 };
  const field = (key: keyof Box, label: string) => (
    <label>
      {label}
      <input
        data-testid={`brush-${key}`}
        type="number"
        min={0}
        max={1}
        step={0.05}
        value={box === null ? '' : current[key]}
        placeholder={String(current[key])}
        onChange={(e) => {
          const v = Number(e.target.value);
          if (e.target.value !== '' && Number.isFinite(v)) onBox({ ...current, [key]: v });
        }}
      />
    </label>
  );
  const create = async (): Promise<void> => {
    if (box === null || features.length === 0) return;
    try {
      const queue = await api.invoke('queues:create', {
        runId: summary.runId,
        attributionId: summary.jobId,
        name: name.trim() === '' ? brushQueueName(taskName(summary), box, features.length) : name.trim(),
        featureIndices: features,
      });
      setMessage({
        text: `Queue "${queue.name}" made with ${queue.featureIndices.length} features; pick it on the Features page.`,
        isError: false,
      });
      setName('');
    } catch (e) {
      setMessage({ text: errorMessage(e), isError: true });
    }
  };
  return (
    <section className="card" aria-labelledby="brush-title" data-testid="brush-panel">
      <h3 id="brush-title">Brushed features → annotation queue</h3>
      <div className="form-row">
        {field('y0', 'RelIE from')}
        {field('y1', 'RelIE to')}
        {field('x0', 'RelDec from')}
        {field('x1', 'RelDec to')}
        <button type="button" data-testid="brush-clear" onClick={() => onBox(null)} disabled={box === null}>
          Clear
        </button>
      </div>
      <p className="muted" data-testid="brush-count" data-count={features.length}>
        {box === null
          ? 'Drag on the scatter, or type a box, to pick features.'
          : `${features.length} features in the box: ${features.slice(0, 30).join(', ')}${features.length > 30 ? ', …' : ''}`}
      </p>
      <div className="form-row">
        <label className="wide">
          Queue name
          <input
            data-testid="brush-queue-name"
            value={name}
            placeholder={box === null ? '' : brushQueueName(taskName(summary), box, features.length)}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button
          type="button"
          data-testid="brush-make-queue"
          disabled={box === null || features.length === 0}
          onClick={() => void create()}
        >
          Make annotation queue
        </button>
      </div>
      {message && (
        <p
          className={message.isError ? 'error' : 'muted'}
          role={message.isError ? 'alert' : 'status'}
          data-testid="brush-message"
        >
          {message.text}
        </p>
      )}
    </section>
  );
}

/** Starts a `dashboards` job for the selected features (contexts, quantiles, logit effects). */
function DashboardsPanel({ summary, features }: { summary: AttributionSummary; features: number[] }) {
  const [message, setMessage] = useState<{ text: string; isError: boolean } | null>(null);
  const start = async (): Promise<void> => {
    try {
      const { jobId } = await api.invoke('features:startDashboards', {
        runId: summary.runId,
        attributionId: summary.jobId,
        features,
      });
      setMessage({ text: `Dashboards job ${jobId} started; follow it in the status bar.`, isError: false });
    } catch (e) {
      setMessage({ text: errorMessage(e), isError: true });
    }
  };
  return (
    <div className="form-row" data-testid="dashboards-panel">
      <button
        type="button"
        data-testid="dashboards-start"
        disabled={features.length === 0}
        onClick={() => void start()}
      >
        Compute dashboards for the {features.length} selected features
      </button>
      {message && (
        <span className={message.isError ? 'error' : 'muted'} role={message.isError ? 'alert' : 'status'}>
          {message.text}
        </span>
      )}
    </div>
  );
}

/** Per item: for one sentence pair, which features carry the effect in each checkpoint. */
function ItemEffectsPanel({
  summary,
  onFeature,
}: {
  summary: AttributionSummary;
  onFeature: (feature: number) => void;
}) {
  const items = summary.result.items ?? [];
  const [item, setItem] = useState<number | null>(null);
  if (items.length === 0) {
    return (
      <p className="muted" data-testid="item-effects-none">
        This result kept no per-pair effects (attribute again to see which features carry each pair).
      </p>
    );
  }
  const chosen = items.find((x) => x.item === item) ?? items[0]!;
  const effects = itemEffects(summary.result, chosen.item);
  const labels = summary.result.provenance.revisions.map((r) => r.revision);
  return (
    <section className="card" aria-labelledby="item-effects-title" data-testid="item-effects">
      <h3 id="item-effects-title">Per pair: which features carry the effect</h3>
      <label className="wide">
        Pair
        <select
          data-testid="item-picker"
          value={chosen.item}
          onChange={(e) => setItem(Number(e.target.value))}
        >
          {items.map((x) => (
            <option key={x.item} value={x.item}>
              #{x.item} · {x.good}
            </option>
          ))}
        </select>
      </label>
      <p data-testid="item-sentences">
        <span className="ok">✓ {chosen.good}</span>
        <br />
        <span className="error">✗ {chosen.bad}</span>
      </p>
      <p className="muted">
        Metric logit(wrong) − logit(right) per checkpoint:{' '}
        {chosen.metricClean.map((v, m) => `${labels[m] ?? m}: ${v.toFixed(2)}`).join(' · ')}. Positive IE:
        removing the feature raises the metric, i.e. the feature supports the right answer.
      </p>
      <div className="item-effects">
        {effects.map((row, m) => (
          <table className="table" key={m} data-testid="item-effects-checkpoint">
            <caption>{labels[m] ?? `checkpoint ${m + 1}`}</caption>
            <thead>
              <tr>
                <th>Feature</th>
                <th>IE</th>
                <th aria-label="bar" />
              </tr>
            </thead>
            <tbody>
              {row.map((x) => (
                <tr
                  key={x.feature}
                  className="clickable"
                  tabIndex={0}
                  onClick={() => onFeature(x.feature)}
                  onKeyDown={(e) => {
                    if (e.key === 'Enter') onFeature(x.feature);
                  }}
                >
                  <td>{x.feature}</td>
                  <td>{x.ie.toExponential(2)}</td>
                  <td>
                    <span
                      className={x.ie < 0 ? 'item-effect-bar negative' : 'item-effect-bar'}
                      style={{ width: `${Math.round(x.width * 80)}px` }}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ))}
      </div>
    </section>
  );
}

function FeatureTimelinePanel({
  summary,
  feature,
  thresholds,
  onClose,
}: {
  summary: AttributionSummary;
  feature: number;
  thresholds: { low: number; high: number };
  onClose: () => void;
}) {
  const timeline = featureTimeline(summary.result, feature, thresholds);
  return (
    <section
      className="card"
      aria-labelledby="attribution-timeline-title"
      data-testid="attribution-timeline"
      data-axis={timeline.axis}
    >
      <div className="form-row">
        <h3 id="attribution-timeline-title">Feature {feature} over training</h3>
        <button type="button" data-testid="timeline-close" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted" data-testid="timeline-lifecycle">
        Category <strong>{timeline.category}</strong> · bucket <strong>{timeline.bucket ?? '—'}</strong> ·
        checkpoints {timeline.points.map((p) => p.revision).join(', ')}
      </p>
      {timeline.axis === 'order' && (
        <p className="muted" data-testid="timeline-order-note">
          Not every checkpoint records how many tokens it has seen, so the x axis is checkpoint order.
        </p>
      )}
      <FeatureTimelineCharts timeline={timeline} />
    </section>
  );
}
