import * as tf from '@tensorflow/tfjs';
import type { BackendInfo, BackendName, BackendPreference } from '../shared/domain';
import { nativeAddonStatus } from './native/native-addon';
import {
  installNativeKernels,
  nativeKernelNames,
  uninstallNativeKernels,
} from './native/tfjs-native-kernels';

// Picks the tfjs backend for compute: tensorflow-gpu → tensorflow → native → wasm → cpu. The tfjs-node
// packages are optionalDependencies whose install downloads libtensorflow; where that failed they are
// simply absent. `native` is tfjs's cpu backend with OpenBLAS matmuls and native elementwise kernels
// from the project's addon (src/core/native/tfjs-native-kernels.ts); it is skipped, with the addon's
// reason, where the addon did not build.
//
// Why native comes before wasm under `auto`, whatever the model's size (measured on a 2-core machine,
// issue 11; `npm run bench -- lm`): it is faster at every size we run, the demo family's d=64 model
// included (forward 1.3–1.5× wasm's tokens/s, forward+backward 1.3–1.5×; Pythia-160M: 2.6× and 4.2×),
// and it has no 4 GiB heap, so 1B checkpoints load. The demo pipeline is not slower on it (fastest of
// three runs each: 15.3 s native, 15.8 s wasm; accuracy, evaluate and attribute faster, extraction
// equal: it is bound by tokenising and writing, not by the model). So no size rule is needed.

export const backendChain: readonly BackendName[] = ['tensorflow-gpu', 'tensorflow', 'native', 'wasm', 'cpu'];

type Attempt = BackendInfo['attempts'][number];

const packageOf: Record<BackendName, string | null> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
  native: null,
  wasm: '@tensorflow/tfjs-backend-wasm',
  cpu: null,
};
/**
 * The tfjs registry name each choice ends up as (both tfjs-node packages register `tensorflow`; native
 * is the cpu backend with some of its kernels replaced).
 */
const registeredName: Record<BackendName, string> = {
  'tensorflow-gpu': 'tensorflow',
  tensorflow: 'tensorflow',
  native: 'cpu',
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

/**
 * `native` and `cpu` share tfjs's cpu backend: choosing one installs or removes the native kernels.
 * Returns why native is unavailable, or null.
 */
function prepareCpuKernels(name: BackendName): string | null {
  if (name === 'cpu') uninstallNativeKernels();
  if (name !== 'native') return null;
  const status = nativeAddonStatus();
  if (!status.ok) return `native: ${status.reason}`;
  try {
    installNativeKernels();
  } catch (error) {
    return `native kernels failed to register: ${error instanceof Error ? error.message : String(error)}`;
  }
  return null;
}

/**
 * A one-element op proves the kernels run, not only that the module loaded; native also runs a small
 * matmul through sgemm. Returns what went wrong, or null.
 */
async function probeKernels(name: BackendName): Promise<string | null> {
  const sum = tf.tidy(() => tf.add(tf.scalar(1), tf.scalar(2)));
  const value = (await sum.data())[0];
  sum.dispose();
  if (value !== 3) return `${name} computed 1+2=${value}`;
  if (name !== 'native') return null;
  const product = tf.tidy(() => tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]])));
  const dot = (await product.data())[0];
  product.dispose();
  return dot === 11 ? null : `native computed [1,2]·[3,4]=${dot}`;
}

async function tryBackend(name: BackendName): Promise<Attempt> {
  const pkg = packageOf[name];
  try {
    if (pkg !== null) await import(pkg);
  } catch (error) {
    return { backend: name, ok: false, reason: describeLoadError(pkg ?? name, error) };
  }
  const unavailable = prepareCpuKernels(name);
  if (unavailable !== null) return { backend: name, ok: false, reason: unavailable };
  try {
    const isSet = await tf.setBackend(registeredName[name]);
    if (!isSet) throw new Error(`tfjs could not initialise the ${name} backend`);
    await tf.ready();
    // tfjs's cpu backend prints "install our node backend" on first use: wrong advice for native.
    if (name === 'native') (tf.backend() as { firstUse?: boolean }).firstUse = false;
    const failure = await probeKernels(name);
    if (failure !== null) throw new Error(failure);
  } catch (error) {
    if (name === 'native') uninstallNativeKernels();
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { backend: name, ok: false, reason: `${name} failed to initialise: ${message}` };
  }
  const reason =
    name === 'native'
      ? `cpu backend with ${nativeKernelNames().length} native kernels (OpenBLAS); ran test ops`
      : 'loaded and ran a test op';
  return { backend: name, ok: true, reason };
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
