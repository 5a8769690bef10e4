import { useEffect, useState, type FormEvent } from 'react';
import type { ActivationDefaults } from '../../shared/activation-stores';
import type { RequestInput } from '../../shared/contract';
import type { ModelWithCheckpoints } from '../../shared/domain';
import type { ApiError } from '../../shared/result';
import { defaultHookLayer } from '../../shared/study-presets';
import { api, ApiCallError } from '../api/client';
import { formatTokens } from './format';

/** Up to three checkpoints spread over the family: the first, the middle and the last with a folder. */
export function spreadCheckpoints(model: ModelWithCheckpoints | undefined): number[] {
  const local = (model?.checkpoints ?? []).filter((c) => c.path !== null);
  if (local.length <= 3) return local.map((c) => c.id);
  return [0, Math.floor((local.length - 1) / 2), local.length - 1].map((i) => local[i]!.id);
}

/** Which input an API error's `field` points at. */
const fieldOfError: Record<string, string> = {
  'input.modelId': 'model',
  'input.checkpointIds': 'checkpoints',
  'input.layer': 'layer',
  'input.corpusFile': 'corpus',
  'input.tokens': 'tokens',
  'input.context': 'context',
  'input.dtype': 'dtype',
  'input.outDir': 'outDir',
};

/**
 * Starts an extraction: a family, 2–3 of its checkpoints, a layer, a corpus and sizes. The same settings
 * into the same folder resume an interrupted extraction.
 */
export function ExtractionForm({
  families,
  defaults,
  onStarted,
}: {
  families: ModelWithCheckpoints[];
  defaults: ActivationDefaults | undefined;
  onStarted: () => void;
}) {
  const [modelId, setModelId] = useState<number | null>(null);
  const model = families.find((m) => m.id === modelId) ?? families[0];
  const [chosen, setChosen] = useState<{ modelId: number | undefined; ids: number[] }>({
    modelId: undefined,
    ids: [],
  });
  const checkpointIds = chosen.modelId === model?.id ? chosen.ids : spreadCheckpoints(model);
  const [layers, setLayers] = useState<{ checkpointId: number; layers: number | null } | null>(null);
  const [layer, setLayer] = useState('');
  const [corpus, setCorpus] = useState<string | null>(null);
  const [tokens, setTokens] = useState('100000');
  const [context, setContext] = useState('64');
  const [dtype, setDtype] = useState<'F16' | 'F32'>('F16');
  const [outDir, setOutDir] = useState('');
  const [error, setError] = useState<ApiError | null>(null);
  const [isStarting, setIsStarting] = useState(false);

  // The layer count of the first chosen checkpoint, for the hint and the default layer (the middle).
  const firstId = checkpointIds[0];
  useEffect(() => {
    if (firstId === undefined) return;
    let isCurrent = true;
    api.invoke('checkpoints:validate', { checkpointId: firstId }).then(
      (report) => {
        if (isCurrent) setLayers({ checkpointId: firstId, layers: report.layers });
      },
      () => undefined,
    );
    return () => {
      isCurrent = false;
    };
  }, [firstId]);
  const layerCount = layers !== null && layers.checkpointId === firstId ? layers.layers : null;
  // The study's hook point for a preset family (block 8 or 12 output), else the middle block.
  const layerValue = layer !== '' ? layer : String(defaultHookLayer(model, layerCount) ?? '');
  const corpusValue = corpus ?? defaults?.corpusFile ?? '';

  const toggle = (id: number): void => {
    const next = checkpointIds.includes(id) ? checkpointIds.filter((c) => c !== id) : [...checkpointIds, id];
    setChosen({ modelId: model?.id, ids: next });
  };

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!model) return;
    const input: RequestInput<'activations:startExtraction'> = {
      modelId: model.id,
      checkpointIds,
      layer: Number(layerValue),
      tokens: Number(tokens),
      context: Number(context),
      dtype,
      ...(corpusValue.trim() === '' ? {} : { corpusFile: corpusValue }),
      ...(outDir.trim() === '' ? {} : { outDir }),
    };
    setIsStarting(true);
    try {
      await api.invoke('activations:startExtraction', input);
      setError(null);
      onStarted();
    } catch (e) {
      setError(e instanceof ApiCallError ? e.error : { code: 'internal', message: String(e) });
    } finally {
      setIsStarting(false);
    }
  };
  const badField = error?.field === undefined ? undefined : fieldOfError[error.field];
  const invalid = (field: string) =>
    badField === field ? { 'aria-invalid': true, 'aria-describedby': 'extraction-error' } : {};

  return (
    <form className="card" onSubmit={(e) => void start(e)} aria-labelledby="extraction-title">
      <h2 id="extraction-title">Extract activations</h2>
      <div className="form-row">
        <label>
          Model family
          <select
            value={model?.id ?? ''}
            onChange={(e) => setModelId(Number(e.target.value))}
            data-testid="extract-model"
            {...invalid('model')}
          >
            {families.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="checkbox-list" data-testid="extract-checkpoints" {...invalid('checkpoints')}>
          <legend>Checkpoints (choose 2 or 3)</legend>
          {(model?.checkpoints ?? []).map((c) => (
            <label key={c.id} className="checkbox">
              <input
                type="checkbox"
                checked={checkpointIds.includes(c.id)}
                disabled={c.path === null}
                onChange={() => toggle(c.id)}
                data-testid="extract-checkpoint"
                data-revision={c.revision}
              />
              {c.revision} <span className="muted">{formatTokens(c.tokensSeen)}</span>
            </label>
          ))}
        </fieldset>
      </div>
      <div className="form-row">
        <label>
          Layer{layerCount !== null && ` (0–${layerCount - 1})`}
          <input
            type="number"
            min={0}
            value={layerValue}
            onChange={(e) => setLayer(e.target.value)}
            required
            data-testid="extract-layer"
            {...invalid('layer')}
          />
        </label>
        <label className="wide">
          Corpus (.txt or .jsonl, absolute path)
          <input
            value={corpusValue}
            onChange={(e) => setCorpus(e.target.value)}
            placeholder="/data/corpus.jsonl"
            data-testid="extract-corpus"
            {...invalid('corpus')}
          />
        </label>
        <label>
          Tokens
          <input
            type="number"
            min={1}
            value={tokens}
            onChange={(e) => setTokens(e.target.value)}
            required
            data-testid="extract-tokens"
            {...invalid('tokens')}
          />
        </label>
        <label>
          Context
          <input
            type="number"
            min={2}
            value={context}
            onChange={(e) => setContext(e.target.value)}
            required
            data-testid="extract-context"
            {...invalid('context')}
          />
        </label>
        <label>
          Dtype
          <select
            value={dtype}
            onChange={(e) => setDtype(e.target.value === 'F32' ? 'F32' : 'F16')}
            data-testid="extract-dtype"
          >
            <option value="F16">float16 (half the disk)</option>
            <option value="F32">float32</option>
          </select>
        </label>
      </div>
      <div className="form-row">
        <label className="wide">
          Output folder (optional)
          <input
            value={outDir}
            onChange={(e) => setOutDir(e.target.value)}
            placeholder={`default: ${defaults?.storesDir ?? '<data folder>/activations'}/<family>-<revisions>-L<layer>`}
            data-testid="extract-out-dir"
            {...invalid('outDir')}
          />
        </label>
        <button type="submit" disabled={isStarting || !model} data-testid="extract-start">
          Start extraction
        </button>
      </div>
      {error && (
        <p className="error" role="alert" id="extraction-error" data-testid="extract-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
