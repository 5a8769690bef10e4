import { openDatabase, schemaVersion, type Db } from './database';
import { AnnotationsRepository } from './annotations-repository';
import { AnnotatorTokensRepository } from './annotator-tokens-repository';
import { AnnotatorsRepository } from './annotators-repository';
import { AssignmentsRepository } from './assignments-repository';
import { AttributionIndexRepository } from './attribution-index-repository';
import { BundlesRepository } from './bundles-repository';
import { CommentsRepository } from './comments-repository';
import { DashboardsRepository } from './dashboards-repository';
import { FeatureQueueRepository } from './feature-queue-repository';
import { FeaturesRepository } from './features-repository';
import { GoldRecordsRepository } from './gold-records-repository';
import { JobsRepository } from './jobs-repository';
import { MetricsRepository } from './metrics-repository';
import { ModelsRepository } from './models-repository';
import { ProjectsRepository } from './projects-repository';
import { QueuesRepository } from './queues-repository';
import { ReviewRepository } from './review-repository';
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
  gold: GoldRecordsRepository;
  comments: CommentsRepository;
  review: ReviewRepository;
  bundles: BundlesRepository;
  jobs: JobsRepository;
  metrics: MetricsRepository;
  settings: SettingsRepository;
  close(): void;
}

/**
 * Opens the store at `path`. A review bundle (a store with a bundle identity) is switched to a rollback
 * journal, so that it stays one file that can be sent back whichever way it was opened.
 */
export function createStore(path: string): Store {
  const db = openDatabase(path);
  const bundles = new BundlesRepository(db);
  if (path !== ':memory:' && bundles.identity() !== null) db.pragma('journal_mode = DELETE');
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
    gold: new GoldRecordsRepository(db),
    comments: new CommentsRepository(db),
    review: new ReviewRepository(db),
    bundles,
    jobs: new JobsRepository(db),
    metrics: new MetricsRepository(db),
    settings: new SettingsRepository(db),
    close: () => db.close(),
  };
}
