import { useEffect, useState, type FormEvent } from 'react';
import type { ActivationStoreSummary } from '../../shared/activation-stores';
import type { RequestInput } from '../../shared/contract';
import type { ApiError } from '../../shared/result';
import { enginePreferenceSchema, type EnginePreference } from '../../shared/domain';
import type { CrosscoderType, TrainingEstimate } from '../../shared/training';
import { api, ApiCallError } from '../api/client';
import { formatDuration } from './format';
import { formatBytes, isEstimateFor, stepsForMinutes, trainingMs } from './training-estimate';

type Measured = { store: string; type: CrosscoderType; engine: EnginePreference; estimate: TrainingEstimate };

const fieldOfError: Record<string, string> = {
  'input.activationStore': 'store',
  'input.name': 'name',
  'input.nFeatures': 'features',
  'input.batchSize': 'batch',
  'input.steps': 'steps',
  'input.k': 'k',
  'input.l1Coeff': 'lambda',
  'input.learningRate': 'lr',
  'input.seed': 'seed',
  'input.engine': 'engine',
};

/** 3 significant digits without exponents: 0.0612, 3.61, 57.4, 2,300. */
const formatRate = (perSecond: number): string =>
  perSecond >= 100 ? Math.round(perSecond).toLocaleString('en-US') : perSecond.toPrecision(3);

const toError = (e: unknown): ApiError =>
  e instanceof ApiCallError ? e.error : { code: 'internal', message: String(e) };

/**
 * Starts a crosscoder run on a complete store. Defaults follow METHOD.md (L1, λ = 2, lr 5e-5), scaled to
 * this machine: F, the batch and the steps come from `training:estimate` (a few steps measured in a
 * worker) and the time budget; fields the user edits keep their values.
 */
