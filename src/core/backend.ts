import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, BackendName, BackendPreference } from '../shared/domain';

// Picks the tfjs backend for compute: tensorflow-gpu → tensorflow → wasm → cpu. The native packages are
// optionalDependencies whose install downloads libtensorflow; where that failed they are simply absent.

export const backendChain: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

type Attempt = BackendInfo['attempts'][number];

const packageOf: Record<BackendName, string | null> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};
/** The tfjs registry name each choice ends up as (both native packages register `tensorflow`). */
const registeredName: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

function isModuleNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND';
}

function describeLoadError(pkg: string, error: unknown): string {
  if (isModuleNotFound(error)) {
    return `${pkg} is not installed`;
  }
  const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `${pkg} failed to load: ${message}`;
}

async function tryBackend(name: BackendName): Promise<Attempt> {
  const pkg = packageOf[name];
  try {
    if (pkg !== null) await import(pkg);
  } catch (error) {
    return { backend: name, ok: false, reason: describeLoadError(pkg ?? name, error) };
  }
  try {
    const isSet = await tf.setBackend(registeredName[name]);
    if (!isSet) return { backend: name, ok: false, reason: `tfjs could not initialise the ${name} backend` };
    await tf.ready();
    // A one-element op proves the kernels run, not only that the module loaded.
    const probe = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
    const value = (await probe.data())[0];
    probe.dispose();
    if (value !== 3) return { backend: name, ok: false, reason: `${name} computed 1+2=${value}` };
    return { backend: name, ok: true, reason: 'loaded and ran a test op' };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { backend: name, ok: false, reason: `${name} failed to initialise: ${message}` };
  }
}

/** Parses `CTT_BACKEND`-style overrides; anything else is an error naming the value. */
export function parseBackendPreference(value: string | undefined): BackendPreference | undefined {
  if (value === undefined || value === '') return undefined;
  const allowed: readonly string[] = ['auto', ...backendChain];
  if (!allowed.includes(value)) {
    throw new Error(`Unknown backend "${value}": use one of ${allowed.join(', ')}.`);
  }
  return value as BackendPreference;
}

/**
 * Initialises the first backend that works, starting with the preferred one, and says why. A
 * preferred backend that fails falls back along the chain, and the reason names the failure.
 */
export async function selectBackend(preference: BackendPreference = 'auto'): Promise<BackendInfo> {
  const order =
    preference === 'auto' ? backendChain : [preference, ...backendChain.filter((b) => b !== preference)];
  const attempts: Attempt[] = [];
  for (const name of order) {
    const attempt = await tryBackend(name);
    attempts.push(attempt);
    if (!attempt.ok) continue;
    const skipped = attempts.filter((a) => !a.ok);
    const why =
      preference !== 'auto' && name === preference
        ? `requested ${name}`
        : preference !== 'auto'
          ? `requested ${preference} is unavailable (${skipped[0]?.reason ?? 'unknown'})`
          : skipped.length === 0
            ? `${name} is the first choice and works`
            : skipped.map((a) => a.reason).join('; ');
    return { backend: name, reason: why, preference, attempts, tfjsVersion: tf.version.tfjs };
  }
  throw new Error(`No tfjs backend works: ${attempts.map((a) => a.reason).join('; ')}`);
}
