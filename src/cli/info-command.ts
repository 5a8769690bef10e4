import { selectBackend } from '../core/backend';
import { selectEngine } from '../core/engine';
import type { BackendPreference, EnginePreference } from '../shared/domain';
import { appName, appVersion, defaultDataDir } from '../main/workbench';

export async function runInfo(options: {
  backend: BackendPreference | undefined;
  engine?: EnginePreference | undefined;
  isJson: boolean;
}): Promise<void> {
  const backend = await selectBackend(options.backend ?? 'auto');
  const engine = selectEngine(options.engine ?? 'auto', backend.backend);
  const info = {
    app: appName,
    appVersion,
    nodeVersion: process.versions.node,
    platform: `${process.platform}-${process.arch}`,
    dataDir: defaultDataDir(),
    backend,
    engine,
  };
  if (options.isJson) {
    console.log(JSON.stringify(info, null, 2));
    return;
  }
  console.log(`${appName} ${appVersion}`);
  console.log(`Node.js       ${info.nodeVersion} (${info.platform})`);
  console.log(`tfjs          ${backend.tfjsVersion}`);
  console.log(`Backend       ${backend.backend} (preference: ${backend.preference})`);
  console.log(`Why           ${backend.reason}`);
  for (const attempt of backend.attempts) {
    console.log(`  ${attempt.ok ? 'ok  ' : 'skip'} ${attempt.backend.padEnd(15)} ${attempt.reason}`);
  }
  console.log(`Engine        ${engine.engine} (crosscoder training; preference: ${engine.preference})`);
  console.log(`Why           ${engine.reason}`);
  console.log(
    `  ${engine.native.ok ? 'ok  ' : 'skip'} ${'native'.padEnd(15)} ${engine.native.detail}` +
      (engine.native.threads === null ? '' : `, ${engine.native.threads} threads`),
  );
  console.log(`Data folder   ${info.dataDir}`);
}
