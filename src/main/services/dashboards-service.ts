import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readManifest } from '../../core/activations/manifest';
import { featureDashboardSchema, type FeatureDashboardData } from '../../shared/annotation';
import { dashboardsParamsSchema, type DashboardsParams } from '../../shared/attribution';
import type { ParsedInput } from '../../shared/contract';
import type { JobSnapshot, Run } from '../../shared/domain';
import { AppError } from '../../shared/result';
import { trainingRunConfigSchema } from '../../shared/training';
import type { JobRunner } from '../jobs/job-runner';
import type { DashboardWrite } from '../store/dashboards-repository';
import type { Store } from '../store/store';
import type { FeaturesService } from './features-service';

const dashboardFile = /^feature-(\d+)\.json$/;

/** A dashboard file parsed and checked; the error names the file and the first bad field. */
export function readDashboardFile(path: string): DashboardWrite {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new AppError(
      'invalid_input',
      `${path} is not readable JSON: ${(error as Error).message}`,
      'input.dir',
    );
  }
  const parsed = featureDashboardSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new AppError(
      'invalid_input',
      `${path}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      'input.dir',
    );
  }
  const d = parsed.data;
  return { index: d.feature, density: d.density, maxActivation: d.maxActivation, json: JSON.stringify(d) };
}

/** Every `feature-<i>.json` of a dashboards folder (all checked before anything is stored). */
export function readDashboardFolder(dir: string, only?: readonly number[]): DashboardWrite[] {
  if (!existsSync(dir)) return [];
  const wanted = only === undefined ? null : new Set(only);
  return readdirSync(dir)
    .filter((name) => {
      const index = dashboardFile.exec(name)?.[1];
      return index !== undefined && (wanted === null || wanted.has(Number(index)));
    })
    .map((name) => readDashboardFile(join(dir, name)));
}

/**
 * Feature dashboards: `dashboards` jobs over a run's activation store (the selected features by
 * default), their files `<runDir>/dashboards/feature-<i>.json` imported into SQLite when the job
 * succeeds, and one feature's dashboard read back lazily.
 */
export class DashboardsService {
  constructor(private readonly deps: { store: Store; runner: JobRunner; features: FeaturesService }) {}

  dashboard(featureId: number): FeatureDashboardData | null {
    const feature = this.deps.store.features.get(featureId);
    const json = this.deps.store.dashboards.json(feature.runId, feature.index);
    return json === null ? null : featureDashboardSchema.parse(JSON.parse(json));
  }

  async start(input: ParsedInput<'features:startDashboards'>): Promise<{ jobId: string }> {
    const run = this.deps.features.requireRun(input.runId);
    const config = trainingRunConfigSchema.safeParse(run.config);
    if (!config.success)
      throw new AppError('invalid_input', `Run ${run.id} is not a crosscoder run.`, 'input.runId');
    if (run.status !== 'finished' || run.dir === null) {
      throw new AppError(
        'conflict',
        `Run "${run.name}" is ${run.status}; dashboards need a finished run.`,
        'input.runId',
      );
    }
    const storeDir = config.data.activationStore;
    if (storeDir === '' || (await readManifest(storeDir).catch(() => null)) === null) {
      throw new AppError(
        'invalid_input',
        storeDir === ''
          ? `Run "${run.name}" names no activation store (an imported study brings its dashboards with it).`
          : `${storeDir} has no manifest.json: dashboards need the activation store folder the run was trained on.`,
        'input.runId',
      );
    }
    const features = input.features ?? this.selectedIndices(run, input.attributionId);
    const tooLarge = features.find((i) => i >= config.data.crosscoder.nFeatures);
    if (tooLarge !== undefined) {
      throw new AppError(
        'invalid_input',
        `Feature ${tooLarge} is not in run "${run.name}" (F = ${config.data.crosscoder.nFeatures}).`,
        'input.features',
      );
    }
    const params: DashboardsParams = { runId: run.id, runDir: run.dir, storeDir, features };
    const label = `Dashboards ${run.name} (${features.length} features)`;
    return { jobId: this.deps.runner.start('dashboards', params, label).id };
  }

  /** Imports the dashboards a succeeded `dashboards` job wrote; other snapshots are ignored. */
  onJobSnapshot(job: JobSnapshot): void {
    if (job.kind !== 'dashboards' || job.state !== 'succeeded') return;
    const params = dashboardsParamsSchema.safeParse(job.params);
    if (!params.success || this.deps.store.runs.find(params.data.runId) === null) return;
    const dir = join(params.data.runDir, 'dashboards');
    this.deps.store.dashboards.upsertMany(params.data.runId, readDashboardFolder(dir, params.data.features));
  }

  private selectedIndices(run: Run, attributionId: string | undefined): number[] {
    const attribution = this.deps.features.resolveAttribution(run.id, attributionId);
    const selected =
      attribution === null ? [] : this.deps.store.attributions.selected(attribution.id).map((s) => s.index);
    if (selected.length === 0) {
      throw new AppError(
        'invalid_input',
        attribution === null
          ? `Run "${run.name}" has no indexed attribution: name the features, or attribute the run first.`
          : `Attribution ${attribution.id} selects no feature: name the features.`,
        'input.features',
      );
    }
    return selected;
  }
}
