import { openDatabase, schemaVersion, type Db } from './database';
import { AnnotationsRepository } from './annotations-repository';
import { AnnotatorTokensRepository } from './annotator-tokens-repository';
import { AnnotatorsRepository } from './annotators-repository';
import { AssignmentsRepository } from './assignments-repository';
import { AttributionIndexRepository } from './attribution-index-repository';
import { DashboardsRepository } from './dashboards-repository';
import { FeatureQueueRepository } from './feature-queue-repository';
import { FeaturesRepository } from './features-repository';
import { JobsRepository } from './jobs-repository';
import { MetricsRepository } from './metrics-repository';
import { ModelsRepository } from './models-repository';
import { ProjectsRepository } from './projects-repository';
import { QueuesRepository } from './queues-repository';
import { RunsRepository } from './runs-repository';
import { SettingsRepository } from './settings-repository';

/** The workbench store: one SQLite database, one repository per aggregate. */
export interface Store {
  db: Db;
  schemaVersion: number;
  projects: ProjectsRepository;
  models: ModelsRepository;
  runs: RunsRepository;
  features: FeaturesRepository;
  annotators: AnnotatorsRepository;
  annotations: AnnotationsRepository;
  attributions: AttributionIndexRepository;
  featureQueue: FeatureQueueRepository;
  dashboards: DashboardsRepository;
  queues: QueuesRepository;
  assignments: AssignmentsRepository;
  annotatorTokens: AnnotatorTokensRepository;
  jobs: JobsRepository;
  metrics: MetricsRepository;
  settings: SettingsRepository;
  close(): void;
}

export function createStore(path: string): Store {
  const db = openDatabase(path);
  return {
    db,
    schemaVersion: schemaVersion(db),
    projects: new ProjectsRepository(db),
    models: new ModelsRepository(db),
    runs: new RunsRepository(db),
    features: new FeaturesRepository(db),
    annotators: new AnnotatorsRepository(db),
    annotations: new AnnotationsRepository(db),
    attributions: new AttributionIndexRepository(db),
    featureQueue: new FeatureQueueRepository(db),
    dashboards: new DashboardsRepository(db),
    queues: new QueuesRepository(db),
    assignments: new AssignmentsRepository(db),
    annotatorTokens: new AnnotatorTokensRepository(db),
    jobs: new JobsRepository(db),
    metrics: new MetricsRepository(db),
    settings: new SettingsRepository(db),
    close: () => db.close(),
  };
}
