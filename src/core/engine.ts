import type { BackendName, EngineInfo, EnginePreference } from '../shared/domain';
import { nativeAddonStatus } from './native/native-addon';

// Picks the crosscoder training engine, like the tfjs backend choice: a GPU tfjs backend first, then the
// native engine (OpenBLAS, fused step) where it built, then tfjs on whatever backend it has. An explicit
// `native` request where the addon is unavailable is an error that says why; `tfjs` always works.

/** Parses `--engine` / `CTT_ENGINE` values; anything else is an error naming the value. */
export function parseEnginePreference(value: string | undefined): EnginePreference | undefined {
  if (value === undefined || value === '') return undefined;
  if (value !== 'auto' && value !== 'native' && value !== 'tfjs') {
    throw new Error(`Unknown engine "${value}": use one of auto, native, tfjs.`);
  }
  return value;
}

/**
 * The engine for crosscoder training and why. `backend` is the tfjs backend in use (a GPU backend wins
 * over the CPU-only native engine under `auto`).
 */
export function selectEngine(preference: EnginePreference = 'auto', backend?: BackendName): EngineInfo {
  const status = nativeAddonStatus();
  const native: EngineInfo['native'] = status.ok
    ? { ok: true, detail: status.info.openblasConfig, threads: status.info.blasThreads }
    : { ok: false, detail: status.reason, threads: null };
  const info = (engine: EngineInfo['engine'], reason: string): EngineInfo => ({
    engine,
    preference,
    reason,
    native,
  });
  if (preference === 'tfjs') return info('tfjs', `requested tfjs (${backend ?? 'its'} backend)`);
  if (preference === 'native') {
    if (!status.ok) throw new Error(`native engine requested but unavailable: ${status.reason}`);
    return info('native', 'requested native');
  }
  if (backend === 'tensorflow-gpu') {
    return info('tfjs', 'tfjs runs on the GPU (tensorflow-gpu), faster than the CPU-only native engine');
  }
  if (status.ok) {
    return info('native', `native engine (OpenBLAS, ${native.threads} threads) is the fastest engine here`);
  }
  return info('tfjs', `native engine unavailable: ${status.reason}; tfjs on ${backend ?? 'its'} backend`);
}
