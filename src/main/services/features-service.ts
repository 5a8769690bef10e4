import type { AttributionIndex, FeatureDetail, FeatureQueuePage, NamedQueue } from '../../shared/annotation';
import type { ParsedInput } from '../../shared/contract';
import { languageOfTaskName } from '../../core/tasks/language-codes';
import { attributeParamsSchema } from '../../shared/attribution';
import type { JobSnapshot, Run } from '../../shared/domain';
import { suggestFeatureLanguages } from '../../shared/language-suggestion';
import { assertThresholds, defaultThresholds } from '../../shared/lifecycle';
import { AppError } from '../../shared/result';
import type { Store } from '../store/store';
import type { AttributionService } from './attribution-service';
import { buildAttributionIndex, checkedIe } from './attribution-indexing';

/** Top-k per checkpoint when a finished `attribute` job is indexed by itself. */
export const defaultIndexTop = 10;

/**
 * Features of a run for annotation: attribution results indexed in SQLite (every feature's scores,
 * the top-k selected), the paged queue, one feature's detail, and named queues. A succeeded
 * `attribute` job is indexed as soon as its result file is written (`onJobSnapshot`).
 */
export class FeaturesService {
  constructor(private readonly deps: { store: Store; attribution: AttributionService }) {}

  attributions(runId: string): AttributionIndex[] {
    this.requireRun(runId);
    return this.deps.store.attributions.list(runId);
  }

  /** Indexes one attribution result of the run; indexing it again replaces its scores. */
  indexAttribution(input: ParsedInput<'features:indexAttribution'>): AttributionIndex {
    const thresholds = { low: input.low, high: input.high };
    try {
      assertThresholds(thresholds);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message, 'input.low');
    }
    const summary = this.deps.attribution.list(input.runId).find((s) => s.jobId === input.attributionId);
    if (summary === undefined) {
      throw new AppError(
        'not_found',
        `Run ${input.runId} has no finished attribution ${input.attributionId}.`,
        'input.attributionId',
      );
    }
    const { store } = this.deps;
    const nFeatures = checkedIe(summary.result, `Attribution ${summary.jobId}`)[0]!.length;
    return store.db.transaction(() => {
      const featureIds = store.features.ensureRange(input.runId, nFeatures);
      const relDec = summary.result.relDec;
      if (relDec.length === nFeatures)
        store.features.setDecoder(input.runId, summary.result.decoderNorms ?? null, relDec);
      return store.attributions.replace(
        buildAttributionIndex(summary, featureIds, { top: input.top, thresholds }),
      );
    })();
  }

  /** Indexes a succeeded `attribute` job with the default top-k and thresholds. */
  onJobSnapshot(job: JobSnapshot): void {
    if (job.kind !== 'attribute' || job.state !== 'succeeded') return;
    const params = attributeParamsSchema.safeParse(job.params);
    if (!params.success || this.deps.store.runs.find(params.data.runId) === null) return;
    this.indexAttribution({
      runId: params.data.runId,
      attributionId: job.id,
      top: defaultIndexTop,
      ...defaultThresholds,
    });
  }

  /** The attribution a request names (it must belong to the run), else the run's newest indexed one. */
  resolveAttribution(runId: string, attributionId?: string): AttributionIndex | null {
    this.requireRun(runId);
    if (attributionId === undefined) return this.deps.store.attributions.list(runId)[0] ?? null;
    const found = this.deps.store.attributions.find(attributionId);
    if (found === null || found.runId !== runId) {
      throw new AppError(
        'not_found',
        `Run ${runId} has no indexed attribution ${attributionId}.`,
        'input.attributionId',
      );
    }
    return found;
  }

  queue(query: ParsedInput<'features:queue'>): FeatureQueuePage {
    const attribution = this.resolveAttribution(query.runId, query.attributionId);
    if (attribution === null) return { total: 0, offset: query.offset, items: [] };
    if (query.queueId !== undefined) this.requireQueue(query.runId, query.queueId);
    const search = query.search?.trim() ?? '';
    const index = /^#?(\d+)$/.exec(search)?.[1];
    return this.deps.store.featureQueue.page({
      ...query,
      attributionId: attribution.id,
      viewerId: query.annotatorId,
      featureIndex: index === undefined ? undefined : Number(index),
      descriptionContains: index === undefined && search !== '' ? search : undefined,
    });
  }

  get(featureId: number): FeatureDetail {
    const { store } = this.deps;
    const feature = store.features.get(featureId);
    const { decoderNorms, relDec } = store.features.decoderOf(featureId);
    const attributions = store.attributions.list(feature.runId);
    const scores = store.attributions.scoresOf(featureId);
    const pairs = new Map(attributions.map((a) => [a.id, a.n]));
    return {
      featureId,
      runId: feature.runId,
      index: feature.index,
      revisions: attributions[0]?.revisions ?? [],
      decoderNorms,
      relDec,
      scores,
      hasDashboard: store.dashboards.has(feature.runId, feature.index),
      // The dashboards' top contexts come from the activation corpus, which records no language: the
      // suggestion rests on |IE| per task language alone (no context evidence).
      suggestedLanguages: suggestFeatureLanguages(scores, {
        languageOf: languageOfTaskName,
        pairsOf: (id) => pairs.get(id) ?? 0,
      }),
    };
  }

  listQueues(runId: string): NamedQueue[] {
    this.requireRun(runId);
    return this.deps.store.queues.list(runId);
  }

  createQueue(input: ParsedInput<'queues:create'>): NamedQueue {
    this.resolveAttribution(input.runId, input.attributionId);
    const indices = [...new Set(input.featureIndices)];
    const ids = this.deps.store.features.idsByIndex(input.runId, indices);
    const missing = indices.filter((i) => !ids.has(i));
    if (missing.length > 0) {
      const shown = missing.slice(0, 10).join(', ') + (missing.length > 10 ? ', …' : '');
      throw new AppError(
        'invalid_input',
        `Feature${missing.length > 1 ? 's' : ''} ${shown} ${missing.length > 1 ? 'are' : 'is'} not in run ${input.runId}.`,
        'input.featureIndices',
      );
    }
    return this.deps.store.queues.create({
      runId: input.runId,
      attributionId: input.attributionId,
      name: input.name,
      featureIds: indices.map((i) => ids.get(i)!),
    });
  }

  requireQueue(runId: string, queueId: number): NamedQueue {
    const queue = this.deps.store.queues.get(queueId);
    if (queue.runId !== runId)
      throw new AppError('not_found', `Run ${runId} has no queue ${queueId}.`, 'input.queueId');
    return queue;
  }

  requireRun(runId: string): Run {
    const run = this.deps.store.runs.find(runId);
    if (run === null) throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
    return run;
  }
}
