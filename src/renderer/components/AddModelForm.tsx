import { useState, type FormEvent } from 'react';
import { modelFamilySchema } from '../../shared/domain';
import type { ApiError } from '../../shared/result';
import {
  presetDownloadCommands,
  studyPreset,
  studyPresetIdSchema,
  studyPresets,
  type StudyPreset,
} from '../../shared/study-presets';
import { api, ApiCallError } from '../api/client';
import { addModelRequest, applyPreset, type AddModelFormState } from './add-model-request';
import { formatTokens } from './format';

/** Which input an API error's `field` points at. */
const fieldOfError: Record<string, string> = {
  'input.name': 'name',
  'input.source.path': 'path',
  'input.source.repo': 'repo',
  'input.source.cacheDir': 'cacheDir',
  'input.source.revisions': 'repo',
  'input.tokensPerStep': 'tokensPerStep',
};

const emptyForm: AddModelFormState = {
  presetId: null,
  name: '',
  family: 'gpt_neox',
  kind: 'folder',
  path: '',
  repo: '',
  cacheDir: '',
  tokensPerStep: '',
};

/** What a preset adds: its revisions with tokens seen, the hook point, and how to download them. */
function PresetSummary({ preset }: { preset: StudyPreset }) {
  return (
    <div className="preset-summary" data-testid="preset-summary">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">Repo</th>
            <th scope="col">Tokens seen</th>
            <th scope="col">Study label</th>
          </tr>
        </thead>
        <tbody>
          {preset.revisions.map((r) => (
            <tr key={`${r.repo}@${r.revision}`} data-testid="preset-revision" data-revision={r.revision}>
              <th scope="row">
                <code>{r.revision}</code>
              </th>
              <td>
                <code>{r.repo}</code>
              </td>
              <td title={r.tokensSeen.toLocaleString('en-US')}>{formatTokens(r.tokensSeen)}</td>
              <td>{r.label}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="small">
        Hook point: <strong data-testid="preset-layer">block {preset.hookLayer} output</strong> (
        {preset.hookPoint}), d_model {preset.dModel}, {preset.layers} blocks. Extraction starts at this layer.
      </p>
      <p className="muted small">{preset.note}</p>
      <details className="small">
        <summary>Download the revisions (then add again to pick up the folders)</summary>
        <pre data-testid="preset-downloads">{presetDownloadCommands(preset).join('\n')}</pre>
      </details>
    </div>
  );
}

/**
 * Adds a model family from a local folder, the Hugging Face cache, or a study preset (the paper's
 * checkpoint triplets); errors show beside the form.
 */
export function AddModelForm({ onAdded }: { onAdded: () => void }) {
  const [form, setForm] = useState<AddModelFormState>(emptyForm);
  const [error, setError] = useState<ApiError | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const set = (patch: Partial<AddModelFormState>) => setForm((f) => ({ ...f, ...patch }));
  const preset = form.presetId === null ? null : studyPreset(form.presetId);

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    setIsBusy(true);
    try {
      await api.invoke('models:add', addModelRequest(form));
      setError(null);
      setForm({
        ...emptyForm,
        kind: form.kind,
        family: form.family,
        cacheDir: form.cacheDir,
        tokensPerStep: form.tokensPerStep,
      });
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
          Study presets
          <select
            value={form.presetId ?? ''}
            onChange={(e) => {
              const id = studyPresetIdSchema.safeParse(e.target.value);
              setForm((f) => applyPreset(f, id.success ? id.data : null));
            }}
            data-testid="model-preset"
          >
            <option value="">none (choose the source)</option>
            {studyPresets.map((p) => (
              <option key={p.id} value={p.id}>
                {p.title}
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            value={form.name}
            onChange={(e) => set({ name: e.target.value })}
            placeholder="pythia-160m"
            required
            data-testid="model-name"
            {...invalid('name')}
          />
        </label>
        <label>
          Architecture
          <select
            value={form.family}
            disabled={preset !== null}
            onChange={(e) => {
              const family = modelFamilySchema.safeParse(e.target.value);
              if (family.success) set({ family: family.data });
            }}
            data-testid="model-architecture"
          >
            <option value="gpt_neox">GPT-NeoX (Pythia)</option>
            <option value="olmo">OLMo (-hf)</option>
            <option value="bloom">BLOOM</option>
          </select>
        </label>
        <label>
          Source
          <select
            value={form.kind}
            disabled={preset !== null}
            onChange={(e) => set({ kind: e.target.value === 'hfCache' ? 'hfCache' : 'folder' })}
            data-testid="model-source-kind"
          >
            <option value="folder">Local folder</option>
            <option value="hfCache">Hugging Face cache</option>
          </select>
        </label>
        {form.kind === 'folder' ? (
          <label className="wide">
            Folder (absolute path)
            <input
              value={form.path}
              onChange={(e) => set({ path: e.target.value })}
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
                value={form.repo}
                readOnly={preset !== null}
                onChange={(e) => set({ repo: e.target.value })}
                placeholder="EleutherAI/pythia-160m"
                data-testid="model-repo"
                {...invalid('repo')}
              />
            </label>
            <label>
              Cache folder (optional)
              <input
                value={form.cacheDir}
                onChange={(e) => set({ cacheDir: e.target.value })}
                placeholder="default: the Hugging Face hub cache"
                data-testid="model-cache-dir"
                {...invalid('cacheDir')}
              />
            </label>
          </>
        )}
        {preset === null && (
          <label>
            Tokens per step (optional)
            <input
              type="number"
              min={1}
              value={form.tokensPerStep}
              onChange={(e) => set({ tokensPerStep: e.target.value })}
              placeholder="Pythia, OLMo, BLOOM: automatic"
              data-testid="model-tokens-per-step"
              {...invalid('tokensPerStep')}
            />
          </label>
        )}
        <button type="submit" disabled={isBusy} data-testid="model-add">
          {preset === null ? 'Add family' : `Add ${preset.revisions.length} revisions`}
        </button>
      </div>
      {preset !== null && <PresetSummary preset={preset} />}
      {error && (
        <p className="error" role="alert" id="add-model-error" data-testid="add-model-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
