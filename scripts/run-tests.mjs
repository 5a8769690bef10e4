#!/usr/bin/env node
// The test command (`npm test`): builds the app, runs vitest (unit, integration, golden) and the
// Playwright specs (e2e in Debian chromium, Electron where a binary exists), then prints one line:
// `N passed, N failed, N skipped`. Exit status is non-zero when anything failed or did not run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';

const tmp = '.tmp';
mkdirSync(tmp, { recursive: true });
const vitestJson = `${tmp}/vitest-results.json`;
const playwrightJson = `${tmp}/playwright-results.json`;
for (const f of [vitestJson, playwrightJson]) rmSync(f, { force: true });

const run = (command, args) => {
  console.log(`\n$ ${command} ${args.join(' ')}`);
  return spawnSync(command, args, { stdio: 'inherit', env: process.env }).status ?? 1;
};
const readJson = (path) => (existsSync(path) ? JSON.parse(readFileSync(path, 'utf8')) : null);

let passed = 0;
let failed = 0;
let skipped = 0;

if (run('npx', ['electron-vite', 'build']) !== 0) {
  console.log('\nbuild failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const vitestStatus = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile=${vitestJson}`,
]);
const vitest = readJson(vitestJson);
if (vitest) {
  passed += vitest.numPassedTests;
  failed += vitest.numFailedTests;
  skipped += vitest.numPendingTests + vitest.numTodoTests;
}
if (!vitest || (vitestStatus !== 0 && vitest.numFailedTests === 0)) {
  console.log('vitest did not finish cleanly (a suite failed to load or crashed)');
  failed += 1;
}

const playwrightStatus = run('npx', ['playwright', 'test']);
const playwright = readJson(playwrightJson);
if (playwright) {
  passed += playwright.stats.expected + playwright.stats.flaky;
  failed += playwright.stats.unexpected;
  skipped += playwright.stats.skipped;
}
if (!playwright || (playwrightStatus !== 0 && playwright.stats.unexpected === 0)) {
  console.log('playwright did not finish cleanly (no browser, a spec failed to load, or a setup error)');
  failed += 1;
}

console.log(`\n${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
