import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isLoopbackHost } from '../main/http/auth';
import { startServer } from '../main/http/server';
import { PipelineCancelledError } from '../main/pipeline/run-pipeline';
import { ownerSession } from '../main/services/session-access';
import { appName, appVersion, createWorkbench, defaultDataDir, type Workbench } from '../main/workbench';
import type { RequestOutput } from '../shared/contract';
import type { BackendPreference } from '../shared/domain';
import { importInto, loadStudyPlan, runPipelineWithProgress } from './pipeline-command';

/** The renderer that `npm run build` writes (out/renderer, beside src/). */
export const builtRendererDir = fileURLToPath(new URL('../../out/renderer', import.meta.url));

export async function runServe(options: {
  port: number;
  host: string;
  dataDir: string | undefined;
  backend: BackendPreference | undefined;
  /** Import the demo study first (importing it again returns the run made the first time). */
  isDemo?: boolean;
  /** A database file to open instead of the data folder's (a project file or a review bundle). */
  project?: string | undefined;
  /** A study.json whose pipeline runs first (into `<dataDir>/pipelines/<name>`); its study is imported. */
  pipeline?: string | undefined;
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
  const project = options.project === undefined ? undefined : resolve(options.project);
  if (project !== undefined && !existsSync(project)) throw new Error(`No project file at ${project}.`);
  // With a project file, runs and stores the workbench makes go beside it unless --data-dir says otherwise.
  const dataDir = options.dataDir ?? (project === undefined ? defaultDataDir() : dirname(project));
  const workbench = createWorkbench({
    dataDir,
    mode: 'serve',
    backendOverride: options.backend,
    databaseFile: project,
  });
  const bundle = workbench.store.bundles.identity();
  if (bundle !== null)
    console.log(
      `Review bundle: runs ${bundle.runIds.join(', ')}, exported ${bundle.exportedAt} (project ${bundle.projectUuid})`,
    );
  const isStudyReady =
    options.pipeline !== undefined &&
    (await runPipelineAndImport(
      workbench,
      options.pipeline,
      dataDir,
      options.backend,
      options.isDemo === true,
    ));
  if (options.isDemo === true && !isStudyReady) await importDemoStudy(workbench);
  const running = await startServer({
    workbench,
    host: options.host,
    port: options.port,
    rendererDir: builtRendererDir,
  });
  console.log(`${appName} ${appVersion} serving ${running.url} (data: ${project ?? dataDir})`);
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

/**
 * Runs a study's pipeline (progress per stage on stderr; finished stages are reused) and imports its
 * study. A bad config, a failed stage or Ctrl+C is reported and returns false: the server starts anyway,
 * on the shipped demo study when `isDemo`.
 */
async function runPipelineAndImport(
  workbench: Workbench,
  configFile: string,
  dataDir: string,
  backend: BackendPreference | undefined,
  isDemo: boolean,
): Promise<boolean> {
  const fallback = isDemo ? ' Opening the shipped demo study (resources/demo/study) instead.' : '';
  try {
    const plan = await loadStudyPlan(configFile, { dataDir });
    console.log(`Running the study pipeline of ${plan.configFile} into ${plan.outDir} (Ctrl+C to skip it)…`);
    const result = await runPipelineWithProgress(plan, { backend });
    const study = await importInto(workbench, plan, result);
    console.log(
      `Study: run ${study.runId} (${study.features} features, ${study.attributions} attributions, ${study.dashboards} dashboards) from ${result.studyDir}; ready to annotate (Features page, Alt+5)`,
    );
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof PipelineCancelledError) console.error(`Pipeline interrupted: ${message}${fallback}`);
    else console.error(`Pipeline failed: ${message}${fallback}`);
    return false;
  }
}

/**
 * Imports the demo study through the contract, as the UI would. A failure is reported and the server
 * starts anyway: the rest of the workbench does not need the study.
 */
async function importDemoStudy(workbench: Workbench): Promise<void> {
  const result = await workbench.invoke(
    'features:importStudy',
    {},
    { transport: 'cli', session: ownerSession },
  );
  if (!result.ok) {
    console.error(`WARNING: the demo study was not imported: ${result.error.message}`);
    return;
  }
  const study = result.value as RequestOutput<'features:importStudy'>;
  console.log(
    `Demo study: run ${study.runId} (${study.features} features, ${study.attributions} attributions, ${study.dashboards} dashboards)`,
  );
}
