// `npm run screenshots`: starts `ctt serve --demo` on a fresh data folder, annotates one feature of the
// demo study, and saves the Features page (light and dark, 1280×800) and the Attribution page's
// brushing under docs/images/ for the README. Needs a build (`npm run build`) and Debian chromium.
import { chromium, type Page } from '@playwright/test';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outDir = 'docs/images';
const dataDir = mkdtempSync(join(tmpdir(), 'ctt-screens-'));
const child = spawn(
  process.execPath,
  ['bin/ctt.mjs', 'serve', '--demo', '--port', '0', '--data-dir', dataDir],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CTT_BACKEND: 'wasm' },
  },
);

const openUrl = await new Promise<string>((resolve, reject) => {
  let output = '';
  const timer = setTimeout(() => reject(new Error(`ctt serve printed no URL:\n${output}`)), 90_000);
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
    const match = /Open: (\S+)/.exec(output);
    if (match?.[1]) {
      clearTimeout(timer);
      resolve(match[1]);
    }
  });
});

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu'],
});
try {
  for (const colorScheme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme });
    const page = await context.newPage();
    await page.goto(openUrl);
    await openFeatures(page, colorScheme === 'light');
    await page.screenshot({ path: join(outDir, `features-page-${colorScheme}.png`) });
    await context.close();
  }
  console.log(`Screenshots written to ${outDir}/`);
} finally {
  await browser.close();
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  rmSync(dataDir, { recursive: true, force: true });
}

/** Opens the Features page; the first time creates the annotator and describes the first feature. */
async function openFeatures(page: Page, isFirst: boolean): Promise<void> {
  await page.locator('nav.sidebar').waitFor();
  await page.keyboard.press('Alt+5');
  if (isFirst) {
    await page.getByTestId('annotator-gate').waitFor();
    await page.keyboard.type('Ada');
    await page.keyboard.press('Enter');
  }
  await page.getByTestId('annotation-form').waitFor();
  await page.getByTestId('dashboard-top').waitFor();
  if (isFirst) {
    await page.keyboard.press('e');
    await page.keyboard.type('Plural subject noun before an attractor phrase; pushes the plural verb');
    await page.keyboard.press('Escape');
    await page.keyboard.press('Digit8');
    await page.keyboard.press('Shift+Digit3');
    await page.keyboard.press('l');
    await page.keyboard.type('eng');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Escape');
  }
  await page
    .getByText(/Saved rev/)
    .first()
    .waitFor({ timeout: 10_000 });
}
