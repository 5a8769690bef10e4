import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineName } from '../../shared/domain';
import type { HostTensor } from '../hf/host-tensor';
import { readSafetensors, writeSafetensors } from '../hf/safetensors';
import { crosscoderConfigSchema, type CrosscoderConfig } from './config';
import { Crosscoder } from './crosscoder';
import type { TrainerState } from './trainer';

/**
 * A run directory:
 * - `config.json`: the resolved config, the activation scale factors, the step of the saved weights and
 *   the training engine that wrote them (`engine`: native or tfjs, and why it was chosen);
 * - `crosscoder.safetensors`: `W_enc` [M,D,F], `W_dec` [F,M,D], `b_enc` [F], `b_dec` [M,D] (float32,
 *   for activations multiplied by `scale`), `scale` [M] (s_m = √D / E‖x_m‖), `theta` [1] (BatchTopK);
 *   load in Python with `safetensors.torch.load_file`; raw activations: x_m · scale[m];
 * - `saves/step-<N>/`: the same weights plus `trainer-state.safetensors` (Adam moments, dead-feature
 *   counters) for resume; config.json's `latest` names the newest complete one.
 * A save writes a new `saves/step-<N>/`, then switches config.json to it (atomic rename), then
 * refreshes the top-level weights and deletes older saves: a kill at any point leaves a complete,
 * consistent save to resume from.
 */
export interface RunFiles {
  config: CrosscoderConfig;
  scale: Float32Array;
  step: number;
  /** Folder of the newest complete save (relative to the run), or null for weights-only runs. */
  latest: string | null;
  /** The engine that trained up to the newest save and why it was chosen (absent in older runs). */
  engine: RunEngineRecord | null;
}

/** config.json's record of the training engine. */
export interface RunEngineRecord {
  engine: EngineName;
  reason: string;
  /** Threads of the native engine (null for tfjs). */
  threads: number | null;
}

/** What a save writes: the weights as a tfjs Crosscoder or as host tensors (θ beside them). */
export type RunWeights =
  { crosscoder: Crosscoder } | { weights: ReadonlyMap<string, HostTensor>; theta: number };

/** The weights and θ of a run on the host, without building a tfjs Crosscoder. */
export interface HostRun extends RunFiles {
  weights: Map<string, HostTensor>;
  theta: number;
  state: TrainerState | null;
}

const configFile = 'config.json';
const weightsFile = 'crosscoder.safetensors';
const stateFile = 'trainer-state.safetensors';

function writeJsonAtomic(path: string, value: unknown): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(value, null, 2) + '\n');
  renameSync(tmp, path);
}

export async function saveRun(
  dir: string,
  run: {
    config: CrosscoderConfig;
    scale: Float32Array;
    state: TrainerState | null;
    engine?: RunEngineRecord;
  } & RunWeights,
): Promise<void> {
  const step = run.state?.step ?? 0;
  const latest = join('saves', `step-${String(step).padStart(9, '0')}`);
  mkdirSync(join(dir, latest), { recursive: true });
  const [weights, theta] =
    'crosscoder' in run ? [await run.crosscoder.toHost(), run.crosscoder.theta] : [run.weights, run.theta];
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of weights) tensors[name] = { shape: t.shape, data: t.data as Float32Array };
  tensors.scale = { shape: [run.scale.length], data: run.scale };
  tensors.theta = { shape: [1], data: Float32Array.of(theta) };
  const metadata = { format: 'pt', type: run.config.type, step: String(step) };
  await writeSafetensors(join(dir, latest, weightsFile), tensors, metadata);
  if (run.state) {
    const state: Record<string, { shape: number[]; data: Float32Array }> = {
      tokens_since_fired: { shape: [run.state.tokensSinceFired.length], data: run.state.tokensSinceFired },
    };
    if (run.state.betaPowers) state.adam_beta_powers = { shape: [2], data: run.state.betaPowers };
    for (const [name, t] of run.state.optimizer)
      state[name] = { shape: t.shape, data: t.data as Float32Array };
    await writeSafetensors(join(dir, latest, stateFile), state, { step: String(step) });
  }
  writeJsonAtomic(join(dir, configFile), {
    format: 'crosscoder-workbench run v1',
    step,
    latest,
    scale: Array.from(run.scale),
    config: run.config,
    ...(run.engine ? { engine: run.engine } : {}),
  });
  await writeSafetensors(join(dir, weightsFile), tensors, metadata);
  for (const name of readdirSync(join(dir, 'saves'))) {
    if (join('saves', name) !== latest) rmSync(join(dir, 'saves', name), { recursive: true, force: true });
  }
}

export function readRunConfig(dir: string): RunFiles {
  const path = join(dir, configFile);
  if (!existsSync(path)) throw new Error(`${path}: no run here (config.json is missing)`);
  let raw: { step?: unknown; scale?: unknown; config?: unknown; latest?: unknown; engine?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as typeof raw;
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const parsed = crosscoderConfigSchema.safeParse(raw.config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: config.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const scale = Array.isArray(raw.scale)
    ? Float32Array.from(raw.scale as number[])
    : new Float32Array(parsed.data.nCheckpoints).fill(1);
  return {
    config: parsed.data,
    scale,
    step: typeof raw.step === 'number' ? raw.step : 0,
    latest: typeof raw.latest === 'string' ? raw.latest : null,
    engine: engineRecordOf(raw.engine),
  };
}

function engineRecordOf(value: unknown): RunEngineRecord | null {
  const r = value as Partial<RunEngineRecord> | null | undefined;
  if (typeof r !== 'object' || r === null) return null;
  if ((r.engine !== 'native' && r.engine !== 'tfjs') || typeof r.reason !== 'string') return null;
  return { engine: r.engine, reason: r.reason, threads: typeof r.threads === 'number' ? r.threads : null };
}

/** The crosscoder of a run (caller disposes) and, when saved, its trainer state. */
export async function loadRun(
  dir: string,
): Promise<RunFiles & { crosscoder: Crosscoder; state: TrainerState | null }> {
  const { weights, theta, ...run } = await loadRunHost(dir);
  return { ...run, crosscoder: Crosscoder.fromHost(run.config, weights, theta) };
}

/** A run's weights, θ and trainer state on the host (the native engine loads these directly). */
export async function loadRunHost(dir: string): Promise<HostRun> {
  const files = readRunConfig(dir);
  const from = files.latest === null ? dir : join(dir, files.latest);
  const weights = await readSafetensors(join(from, weightsFile));
  const theta = weights.get('theta')?.data[0] ?? -1;
  let state: TrainerState | null = null;
  if (existsSync(join(from, stateFile))) {
    const saved = await readSafetensors(join(from, stateFile));
    const optimizer = new Map<string, HostTensor>([...saved].filter(([name]) => name.startsWith('adam.')));
    const counters = saved.get('tokens_since_fired');
    if (!counters) throw new Error(`${join(from, stateFile)}: tensor tokens_since_fired is missing`);
    const betaPowers = saved.get('adam_beta_powers');
    state = {
      step: files.step,
      theta,
      tokensSinceFired: counters.data as Float32Array,
      optimizer,
      betaPowers: betaPowers ? (betaPowers.data as Float32Array) : null,
    };
  }
  return { ...files, weights, theta, state };
}
