import { useState, type FormEvent } from 'react';
import type { ApiError } from '../../shared/result';
import type { RequestInput } from '../../shared/contract';
import { api, ApiCallError } from '../api/client';

type SourceKind = 'folder' | 'hfCache';

/** Which input an API error's `field` points at. */
const fieldOfError: Record<string, string> = {
  'input.name': 'name',
  'input.source.path': 'path',
  'input.source.repo': 'repo',
  'input.source.cacheDir': 'cacheDir',
  'input.tokensPerStep': 'tokensPerStep',
};

/** Adds a model family from a local folder or the Hugging Face cache; errors show beside the form. */
export function AddModelForm({ onAdded }: { onAdded: () => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<SourceKind>('folder');
  const [path, setPath] = useState('');
  const [repo, setRepo] = useState('');
  const [cacheDir, setCacheDir] = useState('');
  const [tokensPerStep, setTokensPerStep] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [isBusy, setIsBusy] = useState(false);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    const input: RequestInput<'models:add'> = {
      name,
      family: 'gpt_neox',
      source:
        kind === 'folder' ? { kind, path } : { kind, repo, ...(cacheDir.trim() === '' ? {} : { cacheDir }) },
      ...(tokensPerStep.trim() === '' ? {} : { tokensPerStep: Number(tokensPerStep) }),
    };
    setIsBusy(true);
    try {
      await api.invoke('models:add', input);
      setError(null);
      setName('');
      setPath('');
      setRepo('');
      onAdded();
    } catch (e) {
      setError(e instanceof ApiCallError ? e.error : { code: 'internal', message: String(e) });
    } finally {
      setIsBusy(false);
    }
  };

  const badField = error?.field === undefined ? undefined : fieldOfError[error.field];
  const invalid = (field: string) =>
    badField === field ? { 'aria-invalid': true, 'aria-describedby': 'add-model-error' } : {};

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="add-model-title">
      <h2 id="add-model-title">Add a model family</h2>
      <div className="form-row">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder="pythia-160m"
            required
            data-testid="model-name"
            {...invalid('name')}
          />
        </label>
        <label>
          Source
          <select
            value={kind}
            onChange={(e) => setKind(e.target.value === 'hfCache' ? 'hfCache' : 'folder')}
            data-testid="model-source-kind"
          >
            <option value="folder">Local folder</option>
            <option value="hfCache">Hugging Face cache</option>
          </select>
        </label>
        {kind === 'folder' ? (
          <label className="wide">
            Folder (absolute path)
            <input
              value={path}
              onChange={(e) => setPath(e.target.value)}
              placeholder="/data/pythia-160m/step1000, or a folder of step folders"
              data-testid="model-path"
              {...invalid('path')}
            />
          </label>
        ) : (
          <>
            <label>
              Repo
              <input
                value={repo}
                onChange={(e) => setRepo(e.target.value)}
                placeholder="EleutherAI/pythia-160m"
                data-testid="model-repo"
                {...invalid('repo')}
              />
            </label>
            <label>
              Cache folder (optional)
              <input
                value={cacheDir}
                onChange={(e) => setCacheDir(e.target.value)}
                placeholder="default: the Hugging Face hub cache"
                data-testid="model-cache-dir"
                {...invalid('cacheDir')}
              />
            </label>
          </>
        )}
        <label>
          Tokens per step (optional)
          <input
            type="number"
            min={1}
            value={tokensPerStep}
            onChange={(e) => setTokensPerStep(e.target.value)}
            placeholder="Pythia: automatic"
            data-testid="model-tokens-per-step"
            {...invalid('tokensPerStep')}
          />
        </label>
        <button type="submit" disabled={isBusy} data-testid="model-add">
          Add family
        </button>
      </div>
      {error && (
        <p className="error" role="alert" id="add-model-error" data-testid="add-model-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
