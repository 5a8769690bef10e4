import { selectEngine } from '../../core/engine';
import type { AppInfo, BackendInfo } from '../../shared/domain';
import type { JobRunner } from '../jobs/job-runner';
import type { Store } from '../store/store';
import { ActivationsService } from './activations-service';
import { AnnotationService } from './annotation-service';
import { AttributionService } from './attribution-service';
import { BundleService } from './bundle-service';
import { DashboardsService } from './dashboards-service';
import { ExportService } from './export-service';
import { findDemoStudyDir, findDemoTaskFiles } from './demo-resources';
import { sessionOf, type Handlers } from './dispatch';
import { FaithfulnessService } from './faithfulness-service';
import { FeaturesService } from './features-service';
import { ModelsService } from './models-service';
import { ReviewService } from './review-service';
import { StudyService } from './study-service';
import { startTaskAccuracy } from './task-accuracy-service';
import { TrainingService } from './training-service';

export interface HandlerDeps {
  store: Store;
  runner: JobRunner;
  appInfo: () => Omit<AppInfo, 'backend'>;
  /** The backend compute jobs will use (probed in a worker); re-probed when the setting changes. */
  backend: () => Promise<BackendInfo | null>;
  onSettingsChanged: (keys: string[]) => void;
  /** The checkpoint manager; one over `store` with the default Hugging Face cache when omitted. */
  models?: ModelsService;
  /** Activation stores; one over the data folder without a demo corpus when omitted. */
  activations?: ActivationsService;
  /** Crosscoder runs; one without a speed benchmark when omitted. */
  training?: TrainingService;
  /** Attribution results; one over `store` and `runner` when omitted (then nothing writes result files). */
  attribution?: AttributionService;
  /** Indexed attributions, queues, feature detail; one over `store` and `attribution` when omitted. */
  features?: FeaturesService;
  /** Dashboards jobs and data; one over `store`, `runner` and `features` when omitted. */
  dashboards?: DashboardsService;
  /** Others' answers, assignment, progress, tokens; one over `store` and `features` when omitted. */
  annotation?: AnnotationService;
  /** Study import; one over the data folder with the shipped demo study when omitted. */
  studies?: StudyService;
  /** Agreement, lifecycle review, adjudication, comments; one over `store` when omitted. */
  review?: ReviewService;
  /** Table exports and annotation imports; one over `store` when omitted. */
  exports?: ExportService;
  /** Offline review bundles; one over `store` when omitted. */
  bundles?: BundleService;
  /** Faithfulness reports and jobs; one over `store` and `runner` when omitted. */
  faithfulness?: FaithfulnessService;
}

/** The services createHandlers works with: those given, the rest made over the store and runner. */
function servicesOf(deps: HandlerDeps) {
  const { store, runner } = deps;
  const models = deps.models ?? new ModelsService(store);
  const dataDir = deps.appInfo().dataDir;
  const attribution = deps.attribution ?? new AttributionService({ store, runner });
  const features = deps.features ?? new FeaturesService({ store, attribution });
  const appVersion = deps.appInfo().appVersion;
  return {
    review: deps.review ?? new ReviewService({ store }),
    exports: deps.exports ?? new ExportService({ store, appVersion }),
    bundles: deps.bundles ?? new BundleService({ store, appVersion }),
    models,
    attribution,
    features,
    faithfulness: deps.faithfulness ?? new FaithfulnessService({ store, runner }),
    activations:
      deps.activations ?? new ActivationsService({ models, runner, dataDir, demoCorpusFile: null }),
    training: deps.training ?? new TrainingService({ store, runner, models, dataDir, backend: deps.backend }),
    dashboards: deps.dashboards ?? new DashboardsService({ store, runner, features }),
    annotation: deps.annotation ?? new AnnotationService({ store, features }),
    studies:
      deps.studies ??
      new StudyService({
        store,
        features,
        dataDir,
        defaultProjectId: () => models.defaultProjectId(),
        demoStudyDir: () => findDemoStudyDir(),
      }),
  };
}

