import { useMemo, useState, type FormEvent } from 'react';
import {
  isJobFinished,
  taskAccuracyParamsSchema,
  taskAccuracyResultSchema,
  type JobSnapshot,
  type ModelWithCheckpoints,
} from '../../shared/domain';
import { languageSeries } from '../../shared/language-accuracy';
import { languageName } from '../../shared/languages';
import type { ApiError } from '../../shared/result';
import { api, ApiCallError } from '../api/client';
import { AccuracyChart } from '../charts/AccuracyChart';
import { formatTime } from './format';
import { ProgressBar } from './ProgressBar';
import { TaskItemTable } from './TaskItemTable';

type Policy = 'multiToken' | 'singleTokenOnly';

/** The family a taskAccuracy job scored, from its params. */
const modelIdOf = (job: JobSnapshot): number | undefined => {
  const parsed = taskAccuracyParamsSchema.safeParse(job.params);
  return parsed.success ? parsed.data.modelId : undefined;
};

function StartForm({ families }: { families: ModelWithCheckpoints[] }) {
  const [modelId, setModelId] = useState<number | null>(null);
  const [taskFile, setTaskFile] = useState('');
  const [limit, setLimit] = useState('');
  const [policy, setPolicy] = useState<Policy>('multiToken');
  const [error, setError] = useState<ApiError | null>(null);
  const [isStarting, setIsStarting] = useState(false);
  const chosen = families.find((m) => m.id === modelId)?.id ?? families[0]?.id ?? null;

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (chosen === null) return;
    setIsStarting(true);
    try {
      await api.invoke('tasks:startAccuracy', {
        modelId: chosen,
        taskFile,
        policy,
        ...(limit.trim() === '' ? {} : { limit: Number(limit) }),
      });
      setError(null);
    } catch (e) {
      setError(e instanceof ApiCallError ? e.error : { code: 'internal', message: String(e) });
    } finally {
      setIsStarting(false);
    }
  };
  const isBad = (field: string) =>
    error?.field === field ? { 'aria-invalid': true, 'aria-describedby': 'task-accuracy-error' } : {};

  return (
    <form onSubmit={(e) => void start(e)} aria-label="Start task accuracy">
      <div className="form-row">
        <label>
          Model family
          <select
            value={chosen ?? ''}
            onChange={(e) => setModelId(Number(e.target.value))}
            data-testid="accuracy-model"
            {...isBad('input.modelId')}
          >
            {families.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name} ({m.checkpoints.length} checkpoints)
              </option>
            ))}
          </select>
        </label>
        <label className="wide">
          Task file (absolute path: BLiMP/CLAMS .jsonl, MultiBLiMP .tsv)
          <input
            value={taskFile}
            onChange={(e) => setTaskFile(e.target.value)}
            placeholder="/data/blimp/regular_plural_subject_verb_agreement_1.jsonl"
            required
            data-testid="accuracy-task-file"
            {...isBad('input.taskFile')}
          />
        </label>
        <label>
          First n pairs (optional)
          <input
            type="number"
            min={1}
            value={limit}
            onChange={(e) => setLimit(e.target.value)}
            data-testid="accuracy-limit"
            {...isBad('input.limit')}
          />
        </label>
        <label>
          Answers
          <select
            value={policy}
            onChange={(e) =>
              setPolicy(e.target.value === 'singleTokenOnly' ? 'singleTokenOnly' : 'multiToken')
            }
            data-testid="accuracy-policy"
          >
            <option value="multiToken">all pairs (sum over answer tokens)</option>
            <option value="singleTokenOnly">single-token answers only</option>
          </select>
        </label>
        <button type="submit" disabled={isStarting || chosen === null} data-testid="accuracy-start">
          Run task accuracy
        </button>
      </div>
      {error && (
        <p className="error" role="alert" id="task-accuracy-error" data-testid="accuracy-error">
          {error.message}
        </p>
      )}
    </form>
  );
}

const percentText = (value: number | null): string => (value === null ? '—' : `${Math.round(value * 100)}%`);
const languageLabel = (code: string): string => {
  const name = languageName(code);
  return name === null ? code : `${code} (${name})`;
};

