import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnginePreference, selectEngine } from '../../../src/core/engine';
import { nativeAddonStatus, requireNativeAddon } from '../../../src/core/native/native-addon';

// The engine choice and the ways the native engine can be missing: not built, not loadable, turned off.
// Each "missing" case runs `ctt info` in a child process (the addon is loaded once per process).

/** This process's environment without an engine override, plus `extra`. */
function envWith(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  delete env.CTT_ENGINE;
  return env;
}

function cttInfo(extra: Record<string, string>): { status: number | null; out: string } {
  const run = spawnSync(process.execPath, ['bin/ctt.mjs', 'info', '--json'], {
    encoding: 'utf8',
    env: envWith(extra),
    timeout: 60_000,
  });
  return { status: run.status, out: `${run.stdout}${run.stderr}` };
}

describe('engine choice', () => {
  it('parses preferences and names a wrong one', () => {
    expect(parseEnginePreference(undefined)).toBeUndefined();
    expect(parseEnginePreference('native')).toBe('native');
    expect(() => parseEnginePreference('blas')).toThrow(
      'Unknown engine "blas": use one of auto, native, tfjs.',
    );
  });

  it('builds here (setup installs OpenBLAS) and is chosen on CPU backends', () => {
    const status = nativeAddonStatus();
    expect(status, JSON.stringify(status)).toMatchObject({ ok: true });
    expect(selectEngine('auto', 'wasm')).toMatchObject({ engine: 'native', native: { ok: true } });
    expect(selectEngine('auto', 'cpu').reason).toMatch(/OpenBLAS, \d+ threads/);
  });

  it('leaves a GPU tfjs backend in charge under auto, and honours an explicit choice', () => {
    expect(selectEngine('auto', 'tensorflow-gpu')).toMatchObject({ engine: 'tfjs', preference: 'auto' });
    expect(selectEngine('tfjs', 'wasm')).toMatchObject({
      engine: 'tfjs',
      reason: 'requested tfjs (wasm backend)',
    });
    expect(selectEngine('native', 'tensorflow-gpu').engine).toBe('native');
  });

  it('multiplies matrices with transposes like the definition', () => {
    const addon = requireNativeAddon();
    const a = Float32Array.from({ length: 6 }, (_, i) => i + 1); // A^T stored [3,2]: A is [2,3]
    const b = Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2); // B [3,4]
    const c = new Float32Array(8).fill(1);
    addon.sgemm(true, false, 2, 4, 3, 2, a, b, 0.5, c);
    const expected = new Float32Array(8);
    for (let i = 0; i < 2; i++)
      for (let j = 0; j < 4; j++) {
        let sum = 0;
        for (let p = 0; p < 3; p++) sum += a[p * 2 + i]! * b[p * 4 + j]!;
        expected[i * 4 + j] = 2 * sum + 0.5;
      }
    expect(Array.from(c)).toEqual(Array.from(expected));
    expect(() => addon.sgemm(false, false, 2, 4, 3, 1, a, b.subarray(0, 5), 0, c)).toThrow(
      'B holds 5 floats, the shape needs 12',
    );
    expect(() => addon.sgemm(false, false, 2.5, 4, 3, 1, a, b, 0, c)).toThrow('m must be an integer');
  });
});

describe('without the native engine', () => {
  it('an addon that is not there: ctt info says so and tfjs trains', () => {
    const { status, out } = cttInfo({ CTT_NATIVE_ADDON: join(tmpdir(), 'no-such-addon.node') });
    expect(status, out).toBe(0);
    const info = JSON.parse(out.slice(out.indexOf('{'))) as { engine: { engine: string; reason: string } };
    expect(info.engine.engine).toBe('tfjs');
    expect(info.engine.reason).toContain('no-such-addon.node does not exist');
  });

  it('a damaged addon file: a clear reason, no crash at start-up', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctt-native-'));
    const file = join(dir, 'ctt_native.node');
    writeFileSync(file, 'not a shared object');
    const { status, out } = cttInfo({ CTT_NATIVE_ADDON: file });
    expect(status, out).toBe(0);
    expect(out).toMatch(/ctt_native\.node failed to load: .*(invalid ELF|too short|file)/);
  });

  it('an explicit native request where it is unavailable is an error that says why', () => {
    const run = spawnSync(process.execPath, ['bin/ctt.mjs', 'info', '--engine', 'native'], {
      encoding: 'utf8',
      env: envWith({ CTT_NATIVE_ADDON: join(tmpdir(), 'missing.node') }),
      timeout: 60_000,
    });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('native engine requested but unavailable: CTT_NATIVE_ADDON=');
  });

  it('a build without OpenBLAS installs anyway and records why (strict mode fails)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctt-native-build-'));
    // A PATH with node but without pkg-config: the build script must stop at the OpenBLAS check.
    const bin = join(dir, 'bin');
    spawnSync('mkdir', ['-p', bin]);
    symlinkSync(process.execPath, join(bin, 'node'));
    const status = join(dir, 'status.json');
    const run = (args: string[]) =>
      spawnSync(process.execPath, ['scripts/build-native.mjs', ...args], {
        encoding: 'utf8',
        env: { PATH: bin, CTT_NATIVE_STATUS_FILE: status, HOME: dir },
        timeout: 60_000,
      });
    const soft = run([]);
    expect(soft.status, soft.stderr).toBe(0);
    const recorded = JSON.parse(readFileSync(status, 'utf8')) as { ok: boolean; reason: string };
    expect(recorded.ok).toBe(false);
    expect(recorded.reason).toContain('install libopenblas-dev');
    expect(run(['--strict']).status).toBe(1);
  });
});
