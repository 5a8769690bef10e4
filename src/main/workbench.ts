import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import packageJson from '../../package.json';
import type { RequestChannel } from '../shared/contract';
import type { AppInfo, BackendInfo, BackendPreference, JobSnapshot } from '../shared/domain';
import type { Result } from '../shared/result';
import { createWorkerExecutor, probeBackend } from './jobs/compute-worker-host';
import { JobRunner, type JobExecutor } from './jobs/job-runner';
import { ActivationsService } from './services/activations-service';
import { AnnotationService } from './services/annotation-service';
import { AttributionService } from './services/attribution-service';
import { DashboardsService } from './services/dashboards-service';
import { findAppDir, findDemoCorpusFile, findDemoStudyDir } from './services/demo-resources';
import { dispatch, type CallContext, type Handlers } from './services/dispatch';
import { EventBus } from './services/event-bus';
import { FeaturesService } from './services/features-service';
import { createHandlers } from './services/handlers';
import { ModelsService } from './services/models-service';
import type { CallSession } from './services/session-access';
import { StudyService } from './services/study-service';
import { TrainingService } from './services/training-service';
import { createStore, type Store } from './store/store';
import { defaultPathPolicy } from './services/path-policy';

export const appVersion: string = packageJson.version;
export const appName: string = packageJson.productName;

export interface WorkbenchOptions {
  dataDir: string;
  mode: AppInfo['mode'];
  /** Backend forced by flag or `CTT_BACKEND`; otherwise the setting decides. */
  backendOverride?: BackendPreference | undefined;
  /** Replaces the worker-thread executor (tests). */
  execute?: JobExecutor;
  /** Replaces the worker-thread backend probe (tests). */
  probe?: (preference: BackendPreference) => Promise<BackendInfo>;
  progressIntervalMs?: number;
  /** The demo corpus offered by default for extraction; found beside the app when left out. */
  demoCorpusFile?: string | null;
  /** The demo study `features:importStudy` imports without a folder; found beside the app when left out. */
  demoStudyDir?: string | null;
  /**
   * The SQLite file to use as the database instead of `<dataDir>/workbench.sqlite`: another project's
   * database or an offline review bundle (`ctt serve --project FILE`).
   */
  databaseFile?: string | undefined;
}

/** The services behind every adapter (Electron IPC, HTTP serve mode, CLI): one store, one runner. */
export interface Workbench {
  store: Store;
  runner: JobRunner;
  bus: EventBus;
  handlers: Handlers;
  invoke(channel: RequestChannel | string, input: unknown, context: CallContext): Promise<Result<unknown>>;
  /** The annotator session a serve-mode token opens, or null when it is no annotator's current token. */
  sessionForToken(token: string): CallSession | null;
  backend(): Promise<BackendInfo | null>;
  close(): Promise<void>;
}

/** `CTT_DATA_DIR`, else `~/.crosscoder-workbench`. */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return resolve(env.CTT_DATA_DIR ?? join(homedir(), '.crosscoder-workbench'));
}

/** The SQLite file of a data folder (serve mode, Electron and the CLI share it). */
export const databasePath = (dataDir: string): string => join(dataDir, 'workbench.sqlite');

export function createWorkbench(options: WorkbenchOptions): Workbench {
  const store = createStore(options.databaseFile ?? databasePath(options.dataDir));
  const bus = new EventBus();
  const preference = (): BackendPreference =>
    options.backendOverride ?? store.settings.get().backendPreference;
  const execute = options.execute ?? createWorkerExecutor(preference);
  // Services that follow jobs (training runs, attribution results) see every snapshot before clients.
  let followJob: (snapshot: JobSnapshot) => void = () => undefined;
  const runner = new JobRunner({
    jobs: store.jobs,
    execute,
    emit: (snapshot) => {
      try {
        followJob(snapshot);
      } catch (error) {
        console.error(
          `Following job ${snapshot.id} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      }
      bus.emit('jobs:progress', snapshot);
    },
    maxConcurrent: () => store.settings.get().maxConcurrentJobs,
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
  });
  const probe = options.probe ?? probeBackend;
  let backendInfo: Promise<BackendInfo | null> | null = null;
  const backend = (): Promise<BackendInfo | null> =>
    (backendInfo ??= probe(preference()).catch((error: unknown) => {
      console.error(`Backend probe failed: ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }));
  const models = new ModelsService(store);
  const activations = new ActivationsService({
    models,
    runner,
    dataDir: options.dataDir,
    demoCorpusFile: options.demoCorpusFile === undefined ? findDemoCorpusFile() : options.demoCorpusFile,
  });
  const training = new TrainingService({ store, runner, models, dataDir: options.dataDir, execute, backend });
  training.reconcile();
  const attribution = new AttributionService({ store, runner });
  const features = new FeaturesService({ store, attribution });
  const dashboards = new DashboardsService({ store, runner, features });
  const annotation = new AnnotationService({ store, features });
  const demoStudyDir = options.demoStudyDir === undefined ? findDemoStudyDir() : options.demoStudyDir;
  const studies = new StudyService({
    store,
    features,
    dataDir: options.dataDir,
    defaultProjectId: () => models.defaultProjectId(),
    demoStudyDir: () => demoStudyDir,
  });
  followJob = (snapshot) => {
    training.onJobSnapshot(snapshot);
    // The result file first: indexing reads it through the attribution service.
    attribution.onJobSnapshot(snapshot);
    features.onJobSnapshot(snapshot);
    dashboards.onJobSnapshot(snapshot);
  };
  const handlers = createHandlers({
    store,
    runner,
    models,
    activations,
    training,
    attribution,
    features,
    dashboards,
    annotation,
    studies,
    backend,
    appInfo: () => ({
      appName,
      appVersion,
      nodeVersion: process.versions.node,
      platform: `${process.platform}-${process.arch}`,
      mode: options.mode,
      dataDir: options.dataDir,
      schemaVersion: store.schemaVersion,
    }),
    onSettingsChanged: (keys) => {
      if (keys.includes('backendPreference')) backendInfo = null;
    },
  });
  const pathPolicy = defaultPathPolicy({ dataDir: options.dataDir, appDir: findAppDir() });
  return {
    store,
    runner,
    bus,
    handlers,
    backend,
    invoke: (channel, input, context) => dispatch(handlers, channel, input, context, { pathPolicy }),
    sessionForToken: (token) => annotation.sessionForToken(token),
    close: async () => {
      await runner.shutdown();
      store.close();
    },
  };
}