/** Accuracy per language (rows) per checkpoint (columns), pooled over the results shown. */
function LanguageTable({ view }: { view: ReturnType<typeof languageSeries> }) {
  return (
    <table className="table" data-testid="accuracy-by-language">
      <caption className="muted small">Accuracy by language (pairs scored in brackets)</caption>
      <thead>
        <tr>
          <th scope="col">Language</th>
          {view.checkpoints.map((c) => (
            <th key={c.checkpointId} scope="col">
              {c.revision}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {view.series.map((s) => (
          <tr key={s.language} data-testid="language-accuracy-row" data-language={s.language}>
            <th scope="row">{languageLabel(s.language)}</th>
            {s.accuracy.map((a, i) => (
              <td key={view.checkpoints[i]!.checkpointId}>
                {percentText(a)} <span className="muted">({s.scored[i]})</span>
              </td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * One finished job's result: the chart over checkpoints (a line per language when its pairs, or the
 * results run together with it, cover several) and the per-item table.
 */
function AccuracyResult({
  job,
  others,
  familyName,
}: {
  job: JobSnapshot;
  /** Other finished results of the same family that may be shown together with this one. */
  others: JobSnapshot[];
  familyName: string | undefined;
}) {
  const [togetherIds, setTogetherIds] = useState<ReadonlySet<string>>(new Set());
  // Parsed once per snapshot: progress events of other jobs re-render the panel a few times a second.
  const parsed = useMemo(() => taskAccuracyResultSchema.safeParse(job.result), [job.result]);
  const together = useMemo(
    () =>
      others
        .filter((o) => togetherIds.has(o.id))
        .map((o) => taskAccuracyResultSchema.safeParse(o.result))
        .flatMap((r) => (r.success ? [r.data] : [])),
    [others, togetherIds],
  );
  const view = useMemo(
    () => (parsed.success ? languageSeries([parsed.data, ...together]) : null),
    [parsed, together],
  );
  if (!parsed.success || view === null) {
    return (
      <p className="error">This job's result does not have the expected shape: {parsed.error?.message}</p>
    );
  }
  const { task, pairs, checkpoints } = parsed.data;
  const isMultilingual = view.series.length > 1;
  const isPooled = together.length > 0;
  const points = isPooled
    ? view.checkpoints.map((c, i) => ({ ...c, accuracy: view.overall[i] ?? null }))
    : checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen, accuracy: c.accuracy }));
  // Series follow `points`: with one result they are its checkpoints in order, as in `view`.
  const byId = new Map(view.checkpoints.map((c, i) => [c.checkpointId, i]));
  const order = isPooled ? view.checkpoints : checkpoints;
  const series = isMultilingual
    ? view.series.map((s) => ({
        language: s.language,
        label: languageLabel(s.language),
        accuracy: order.map((c) => s.accuracy[byId.get(c.checkpointId)!] ?? null),
      }))
    : [];
  const languages = view.series.map((s) => s.language);
  return (
    <>
      <h3>
        {familyName ?? 'Model'} on {task.names.join(', ') || task.file}
        {isPooled && ` and ${together.length} more result${together.length === 1 ? '' : 's'}`}{' '}
        <span className="muted">
          ({pairs.length} pairs
          {task.skippedLines > 0 &&
            `, ${task.skippedLines} line${task.skippedLines === 1 ? '' : 's'} skipped on import`}
          {languages.length > 0 && `; ${languages.join(', ')}`})
        </span>
      </h3>
      {others.length > 0 && (
        <fieldset className="checkbox-list" data-testid="accuracy-together">
          <legend>Run together with (same family; accuracy pooled per language)</legend>
          {others.map((o) => (
            <label key={o.id} className="checkbox">
              <input
                type="checkbox"
                checked={togetherIds.has(o.id)}
                onChange={(e) => {
                  const next = new Set(togetherIds);
                  if (e.target.checked) next.add(o.id);
                  else next.delete(o.id);
                  setTogetherIds(next);
                }}
              />
              {o.label}
            </label>
          ))}
        </fieldset>
      )}
      <AccuracyChart points={points} series={series} />
      {isMultilingual && <LanguageTable view={view} />}
      <TaskItemTable result={parsed.data} />
    </>
  );
}

/**
 * Task accuracy per checkpoint: start a job for a family and a task file; show the latest (or a
 * chosen) finished result as an accuracy-over-tokens chart and a per-item margin table.
 */
export function TaskAccuracyPanel({
  families,
  jobs,
}: {
  families: ModelWithCheckpoints[];
  jobs: JobSnapshot[];
}) {
  const [chosenJobId, setChosenJobId] = useState<string | null>(null);
  const accuracyJobs = jobs.filter((j) => j.kind === 'taskAccuracy');
  const running = accuracyJobs.filter((j) => !isJobFinished(j.state));
  const latest = accuracyJobs[0];
  const finished = accuracyJobs.filter((j) => j.state === 'succeeded');
  const shown = finished.find((j) => j.id === chosenJobId) ?? finished[0];
  const familyName = (job: JobSnapshot): string | undefined =>
    families.find((f) => f.id === modelIdOf(job))?.name;

  return (
    <section className="card" aria-labelledby="task-accuracy-title" data-testid="task-accuracy">
      <h2 id="task-accuracy-title">Task accuracy</h2>
      <p className="muted">
        Scores a minimal-pair task on every checkpoint of a family that has a local folder: a pair is right
        when the good answer gets the higher summed log-probability. Progress shows in the status bar and on
        the Jobs page.
      </p>
      <StartForm families={families} />
      {running.map((job) => (
        <div key={job.id} className="inline-progress" data-testid="accuracy-running">
          <span>{job.label}</span>
          <ProgressBar step={job.step} total={job.total} label={`${job.label} progress`} />
          <span className="muted">{job.message}</span>
        </div>
      ))}
      {latest?.state === 'failed' && (
        <p className="error" role="alert" data-testid="accuracy-failed">
          The last task-accuracy job failed: {latest.error}
        </p>
      )}
      {shown && (
        <div className="accuracy-result" data-testid="accuracy-result">
          <div className="form-row">
            <label>
              Result
              <select
                value={shown.id}
                onChange={(e) => setChosenJobId(e.target.value)}
                data-testid="accuracy-result-choice"
              >
                {finished.map((j) => (
                  <option key={j.id} value={j.id}>
                    {j.label} · {formatTime(j.finishedAt)}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <AccuracyResult
            key={shown.id}
            job={shown}
            others={finished.filter((j) => j.id !== shown.id && modelIdOf(j) === modelIdOf(shown))}
            familyName={familyName(shown)}
          />
        </div>
      )}
    </section>
  );
}
