import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Loads the native compute engine (native/, built by scripts/build-native.mjs during `npm ci`). Where it
// did not build, everything runs on tfjs and `nativeAddonStatus()` says why. `CTT_NATIVE_ADDON` points
// at a built `ctt_native.node` elsewhere (a packaged app); `CTT_ENGINE=tfjs` turns the engine off.

/** What `info()` reports about the linked BLAS and the thread counts. */
export interface NativeBuildInfo {
  openblasConfig: string;
  coreName: string;
  blasThreads: number;
  loopThreads: number;
  parallel: number;
}

/** The addon's functions (row-major Float32Arrays; shapes are checked, errors name the argument). */
export interface NativeAddon {
  /** C[m,n] = alpha·op(A)·op(B) + beta·C; op(A) is [m,k], op(B) [k,n]. */
  sgemm(
    transA: boolean,
    transB: boolean,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: Float32Array,
    b: Float32Array,
    beta: number,
    c: Float32Array,
  ): void;
  /** C_i = op(A_i)·op(B_i), C packed [batch,m,n]; stride 0 broadcasts one matrix. */
  sgemmBatched(
    transA: boolean,
    transB: boolean,
    batch: number,
    m: number,
    n: number,
    k: number,
    a: Float32Array,
    strideA: number,
    b: Float32Array,
    strideB: number,
    c: Float32Array,
  ): void;
  /** Threads for OpenBLAS and the engine's loops. */
  setThreads(threads: number): void;
  info(): NativeBuildInfo;
  /** The fused crosscoder step (see crosscoder-session.ts). */
  CrosscoderSession?: unknown;
}

export type NativeAddonStatus =
  { ok: true; path: string; info: NativeBuildInfo } | { ok: false; reason: string };

const addonRelative = join('native', 'build', 'Release', 'ctt_native.node');

/** The project root above this module (source under tsx, or the built bundle under out/). */
function projectRoot(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'native', 'binding.gyp'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

function buildStatusReason(root: string): string {
  const file = join(root, 'native', 'build-status.json');
  if (!existsSync(file)) return 'the native engine was not built: run npm run build:native';
  try {
    const status = JSON.parse(readFileSync(file, 'utf8')) as { ok?: boolean; reason?: string };
    if (status.ok) return `${join(root, addonRelative)} is missing: run npm run build:native`;
    return `the native engine did not build: ${status.reason ?? 'no reason recorded'}`;
  } catch {
    return `${file} is unreadable: run npm run build:native`;
  }
}

let cached: { addon: NativeAddon | null; status: NativeAddonStatus } | null = null;

function load(): { addon: NativeAddon | null; status: NativeAddonStatus } {
  if (process.env.CTT_ENGINE === 'tfjs') {
    return { addon: null, status: { ok: false, reason: 'turned off by CTT_ENGINE=tfjs' } };
  }
  const root = projectRoot();
  const path = process.env.CTT_NATIVE_ADDON || (root ? join(root, addonRelative) : null);
  if (path === null) {
    return { addon: null, status: { ok: false, reason: 'no native/ folder above the app' } };
  }
  if (!existsSync(path)) {
    const reason = process.env.CTT_NATIVE_ADDON
      ? `CTT_NATIVE_ADDON=${path} does not exist`
      : buildStatusReason(root!);
    return { addon: null, status: { ok: false, reason } };
  }
  try {
    const addon = createRequire(import.meta.url)(path) as NativeAddon;
    return { addon, status: { ok: true, path, info: addon.info() } };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : String(error);
    return { addon: null, status: { ok: false, reason: `${path} failed to load: ${message}` } };
  }
}

/** Whether the native engine loaded, with its build facts or the reason it did not. */
export function nativeAddonStatus(): NativeAddonStatus {
  cached ??= load();
  return cached.status;
}

/** The addon, or null where it did not build or load (see `nativeAddonStatus`). */
export function nativeAddon(): NativeAddon | null {
  cached ??= load();
  return cached.addon;
}

/** The addon, or an error that says why it is unavailable. */
export function requireNativeAddon(): NativeAddon {
  const addon = nativeAddon();
  if (addon === null) {
    const status = nativeAddonStatus();
    throw new Error(`native engine unavailable: ${status.ok ? 'unknown' : status.reason}`);
  }
  return addon;
}
