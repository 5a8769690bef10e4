import type { BackendInfo } from '../../src/shared/domain';

/** A BackendInfo as a worker probe would return it, without starting tfjs. */
export function fakeBackendInfo(overrides: Partial<BackendInfo> = {}): BackendInfo {
  return {
    backend: 'cpu',
    reason: 'fake probe for tests',
    preference: 'auto',
    attempts: [
      { backend: 'tensorflow-gpu', ok: false, reason: '@tensorflow/tfjs-node-gpu is not installed' },
      { backend: 'tensorflow', ok: false, reason: '@tensorflow/tfjs-node is not installed' },
      { backend: 'wasm', ok: false, reason: 'skipped in tests' },
      { backend: 'cpu', ok: true, reason: 'loaded and ran a test op' },
    ],
    tfjsVersion: '0.0.0-test',
    ...overrides,
  };
}
