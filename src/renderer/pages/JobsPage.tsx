import { useState, type FormEvent } from 'react';
import { selfTestResultSchema, type JobSnapshot } from '../../shared/domain';
import { api } from '../api/client';
import { GflopsChart } from '../charts/GflopsChart';
import { JobRow } from '../components/JobRow';

const parseSizes = (text: string): number[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map(Number);

export function JobsPage({ jobs, onError }: { jobs: JobSnapshot[]; onError: (message: string) => void }) {
  const [sizes, setSizes] = useState('128, 256, 512');
  const [repeats, setRepeats] = useState('5');
  const [isStarting, setIsStarting] = useState(false);

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setIsStarting(true);
    try {
      await api.invoke('jobs:startSelfTest', { sizes: parseSizes(sizes), repeats: Number(repeats) });
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    } finally {
      setIsStarting(false);
    }
  };
  const cancel = (jobId: string): void => {
    api
      .invoke('jobs:cancel', { jobId })
      .catch((error: unknown) => onError(String(error instanceof Error ? error.message : error)));
  };

  const latestSelfTest = jobs.find((j) => j.kind === 'selfTest' && j.state === 'succeeded');
  const result = latestSelfTest ? selfTestResultSchema.safeParse(latestSelfTest.result) : null;

  return (
    <section className="page" aria-labelledby="jobs-title">
      <h1 id="jobs-title">Jobs</h1>
      <form className="card" onSubmit={(e) => void start(e)} aria-label="Backend self-test">
        <h2>Backend self-test</h2>
        <p className="muted">
          Picks the compute backend and measures matrix-multiply throughput. Runs in a worker; cancel any
          time.
        </p>
        <div className="form-row">
          <label>
            Sizes (n for n×n)
            <input value={sizes} onChange={(e) => setSizes(e.target.value)} data-testid="selftest-sizes" />
          </label>
          <label>
            Repeats
            <input
              type="number"
              min={1}
              max={1000}
              value={repeats}
              onChange={(e) => setRepeats(e.target.value)}
              data-testid="selftest-repeats"
            />
          </label>
          <button type="submit" disabled={isStarting} data-testid="selftest-start">
            Run self-test
          </button>
        </div>
      </form>
      {result?.success && (
        <div className="card" data-testid="selftest-result">
          <h2>
            Latest result: {result.data.backend.backend}{' '}
            <span className="muted">({result.data.backend.reason})</span>
          </h2>
          <GflopsChart rows={result.data.rows} />
          <table className="table">
            <thead>
              <tr>
                <th>Size</th>
                <th>Median ms</th>
                <th>GFLOP/s</th>
              </tr>
            </thead>
            <tbody>
              {result.data.rows.map((row, i) => (
                <tr key={`${i}-${row.size}`}>
                  <td>{row.size}²</td>
                  <td>{row.medianMs.toFixed(2)}</td>
                  <td>{row.gflopsPerSecond.toFixed(2)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2>All jobs</h2>
      {jobs.length === 0 ? (
        <p className="empty-state" data-testid="jobs-empty">
          No jobs yet. Long work (extraction, training, attribution) runs here with progress and cancel; start
          with the self-test above.
        </p>
      ) : (
        <ul className="jobs" data-testid="jobs-list">
          {jobs.map((job) => (
            <JobRow key={job.id} job={job} onCancel={cancel} />
          ))}
        </ul>
      )}
    </section>
  );
}
