import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostTensor } from '../hf/host-tensor';
import { readSafetensors, writeSafetensors } from '../hf/safetensors';
import { crosscoderConfigSchema, type CrosscoderConfig } from './config';
import { Crosscoder } from './crosscoder';
import type { TrainerState } from './trainer';

/**
 * A run directory:
 * - `config.json`: the resolved config, the activation scale factors and the step of the saved weights;
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
  run: { config: CrosscoderConfig; scale: Float32Array; crosscoder: Crosscoder; state: TrainerState | null },
): Promise<void> {
  const step = run.state?.step ?? 0;
  const latest = join('saves', `step-${String(step).padStart(9, '0')}`);
  mkdirSync(join(dir, latest), { recursive: true });
  const weights = await run.crosscoder.toHost();
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of weights) tensors[name] = { shape: t.shape, data: t.data as Float32Array };
  tensors.scale = { shape: [run.scale.length], data: run.scale };
  tensors.theta = { shape: [1], data: Float32Array.of(run.crosscoder.theta) };
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
  });
  await writeSafetensors(join(dir, weightsFile), tensors, metadata);
  for (const name of readdirSync(join(dir, 'saves'))) {
    if (join('saves', name) !== latest) rmSync(join(dir, 'saves', name), { recursive: true, force: true });
  }
}

export function readRunConfig(dir: string): RunFiles {
  const path = join(dir, configFile);
  if (!existsSync(path)) throw new Error(`${path}: no run here (config.json is missing)`);
  let raw: { step?: unknown; scale?: unknown; config?: unknown; latest?: unknown };
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
  };
}

/** The crosscoder of a run (caller disposes) and, when saved, its trainer state. */
export async function loadRun(
  dir: string,
): Promise<RunFiles & { crosscoder: Crosscoder; state: TrainerState | null }> {
  const files = readRunConfig(dir);
  const from = files.latest === null ? dir : join(dir, files.latest);
  const weights = await readSafetensors(join(from, weightsFile));
  const theta = weights.get('theta')?.data[0] ?? -1;
  const crosscoder = Crosscoder.fromHost(files.config, weights, theta);
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
  return { ...files, crosscoder, state };
}
