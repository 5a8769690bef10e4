import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { AttributionSummary } from '../../shared/attribution';
import type { RequestOutput } from '../../shared/contract';
import type { Run } from '../../shared/domain';
import { defaultThresholds } from '../../shared/lifecycle';
import { AppError } from '../../shared/result';
import type { TrainingRunConfig } from '../../shared/training';
import type { Store } from '../store/store';
import type { FeaturesService } from './features-service';
import { readRunMetricsFile } from './run-records';
import { readStudy, type StudyContents } from './study-files';
import { crosscoderRunKind, evaluationRows } from './training-service';

type ImportStudyResult = RequestOutput<'features:importStudy'>;

export interface StudyServiceDeps {
  store: Store;
  features: FeaturesService;
  dataDir: string;
  defaultProjectId: () => number;
  /** The shipped demo study folder, or null when this install has none. */
  demoStudyDir: () => string | null;
}

/** Where an imported run came from, kept in its config (beside the training config fields). */
interface StudyOrigin {
  name: string;
  source: string;
  createdAt: string;
}
const originOf = (run: Run): StudyOrigin | undefined => (run.config as { study?: StudyOrigin } | null)?.study;

/**
 * Imports a study folder (src/shared/study.ts) as a finished run of the default project: the folder is
 * checked completely, copied to `<dataDir>/runs/<id>`, and its attribution results and dashboards are
 * indexed in one transaction. The same study (folder and creation time) imported again returns the run
 * made the first time. Anything refused leaves the data folder and the database as they were.
 */
export class StudyService {
  constructor(private readonly deps: StudyServiceDeps) {}

  importStudy(dir?: string): ImportStudyResult {
    // Relative paths are refused by readStudy; absolute ones are normalised so re-imports match.
    const source = dir === undefined ? this.deps.demoStudyDir() : isAbsolute(dir) ? resolve(dir) : dir;
    if (source === null)
      throw new AppError('not_found', 'This install has no demo study (resources/demo/study).', 'input.dir');
    const study = readStudy(source);
    const existing = this.findImported(study);
    if (existing !== null) return this.resultOf(existing.id);
    const id = randomUUID();
    const runDir = join(this.deps.dataDir, 'runs', id);
    const attributionIds = this.copyRunFolder(study, id, runDir);
    try {
      this.deps.store.db.transaction(() => this.record(study, id, runDir, attributionIds))();
    } catch (error) {
      rmSync(runDir, { recursive: true, force: true });
      throw error;
    }
    return this.resultOf(id);
  }

  private findImported(study: StudyContents): Run | null {
    const runs = this.deps.store.runs.list(this.deps.defaultProjectId());
    return (
      runs.find((run) => {
        const origin = originOf(run);
        return origin?.source === study.dir && origin.createdAt === study.manifest.createdAt;
      }) ?? null
    );
  }

  /**
   * Copies the folder through a temporary name (a failed copy leaves no run folder) and writes each
   * attribution result as `attribution/<id>.json` under the new run, which is where the attribution
   * service lists results. An id already used by another run gets the run id as suffix.
   */
  private copyRunFolder(study: StudyContents, runId: string, runDir: string): string[] {
    const temp = join(this.deps.dataDir, 'runs', `.${runId}.importing`);
    mkdirSync(join(this.deps.dataDir, 'runs'), { recursive: true });
    try {
      cpSync(study.dir, temp, { recursive: true });
      mkdirSync(join(temp, 'attribution'), { recursive: true });
      const ids = study.attributions.map((summary) => {
        const taken = this.deps.store.attributions.find(summary.jobId) !== null;
        const jobId = taken ? `${summary.jobId}-${runId.slice(0, 8)}` : summary.jobId;
        const moved: AttributionSummary = { ...summary, jobId, runId, result: { ...summary.result, runId } };
        writeFileSync(join(temp, 'attribution', `${jobId}.json`), JSON.stringify(moved));
        return jobId;
      });
      renameSync(temp, runDir);
      return ids;
    } catch (error) {
      rmSync(temp, { recursive: true, force: true });
      throw error;
    }
  }

  private record(study: StudyContents, runId: string, runDir: string, attributionIds: string[]): void {
    const { store } = this.deps;
    store.runs.create({
      id: runId,
      projectId: this.deps.defaultProjectId(),
      name: study.manifest.name,
      kind: crosscoderRunKind,
      config: runConfigOf(study),
      dir: runDir,
    });
    store.runs.setOutcome(runId, { status: 'finished', error: null, result: null });
    store.metrics.append(runId, readRunMetricsFile(runDir));
    for (const attributionId of attributionIds) {
      this.deps.features.indexAttribution({
        runId,
        attributionId,
        top: study.manifest.top,
        ...defaultThresholds,
      });
    }
    store.dashboards.upsertMany(runId, study.dashboards);
  }

  private resultOf(runId: string): ImportStudyResult {
    const { store } = this.deps;
    return {
      runId,
      attributions: store.attributions.list(runId).length,
      features: store.features.count(runId),
      dashboards: store.dashboards.count(runId),
    };
  }
}

/**
 * The run config an imported study gets: the training config fields the run list shows, from the run's
 * config.json and study.json. A study carries no activation store, so `activationStore` is empty.
 */
function runConfigOf(study: StudyContents): TrainingRunConfig & { study: StudyOrigin } {
  const c = study.run.config;
  const m = study.manifest;
  return {
    activationStore: '',
    store: {
      model: m.model.name,
      revisions: m.revisions.map((r) => r.revision),
      layer: m.layer,
      nCheckpoints: c.nCheckpoints,
      dModel: c.dModel,
      rows: 0,
    },
    crosscoder: {
      type: c.type,
      nFeatures: c.nFeatures,
      ...(c.type === 'batchtopk' ? { k: c.k } : { l1Coeff: c.l1Coeff }),
      learningRate: c.learningRate,
      steps: c.steps,
      batchSize: Math.min(c.batchSize, 65_536),
      seed: c.seed,
    },
    saveEvery: c.steps,
    evalRows: evaluationRows,
    study: { name: m.name, source: study.dir, createdAt: m.createdAt },
  };
}
