import { isJobFinished, type JobSnapshot } from '../../shared/domain';
import { formatDuration, formatTime } from './format';
import { ProgressBar } from './ProgressBar';

export function JobRow({ job, onCancel }: { job: JobSnapshot; onCancel: (id: string) => void }) {
  const isDone = isJobFinished(job.state);
  return (
    <li className={`job job--${job.state}`} data-testid="job-row" data-job-id={job.id} data-state={job.state}>
      <div className="job__head">
        <strong>{job.label}</strong>
        <span className={`badge badge--${job.state}`} data-testid="job-state">
          {job.state}
        </span>
      </div>
      <ProgressBar step={job.step} total={job.total} label={`${job.label} progress`} />
      <div className="job__meta">
        <span>
          {job.step}/{job.total}
        </span>
        {!isDone && <span>ETA {formatDuration(job.etaMs)}</span>}
        <span>{job.message}</span>
        <span className="muted">started {formatTime(job.startedAt)}</span>
        {job.finishedAt && <span className="muted">ended {formatTime(job.finishedAt)}</span>}
      </div>
      {job.error && <p className="error">{job.error}</p>}
      {!isDone && (
        <button type="button" className="danger" onClick={() => onCancel(job.id)} data-testid="job-cancel">
          Cancel
        </button>
      )}
    </li>
  );
}
