import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '../main/http/auth';
import { startServer } from '../main/http/server';
import { appName, appVersion, createWorkbench, defaultDataDir } from '../main/workbench';
import type { BackendPreference } from '../shared/domain';

/** The renderer that `npm run build` writes (out/renderer, beside src/). */
export const builtRendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export async function runServe(options: {
  port: number;
  host: string;
  dataDir: string | undefined;
  backend: BackendPreference | undefined;
}): Promise<void> {
  if (!existsSync(`${builtRendererDir}/index.html`)) {
    throw new Error(`The UI is not built (no ${builtRendererDir}/index.html): run \`npm run build\` first.`);
  }
  if (!isLoopbackHost(options.host)) {
    console.warn(
      `WARNING: binding ${options.host} makes the workbench reachable from other machines. Anyone with the ` +
        'token can read and change its data; share the URL only with people you trust, on a network you trust.',
    );
  }
  const dataDir = options.dataDir ?? defaultDataDir();
  const workbench = createWorkbench({ dataDir, mode: 'serve', backendOverride: options.backend });
  const running = await startServer({
    workbench,
    host: options.host,
    port: options.port,
    rendererDir: builtRendererDir,
  });
  console.log(`${appName} ${appVersion} serving ${running.url} (data: ${dataDir})`);
  console.log(`Open: ${running.openUrl}`);
  void workbench.backend().then((info) => {
    if (info) console.log(`Backend: ${info.backend} (${info.reason})`);
  });
  const stop = (): void => {
    console.log('Stopping: cancelling running jobs…');
    void running
      .close()
      .then(() => workbench.close())
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
