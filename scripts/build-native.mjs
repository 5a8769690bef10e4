#!/usr/bin/env node
// Builds the native compute engine (native/, an N-API addon linked to OpenBLAS) during `npm ci` and
// `npm run build:native`. A machine without OpenBLAS or a compiler still installs: the build is skipped
// or fails softly, and native/build-status.json says why (`ctt info` and the Training page show it).
// `--strict` makes a failed build exit non-zero. `CTT_SKIP_NATIVE=1` skips the build on purpose;
// `CTT_NATIVE_STATUS_FILE` writes the status elsewhere (tests).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = join(root, 'native');
const statusFile = process.env.CTT_NATIVE_STATUS_FILE || join(nativeDir, 'build-status.json');
const isStrict = process.argv.includes('--strict');

function finish(ok, reason, extra = {}) {
  mkdirSync(dirname(statusFile), { recursive: true });
  const status = { ok, reason, builtAt: new Date().toISOString(), node: process.version, ...extra };
  writeFileSync(statusFile, JSON.stringify(status, null, 2) + '\n');
  console.log(`native engine: ${ok ? 'built' : 'not built'} (${reason})`);
  process.exit(!ok && isStrict ? 1 : 0);
}

if (process.env.CTT_SKIP_NATIVE === '1') finish(false, 'skipped: CTT_SKIP_NATIVE=1');
if (process.platform === 'win32') finish(false, 'the native engine builds on Linux and macOS only');

try {
  execFileSync('pkg-config', ['--exists', 'openblas'], { stdio: 'ignore' });
} catch {
  finish(
    false,
    'OpenBLAS not found (pkg-config openblas): install libopenblas-dev (bash scripts/setup.sh does), then npm run build:native',
  );
}

/** node-gyp: the one npm runs scripts with, else npm's bundled copy, else npx. */
function nodeGyp() {
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return [process.execPath, [fromNpm]];
  const bundled = join(
    dirname(process.execPath),
    '..',
    'lib',
    'node_modules',
    'npm',
    'node_modules',
    'node-gyp',
    'bin',
    'node-gyp.js',
  );
  if (existsSync(bundled)) return [process.execPath, [bundled]];
  return ['npx', ['--yes', 'node-gyp']];
}

const [command, prefix] = nodeGyp();
const started = Date.now();
// Build against the running Node's own headers when they are installed (no header download).
const prefixDir = join(dirname(process.execPath), '..');
const nodedir =
  process.env.npm_config_nodedir ??
  (existsSync(join(prefixDir, 'include', 'node', 'node_api.h')) ? prefixDir : undefined);
const build = spawnSync(
  command,
  [...prefix, 'rebuild', '--release', ...(nodedir ? [`--nodedir=${nodedir}`] : [])],
  {
    cwd: nativeDir,
    encoding: 'utf8',
    env: process.env,
  },
);
if (build.status !== 0) {
  const tail = `${build.stdout ?? ''}\n${build.stderr ?? ''}`
    .split('\n')
    .filter((l) => /error|Error/.test(l))
    .slice(0, 5)
    .join(' | ');
  finish(
    false,
    `node-gyp failed (exit ${build.status}): ${tail || build.error?.message || 'see npm run build:native'}`,
  );
}

const addonPath = join(nativeDir, 'build', 'Release', 'ctt_native.node');
try {
  const addon = createRequire(import.meta.url)(addonPath);
  const info = addon.info();
  finish(true, info.openblasConfig, {
    seconds: Math.round((Date.now() - started) / 100) / 10,
    coreName: info.coreName,
  });
} catch (error) {
  finish(false, `built but failed to load: ${error instanceof Error ? error.message : String(error)}`);
}
