import type { AppInfo, JobSnapshot } from '../../shared/domain';
import { isJobFinished } from '../../shared/domain';
import { formatDuration } from './format';
import { ProgressBar } from './ProgressBar';

interface StatusBarProps {
  info: AppInfo | undefined;
  transport: 'ipc' | 'http';
  jobs: JobSnapshot[];
  onCancel: (id: string) => void;
  onOpenJobs: () => void;
}

export function StatusBar({ info, transport, jobs, onCancel, onOpenJobs }: StatusBarProps) {
  const running = jobs.filter((j) => !isJobFinished(j.state));
  const backend = info?.backend;
  return (
    <footer className="statusbar" data-testid="statusbar">
      <span
        className="statusbar__backend"
        data-testid="status-backend"
        title={backend ? `${backend.backend}: ${backend.reason}` : 'Probing the compute backend…'}
      >
        Backend: <strong>{backend ? backend.backend : info ? 'unavailable' : '…'}</strong>
        {backend && <span className="muted"> — {backend.reason}</span>}
      </span>
      {info?.engine && (
        <span
          className="statusbar__backend"
          data-testid="status-engine"
          title={`Crosscoder training engine: ${info.engine.reason}. Native: ${info.engine.native.detail}`}
        >
          Engine: <strong>{info.engine.engine}</strong>
        </span>
      )}
      <span className="statusbar__jobs" data-testid="status-jobs">
        {running.length === 0 ? (
          <span className="muted">No running jobs</span>
        ) : (
          running.slice(0, 3).map((job) => (
            <span key={job.id} className="statusbar__job">
              <button type="button" className="link" onClick={onOpenJobs}>
                {job.label}
              </button>
              <ProgressBar step={job.step} total={job.total} isCompact label={`${job.label} progress`} />
              <span className="muted">
                {job.state === 'queued' ? 'queued' : `ETA ${formatDuration(job.etaMs)}`}
              </span>
              <button
                type="button"
                className="danger small"
                onClick={() => onCancel(job.id)}
                aria-label={`Cancel ${job.label}`}
              >
                ✕
              </button>
            </span>
          ))
        )}
        {running.length > 3 && <span className="muted">+{running.length - 3} more</span>}
      </span>
      <span className="muted" title="How this window talks to the workbench">
        {transport === 'ipc' ? 'desktop' : 'serve mode'} · v{info?.appVersion ?? '…'}
      </span>
    </footer>
  );
}
