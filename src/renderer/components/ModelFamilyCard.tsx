import { useState, type FormEvent } from 'react';
import type { Checkpoint, CheckpointValidation, ModelWithCheckpoints } from '../../shared/domain';
import { presetDownloadCommands, presetForModel } from '../../shared/study-presets';
import { api } from '../api/client';
import { errorMessage, formatTokens } from './format';

type CheckState =
  | { state: 'checking' }
  | { state: 'done'; report: CheckpointValidation }
  | { state: 'error'; message: string };

function CheckCell({ check }: { check: CheckState | undefined }) {
  if (check === undefined) return <span className="muted">not checked</span>;
  if (check.state === 'checking') return <span className="muted">checking…</span>;
  if (check.state === 'error') return <span className="error">{check.message}</span>;
  const { report } = check;
  if (report.isComplete) {
    return (
      <span className="ok" data-testid="check-ok">
        ✓ complete{' '}
        <span className="muted">
          ({report.layers} layers, d_model {report.dModel}, {report.dtype},{' '}
          {formatTokens(report.parameterCount)} parameters)
        </span>
      </span>
    );
  }
  return (
    <div className="error" data-testid="check-problems">
      ✗ {report.problems.length} problem{report.problems.length === 1 ? '' : 's'}
      <ul className="problems">
        {report.problems.map((p, i) => (
          <li key={i}>{p}</li>
        ))}
      </ul>
    </div>
  );
}

/** One model family: its checkpoints by tokens seen, a completeness check per row, add and remove. */
export function ModelFamilyCard({
  model,
  onChanged,
}: {
  model: ModelWithCheckpoints;
  onChanged: () => void;
}) {
  const [checks, setChecks] = useState<ReadonlyMap<number, CheckState>>(new Map());
  const [isConfirmingRemove, setIsConfirmingRemove] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [revision, setRevision] = useState('');
  const [path, setPath] = useState('');

  const validate = async (checkpoint: Checkpoint): Promise<void> => {
    const set = (state: CheckState) => setChecks((m) => new Map(m).set(checkpoint.id, state));
    set({ state: 'checking' });
    try {
      set({
        state: 'done',
        report: await api.invoke('checkpoints:validate', { checkpointId: checkpoint.id }),
      });
    } catch (e) {
      set({ state: 'error', message: errorMessage(e) });
    }
  };
  const remove = async (): Promise<void> => {
    try {
      await api.invoke('models:remove', { modelId: model.id });
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
  };
  const addCheckpoint = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      await api.invoke('models:addCheckpoint', { modelId: model.id, revision, path });
      setRevision('');
      setPath('');
      setError(null);
      onChanged();
    } catch (e) {
      setError(errorMessage(e));
    }
  };

  const titleId = `model-${model.id}-title`;
  const preset = presetForModel(model);
  const studyLabel = (revision: string): string | undefined =>
    preset?.revisions.find((r) => r.revision === revision)?.label;
  const missing = model.checkpoints.filter((c) => c.path === null);
  return (
    <section
      className="card"
      aria-labelledby={titleId}
      data-testid="model-family"
      data-model-name={model.name}
    >
      <div className="card__head">
        <h2 id={titleId}>
          {model.name} <span className="badge">{model.family}</span>
        </h2>
        {isConfirmingRemove ? (
          <span className="inline-actions">
            <span>Remove {model.name} from the workbench? Files on disk stay.</span>
            <button
              type="button"
              className="danger"
              onClick={() => void remove()}
              data-testid="model-remove-confirm"
              autoFocus
            >
              Remove
            </button>
            <button type="button" className="link" onClick={() => setIsConfirmingRemove(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button
            type="button"
            className="danger"
            onClick={() => setIsConfirmingRemove(true)}
            data-testid="model-remove"
          >
            Remove family
          </button>
        )}
      </div>
      <p className="muted">
        {model.sourceKind === 'hfCache' ? 'Hugging Face cache' : 'Local folder'}: <code>{model.source}</code>
        {model.tokensPerStep !== null && ` · ${model.tokensPerStep.toLocaleString('en-US')} tokens per step`}
      </p>
      {preset !== null && (
        <p className="muted small" data-testid="model-preset-info">
          Study preset {preset.title} · hook point block {preset.hookLayer} output ({preset.hookPoint})
        </p>
      )}
      <table className="table checkpoints">
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">Step</th>
            <th scope="col">Tokens seen</th>
            <th scope="col">Path</th>
            <th scope="col">
              <button
                type="button"
                className="small"
                onClick={() => model.checkpoints.forEach((c) => void validate(c))}
                data-testid="validate-all"
              >
                Validate all
              </button>
            </th>
            <th scope="col">Complete?</th>
          </tr>
        </thead>
        <tbody>
          {model.checkpoints.map((c) => (
            <tr key={c.id} data-testid="checkpoint-row" data-revision={c.revision}>
              <th scope="row">{c.revision}</th>
              <td>{c.step ?? '—'}</td>
              <td title={c.tokensSeen === null ? 'unknown' : c.tokensSeen.toLocaleString('en-US')}>
                {formatTokens(c.tokensSeen)}
                {studyLabel(c.revision) !== undefined && (
                  <span className="muted"> (study: {studyLabel(c.revision)})</span>
                )}
              </td>
              <td className="path">
                {c.path === null ? <span className="muted">not on this machine</span> : <code>{c.path}</code>}
              </td>
              <td>
                <button
                  type="button"
                  className="small"
                  onClick={() => void validate(c)}
                  aria-label={`Validate ${c.revision}`}
                  data-testid="checkpoint-validate"
                >
                  Validate
                </button>
              </td>
              <td data-testid="checkpoint-check" aria-live="polite">
                <CheckCell check={checks.get(c.id)} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {preset !== null && missing.length > 0 && (
        <details className="small" data-testid="model-preset-downloads">
          <summary>
            {missing.length} revision{missing.length === 1 ? ' is' : 's are'} not on this machine: download,
            then add the preset again
          </summary>
          <pre>{presetDownloadCommands(preset).join('\n')}</pre>
        </details>
      )}
      <details className="add-checkpoint">
        <summary>Add a checkpoint folder</summary>
        <form className="form-row" onSubmit={(e) => void addCheckpoint(e)}>
          <label>
            Revision
            <input
              value={revision}
              onChange={(e) => setRevision(e.target.value)}
              placeholder="step2000"
              required
            />
          </label>
          <label className="wide">
            Folder (absolute path)
            <input
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/data/model/step2000"
              required
            />
          </label>
          <button type="submit">Add checkpoint</button>
        </form>
      </details>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