/** Every contract channel, translated to the store and the job runner. Adapters only call `dispatch`. */
export function createHandlers(deps: HandlerDeps): Handlers {
  const { store, runner } = deps;
  const {
    models,
    activations,
    training,
    attribution,
    features,
    dashboards,
    annotation,
    studies,
    review,
    exports,
    bundles,
    faithfulness,
  } = servicesOf(deps);
  return {
    'app:info': async () => {
      const backend = await deps.backend();
      return { ...deps.appInfo(), backend, engine: selectEngine('auto', backend?.backend) };
    },
    'settings:get': () => store.settings.get(),
    'settings:update': (patch) => {
      const next = store.settings.update(patch);
      deps.onSettingsChanged(Object.keys(patch));
      return next;
    },

    'projects:list': () => store.projects.list(),
    'projects:create': (input) => store.projects.create(input),

    'annotators:list': () => store.annotators.list(),
    'annotators:create': ({ name }) => store.annotators.create(name),
    'annotators:progress': (input) => annotation.progress(input),
    'annotators:createToken': ({ annotatorId }) => annotation.createToken(annotatorId),
    'session:get': (_input, context) => annotation.session(sessionOf(context)),

    'annotations:save': (input) => store.annotations.save(input),
    'annotations:latest': ({ featureId, annotatorId }) => store.annotations.latest(featureId, annotatorId),
    'annotations:history': ({ featureId, annotatorId }) => store.annotations.history(featureId, annotatorId),
    'annotations:others': (input) => annotation.others(input),
    'annotations:assign': (input) => annotation.assign(input),

    'features:attributions': ({ runId }) => features.attributions(runId),
    'features:indexAttribution': (input) => features.indexAttribution(input),
    'features:importStudy': ({ dir }) => studies.importStudy(dir),
    'features:queue': (input) => features.queue(input),
    'features:get': ({ featureId }) => features.get(featureId),
    'features:dashboard': ({ featureId }) => dashboards.dashboard(featureId),
    'features:startDashboards': (input) => dashboards.start(input),
    'queues:list': ({ runId }) => features.listQueues(runId),
    'queues:create': (input) => features.createQueue(input),

    'review:agreement': (input) => review.agreement(input),
    'review:disagreements': (input) => review.disagreements(input),
    'review:lifecycle': (input) => review.lifecycle(input),
    'adjudication:get': ({ featureId }) => review.adjudication(featureId),
    'adjudication:save': (input) => review.saveGold(input),
    'comments:list': ({ featureId }) => review.comments(featureId),
    'comments:add': (input) => review.addComment(input),
    'export:write': (input) => exports.write(input),
    'import:annotationsCsv': (input) => exports.importAnnotations(input),
    'bundle:export': (input) => bundles.exportBundle(input),
    'bundle:preview': ({ path }) => bundles.preview(path),
    'bundle:merge': ({ path }) => bundles.merge(path),
    'bundle:identity': () => bundles.identity(),

    'models:list': () => models.list(),
    'models:add': (input) => models.add(input),
    'models:addCheckpoint': (input) => models.addCheckpoint(input),
    'models:remove': ({ modelId }) => models.remove(modelId),
    'checkpoints:validate': ({ checkpointId }) => models.validate(checkpointId),
    'tasks:startAccuracy': (input) => startTaskAccuracy({ models, runner }, input),

    'activations:defaults': () => activations.defaults(),
    'activations:list': () => activations.list(),
    'activations:startExtraction': (input) => activations.startExtraction(input),

    'training:start': (input) => training.start(input),
    'training:resume': ({ runId }) => training.resume(runId),
    'training:estimate': (input) => training.estimate(input),
    'runs:list': () => training.list(),
    'runs:metrics': ({ runId, names }) => training.metrics(runId, names),
    'runs:get': ({ runId }) => training.get(runId),

    'attribution:start': (input) => attribution.start(input),
    'attribution:list': ({ runId }) => attribution.list(runId),
    'attribution:defaults': () => ({ taskFiles: findDemoTaskFiles() }),

    'faithfulness:get': ({ runId }) => faithfulness.get(runId),
    'faithfulness:start': (input) => faithfulness.start(input),
    'faithfulness:features': ({ runId }) => faithfulness.features(runId),

    'jobs:list': () => runner.list(),
    'jobs:get': ({ jobId }) => runner.get(jobId),
    'jobs:startSelfTest': (params) => {
      const sizes = params.sizes.join(', ');
      const job = runner.start('selfTest', params, `Backend self-test (matmul ${sizes})`);
      return { jobId: job.id };
    },
    'jobs:cancel': ({ jobId }) => runner.cancel(jobId),
  };
}