export function TrainingForm({
  stores,
  onStarted,
}: {
  stores: ActivationStoreSummary[];
  onStarted: (runId: string) => void;
}) {
  const [storeDir, setStoreDir] = useState<string | null>(null);
  const store = stores.find((s) => s.dir === storeDir) ?? stores[0];
  const [name, setName] = useState('');
  const [type, setType] = useState<CrosscoderType>('l1');
  const [engine, setEngine] = useState<EnginePreference>('auto');
  const [edited, setEdited] = useState<{
    store: string | undefined;
    features?: string;
    batch?: string;
    steps?: string;
  }>({ store: undefined });
  const [k, setK] = useState('32');
  const [lambda, setLambda] = useState('2');
  const [learningRate, setLearningRate] = useState('5e-5');
  const [seed, setSeed] = useState('');
  const [budget, setBudget] = useState('5');
  const [measured, setMeasured] = useState<Measured | null>(null);
  const [isMeasuring, setIsMeasuring] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [isStarting, setIsStarting] = useState(false);

  const own = edited.store === store?.dir ? edited : { store: store?.dir };
  const estimate = measured !== null && measured.store === store?.dir ? measured.estimate : null;
  const features = own.features ?? (estimate ? String(estimate.suggested.nFeatures) : '');
  const batch = own.batch ?? (estimate ? String(estimate.suggested.batchSize) : '');
  const shape = { nFeatures: Number(features), batchSize: Number(batch), type };
  const applies =
    estimate !== null &&
    measured !== null &&
    measured.engine === engine &&
    isEstimateFor({ ...estimate, type: measured.type }, shape);
  const speed = estimate?.stepsPerSecond ?? null;
  const budgetSteps = stepsForMinutes(Number(budget), speed);
  const steps = own.steps ?? (budgetSteps === null ? '' : String(budgetSteps));
  const edit = (field: 'features' | 'batch' | 'steps', value: string): void =>
    setEdited({ ...own, store: store?.dir, [field]: value });

  // A store's suggestions and speed, measured once it is chosen.
  const dir = store?.dir;
  useEffect(() => {
    if (dir === undefined) return;
    let isCurrent = true;
    api.invoke('training:estimate', { activationStore: dir }).then(
      (result) => {
        if (isCurrent) setMeasured({ store: dir, type: 'l1', engine: 'auto', estimate: result });
      },
      (e: unknown) => {
        if (isCurrent) setError(toError(e));
      },
    );
    return () => {
      isCurrent = false;
    };
  }, [dir]);

  const measure = async (): Promise<void> => {
    if (!store) return;
    setIsMeasuring(true);
    try {
      const result = await api.invoke('training:estimate', {
        activationStore: store.dir,
        type,
        nFeatures: shape.nFeatures,
        batchSize: shape.batchSize,
        timeBudgetMinutes: Number(budget),
        engine,
        ...(type === 'batchtopk' ? { k: Number(k) } : {}),
      });
      setMeasured({ store: store.dir, type, engine, estimate: result });
      setError(null);
    } catch (e) {
      setError(toError(e));
    } finally {
      setIsMeasuring(false);
    }
  };

  const start = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!store) return;
    const input: RequestInput<'training:start'> = {
      name: name.trim() === '' ? `${store.name} ${type} F=${features}` : name,
      activationStore: store.dir,
      type,
      nFeatures: Number(features),
      steps: Number(steps),
      batchSize: Number(batch),
      learningRate: Number(learningRate),
      engine,
      ...(type === 'l1' ? { l1Coeff: Number(lambda) } : { k: Number(k) }),
      ...(seed.trim() === '' ? {} : { seed: Number(seed) }),
    };
    setIsStarting(true);
    try {
      const { runId } = await api.invoke('training:start', input);
      setError(null);
      setName('');
      onStarted(runId);
    } catch (e) {
      setError(toError(e));
    } finally {
      setIsStarting(false);
    }
  };

  const badField = error?.field === undefined ? undefined : fieldOfError[error.field];
  const invalid = (field: string) =>
    badField === field ? { 'aria-invalid': true, 'aria-describedby': 'training-error' } : {};
  const eta = applies ? trainingMs(Number(steps), speed) : null;

  return (
    <form className="card" onSubmit={(e) => void start(e)} aria-labelledby="training-form-title">
      <h2 id="training-form-title">Train a crosscoder</h2>
      <div className="form-row">
        <label className="wide">
          Activation store
          <select
            value={store?.dir ?? ''}
            onChange={(e) => setStoreDir(e.target.value)}
            data-testid="train-store"
            {...invalid('store')}
          >
            {stores.map((s) => (
              <option key={s.dir} value={s.dir}>
                {s.name} ({s.nCheckpoints} checkpoints, d {s.dModel}, {s.rows} rows)
              </option>
            ))}
          </select>
        </label>
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value)}
            placeholder={store ? `${store.name} ${type} F=${features}` : ''}
            data-testid="train-name"
            {...invalid('name')}
          />
        </label>
        <label>
          Type
          <select
            value={type}
            onChange={(e) => setType(e.target.value === 'batchtopk' ? 'batchtopk' : 'l1')}
            data-testid="train-type"
          >
            <option value="l1">L1 (ReLU, λ·decoder-norm penalty)</option>
            <option value="batchtopk">BatchTopK</option>
          </select>
        </label>
        <label title="native: the OpenBLAS engine (fused step, all cores); tfjs: the tfjs backend">
          Engine
          <select
            value={engine}
            onChange={(e) => setEngine(enginePreferenceSchema.parse(e.target.value))}
            data-testid="train-engine"
            {...invalid('engine')}
          >
            <option value="auto">auto</option>
            <option value="native">native (OpenBLAS)</option>
            <option value="tfjs">tfjs</option>
          </select>
        </label>
      </div>
      <div className="form-row">
        <label>
          Features F
          <input
            type="number"
            min={1}
            value={features}
            onChange={(e) => edit('features', e.target.value)}
            required
            data-testid="train-features"
            {...invalid('features')}
          />
        </label>
        {type === 'l1' ? (
          <label>
            λ (L1)
            <input
              type="number"
              min={0}
              step="any"
              value={lambda}
              onChange={(e) => setLambda(e.target.value)}
              data-testid="train-lambda"
              {...invalid('lambda')}
            />
          </label>
        ) : (
          <label>
            k (features a token)
            <input
              type="number"
              min={1}
              value={k}
              onChange={(e) => setK(e.target.value)}
              data-testid="train-k"
              {...invalid('k')}
            />
          </label>
        )}
        <label>
          Learning rate
          <input
            value={learningRate}
            onChange={(e) => setLearningRate(e.target.value)}
            inputMode="decimal"
            data-testid="train-lr"
            {...invalid('lr')}
          />
        </label>
        <label>
          Batch (tokens)
          <input
            type="number"
            min={1}
            value={batch}
            onChange={(e) => edit('batch', e.target.value)}
            required
            data-testid="train-batch"
            {...invalid('batch')}
          />
        </label>
        <label>
          Seed (optional)
          <input
            type="number"
            min={0}
            value={seed}
            onChange={(e) => setSeed(e.target.value)}
            placeholder="4352"
            data-testid="train-seed"
            {...invalid('seed')}
          />
        </label>
      </div>
      <div className="form-row">
        <label>
          Time budget (minutes)
          <input
            type="number"
            min={0.1}
            step="any"
            value={budget}
            onChange={(e) => {
              setBudget(e.target.value);
              setEdited({ ...own, store: store?.dir, steps: undefined });
            }}
            data-testid="train-budget"
          />
        </label>
        <label>
          Steps
          <input
            type="number"
            min={1}
            value={steps}
            onChange={(e) => edit('steps', e.target.value)}
            required
            data-testid="train-steps"
            {...invalid('steps')}
          />
        </label>
        <button
          type="button"
          className="secondary"
          onClick={() => void measure()}
          disabled={isMeasuring || !store || !(shape.nFeatures > 0) || !(shape.batchSize > 0)}
          data-testid="train-measure"
        >
          {isMeasuring ? 'Measuring…' : 'Measure speed'}
        </button>
        <button type="submit" disabled={isStarting || !store} data-testid="train-start">
          Start training
        </button>
        <span className="estimate" data-testid="train-estimate">
          {estimate === null ? (
            'measuring the speed…'
          ) : applies ? (
            <>
              ≈ {formatDuration(eta)} at {formatRate(estimate.stepsPerSecond)} steps/s on{' '}
              <span title={estimate.engineReason} data-testid="train-estimate-engine">
                {estimate.engine === 'native' ? 'the native engine' : `tfjs (${estimate.backend})`}
              </span>
              <span className="muted">
                {' '}
                · memory ≈ {formatBytes(estimate.memoryBytes)} of {formatBytes(estimate.memoryLimitBytes)}
              </span>
            </>
          ) : (
            <span className="muted">
              measured for F={estimate.nFeatures}, batch {estimate.batchSize}, {measured?.type} on{' '}
              {estimate.engine}: measure again for this size
            </span>
          )}
        </span>
      </div>
      {error && (
        <p className="error" role="alert" id="training-error" data-testid="train-error">
          {error.message}
        </p>
      )}
    </form>
  );
}
