interface ProgressBarProps {
  step: number;
  total: number;
  label?: string;
  isCompact?: boolean;
}

export function ProgressBar({ step, total, label, isCompact = false }: ProgressBarProps) {
  const percent = total > 0 ? Math.min(100, Math.round((step / total) * 100)) : 0;
  return (
    <div
      className={isCompact ? 'progress progress--compact' : 'progress'}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-label={label ?? 'progress'}
    >
      <div className="progress__fill" style={{ width: `${percent}%` }} />
      {!isCompact && <span className="progress__text">{percent}%</span>}
    </div>
  );
}
