import {
  agreementStatistics,
  disagreementScores,
  type UnitAnswers,
} from '../../core/review/agreement-report';
import { categoryGroups } from '../../core/review/table-groups';
import type { AttributionIndex } from '../../shared/annotation';
import type { ParsedInput } from '../../shared/contract';
import type { LifecycleCategory } from '../../shared/domain';
import {
  assertThresholds,
  bucketOf,
  categoryOf,
  relativeShares,
  type Thresholds,
} from '../../shared/lifecycle';
import { AppError } from '../../shared/result';
import type {
  AdjudicationView,
  AgreementReport,
  CategoryCount,
  DisagreementItem,
  DisagreementPage,
  GoldRecord,
  LifecycleMismatch,
  LifecycleReview,
  LifecycleTask,
  ReviewComment,
} from '../../shared/review';
import type { CurrentAnswer, ScoredFeature } from '../store/review-repository';
import type { Store } from '../store/store';

/** Threshold shift of the sensitivity view (the Attribution page uses the same ±0.05). */
export const sensitivityDelta = 0.05;

/** The attribution a request names (it must belong to the run), else the run's newest indexed one. */
export function resolveAttribution(store: Store, runId: string, attributionId?: string): AttributionIndex {
  if (store.runs.find(runId) === null)
    throw new AppError('not_found', `No run with id ${runId}.`, 'input.runId');
  if (attributionId === undefined) {
    const newest = store.attributions.list(runId)[0];
    if (newest === undefined)
      throw new AppError(
        'invalid_input',
        `Run ${runId} has no indexed attribution yet; index one on the Features page (or import a study) first.`,
        'input.runId',
      );
    return newest;
  }
  const found = store.attributions.find(attributionId);
  if (found === null || found.runId !== runId)
    throw new AppError(
      'not_found',
      `Run ${runId} has no indexed attribution ${attributionId}.`,
      'input.attributionId',
    );
  return found;
}

/** Features answered by 2+ annotators in scope, with the coders (annotators) by name. */
interface Scope {
  attribution: AttributionIndex;
  features: Map<number, ScoredFeature>;
  units: (UnitAnswers & { index: number; answers: Map<number, CurrentAnswer['fields']> })[];
  coders: { annotatorId: number; name: string }[];
}

const round = (x: number): number => Math.round(x * 1e9) / 1e9;

/** Category of an IE vector under thresholds (2 or 3 checkpoints; otherwise the stored one). */
function categoryUnder(feature: ScoredFeature, t: Thresholds): LifecycleCategory {
  const m = feature.ie.length;
  if (m !== 2 && m !== 3) return feature.category;
  const shares = relativeShares(feature.ie);
  return categoryOf(shares === null ? null : bucketOf(shares, t), m);
}

function countCategories(
  features: readonly ScoredFeature[],
  categoryOfFeature: (f: ScoredFeature) => LifecycleCategory,
  order: readonly LifecycleCategory[],
): CategoryCount[] {
  const all = new Map<LifecycleCategory, number>();
  const selected = new Map<LifecycleCategory, number>();
  for (const f of features) {
    const c = categoryOfFeature(f);
    all.set(c, (all.get(c) ?? 0) + 1);
    if (f.isSelected) selected.set(c, (selected.get(c) ?? 0) + 1);
  }
  const extra = [...all.keys()].filter((c) => !order.includes(c));
  return [...order, ...extra].map((category) => ({
    category,
    all: all.get(category) ?? 0,
    selected: selected.get(category) ?? 0,
  }));
}

/**
 * Review of a run's annotations: agreement between annotators (Krippendorff's α, ICC(2,1), bias and
 * spread), features by disagreement, the lifecycle review (category counts, threshold sensitivity,
 * human labels that differ from RelIE), adjudication into append-only gold records, and comments.
 */
export class ReviewService {
  constructor(private readonly deps: { store: Store }) {}

  agreement(input: ParsedInput<'review:agreement'>): AgreementReport {
    const scope = this.scope(input);
    const stats = agreementStatistics(scope.units, scope.coders.length);
    return {
      runId: input.runId,
      attributionId: scope.attribution.id,
      task: scope.attribution.task,
      features: scope.units.length,
      annotators: scope.coders.map((c, i) => ({
        annotatorId: c.annotatorId,
        name: c.name,
        features: scope.units.filter((u) => u.answers.has(i)).length,
      })),
      alpha: stats.alpha,
      icc: stats.icc,
      annotatorSummaries: stats.summaries.map((s) => ({
        annotatorId: scope.coders[s.coder]!.annotatorId,
        name: scope.coders[s.coder]!.name,
        field: s.field,
        rated: s.rated,
        bias: s.bias,
        spread: s.spread,
      })),
    };
  }

  disagreements(input: ParsedInput<'review:disagreements'>): DisagreementPage {
    const scope = this.scope(input);
    const gold = this.deps.store.gold.latestOfRun(input.runId);
    const comments = this.deps.store.comments.countsOfRun(input.runId);
    const items: DisagreementItem[] = scope.units.map((u) => {
      const feature = scope.features.get(u.featureId)!;
      return {
        featureId: u.featureId,
        index: u.index,
        category: feature.category,
        relIe: feature.relIe?.at(-1) ?? null,
        annotators: u.answers.size,
        scores: disagreementScores([...u.answers.values()], u.category),
        hasGold: gold.has(u.featureId),
        comments: comments.get(u.featureId) ?? 0,
      };
    });
    const key = input.sortBy;
    items.sort((a, b) => (b.scores[key] ?? -Infinity) - (a.scores[key] ?? -Infinity) || a.index - b.index);
    return {
      total: items.length,
      offset: input.offset,
      items: items.slice(input.offset, input.offset + input.limit),
    };
  }

  lifecycle(input: ParsedInput<'review:lifecycle'>): LifecycleReview {
    const { store } = this.deps;
    if (store.runs.find(input.runId) === null)
      throw new AppError('not_found', `No run with id ${input.runId}.`, 'input.runId');
    if (input.thresholds !== undefined) this.checkThresholds(input.thresholds, 'input.thresholds');
    const gold = store.gold.latestOfRun(input.runId);
    const answers = store.review.currentAnswers(input.runId, ['done']);
    const tasks: LifecycleTask[] = [];
    const mismatches: LifecycleMismatch[] = [];
    for (const attribution of store.attributions.list(input.runId)) {
      const thresholds = input.thresholds ?? attribution.thresholds;
      const features = store.review.scores(attribution.id);
      const m = attribution.revisions.length;
      const isRecomputed = input.thresholds !== undefined && (m === 2 || m === 3);
      const category = (f: ScoredFeature): LifecycleCategory =>
        isRecomputed ? categoryUnder(f, thresholds) : f.category;
      const order = m === 2 || m === 3 ? categoryGroups(m).map((g) => g.key as LifecycleCategory) : [];
      tasks.push({
        attributionId: attribution.id,
        task: attribution.task,
        revisions: attribution.revisions,
        thresholds,
        counts: countCategories(features, category, order),
        sensitivity: m === 2 || m === 3 ? this.sensitivity(features, thresholds, category, order) : [],
      });
      mismatches.push(...this.mismatches(attribution, features, category, gold, answers));
    }
    return { runId: input.runId, tasks, mismatches };
  }

  adjudication(featureId: number): AdjudicationView {
    const { store } = this.deps;
    const feature = store.features.get(featureId);
    const names = new Map(store.annotators.list().map((a) => [a.id, a.name]));
    const history = store.gold.history(featureId);
    return {
      featureId,
      runId: feature.runId,
      index: feature.index,
      categories: store.attributions
        .scoresOf(featureId)
        .map((s) => ({ attributionId: s.attributionId, task: s.task, category: s.category })),
      answers: store.annotations.currentOf(featureId).map((r) => ({
        annotatorId: r.annotatorId,
        name: names.get(r.annotatorId) ?? `annotator ${r.annotatorId}`,
        revisionId: r.id,
        revision: r.revision,
        status: r.fields.status,
        fields: r.fields,
        createdAt: r.createdAt,
      })),
      gold: history.at(-1) ?? null,
      goldHistory: history,
    };
  }

  saveGold(input: ParsedInput<'adjudication:save'>): GoldRecord {
    const { store } = this.deps;
    const feature = store.features.get(input.featureId);
    store.annotators.get(input.adjudicatorId);
    input.sources.forEach((source, i) => {
      const owner = store.review.revisionOwner(source.revisionId);
      if (owner === null || owner.featureId !== input.featureId || owner.annotatorId !== source.annotatorId)
        throw new AppError(
          'invalid_input',
          `Revision ${source.revisionId} is not annotator ${source.annotatorId}'s answer on feature #${feature.index}.`,
          `input.sources.${i}.revisionId`,
        );
    });
    return store.gold.append({
      featureId: input.featureId,
      adjudicatorId: input.adjudicatorId,
      fields: input.fields,
      rationale: input.rationale,
      sources: input.sources,
      baseRevision: input.baseRevision,
    });
  }

  comments(featureId: number): ReviewComment[] {
    this.deps.store.features.get(featureId);
    return this.deps.store.comments.list(featureId);
  }

  addComment(input: ParsedInput<'comments:add'>): ReviewComment {
    this.deps.store.features.get(input.featureId);
    this.deps.store.annotators.get(input.annotatorId);
    return this.deps.store.comments.add(input);
  }

  /** The features of the attribution (or queue) with answers in the statuses from 2+ annotators. */
  private scope(input: ParsedInput<'review:agreement'>): Scope {
    const { store } = this.deps;
    const attribution = resolveAttribution(store, input.runId, input.attributionId);
    if (input.queueId !== undefined) {
      const queue = store.queues.get(input.queueId);
      if (queue.runId !== input.runId)
        throw new AppError('not_found', `Run ${input.runId} has no queue ${input.queueId}.`, 'input.queueId');
    }
    const scored = store.review.scores(
      attribution.id,
      input.queueId === undefined ? {} : { queueId: input.queueId },
    );
    const features = new Map(scored.map((f) => [f.featureId, f]));
    const byFeature = new Map<number, CurrentAnswer[]>();
    for (const answer of store.review.currentAnswers(input.runId, input.statuses)) {
      if (!features.has(answer.featureId)) continue;
      byFeature.set(answer.featureId, [...(byFeature.get(answer.featureId) ?? []), answer]);
    }
    const multi = [...byFeature].filter(([, answers]) => answers.length >= 2);
    const coderIds = new Map<number, string>();
    for (const [, answers] of multi) for (const a of answers) coderIds.set(a.annotatorId, a.name);
    const coders = [...coderIds]
      .map(([annotatorId, name]) => ({ annotatorId, name }))
      .sort((a, b) => a.name.localeCompare(b.name) || a.annotatorId - b.annotatorId);
    const coderOf = new Map(coders.map((c, i) => [c.annotatorId, i]));
    const units = multi
      .map(([featureId, answers]) => {
        const feature = features.get(featureId)!;
        return {
          featureId,
          index: feature.index,
          category: feature.category,
          answers: new Map(answers.map((a) => [coderOf.get(a.annotatorId)!, a.fields])),
        };
      })
      .sort((a, b) => a.index - b.index);
    return { attribution, features, units, coders };
  }

  private checkThresholds(t: Thresholds, field: string): void {
    try {
      assertThresholds(t);
    } catch (error) {
      throw new AppError('invalid_input', (error as Error).message, field);
    }
  }

  /** Thresholds moved by ±δ one at a time; counts of the features and how many selected ones change. */
  private sensitivity(
    features: readonly ScoredFeature[],
    t: Thresholds,
    base: (f: ScoredFeature) => LifecycleCategory,
    order: readonly LifecycleCategory[],
  ): LifecycleTask['sensitivity'] {
    const shifts: { label: string; thresholds: Thresholds }[] = [
      {
        label: `low − ${sensitivityDelta}`,
        thresholds: { low: round(t.low - sensitivityDelta), high: t.high },
      },
      {
        label: `low + ${sensitivityDelta}`,
        thresholds: { low: round(t.low + sensitivityDelta), high: t.high },
      },
      {
        label: `high − ${sensitivityDelta}`,
        thresholds: { low: t.low, high: round(t.high - sensitivityDelta) },
      },
      {
        label: `high + ${sensitivityDelta}`,
        thresholds: { low: t.low, high: round(t.high + sensitivityDelta) },
      },
    ];
    return shifts
      .filter(({ thresholds }) => {
        try {
          assertThresholds(thresholds);
          return true;
        } catch {
          return false;
        }
      })
      .map(({ label, thresholds }) => ({
        label,
        thresholds,
        counts: countCategories(features, (f) => categoryUnder(f, thresholds), order),
        changed: features.filter((f) => f.isSelected && categoryUnder(f, thresholds) !== base(f)).length,
      }));
  }

  /** Gold labels, else annotators' overrides (done answers), that differ from the RelIE category. */
  private mismatches(
    attribution: AttributionIndex,
    features: readonly ScoredFeature[],
    category: (f: ScoredFeature) => LifecycleCategory,
    gold: Map<number, GoldRecord>,
    answers: readonly CurrentAnswer[],
  ): LifecycleMismatch[] {
    const byId = new Map(features.map((f) => [f.featureId, f]));
    const out: LifecycleMismatch[] = [];
    const push = (
      f: ScoredFeature,
      label: LifecycleCategory,
      source: LifecycleMismatch['source'],
      who: { annotatorId: number; name: string },
      reason: string,
    ): void => {
      if (label === category(f)) return;
      out.push({
        featureId: f.featureId,
        index: f.index,
        attributionId: attribution.id,
        task: attribution.task,
        category: category(f),
        humanLabel: label,
        source,
        annotatorId: who.annotatorId,
        name: who.name,
        reason,
      });
    };
    for (const [featureId, record] of gold) {
      const f = byId.get(featureId);
      if (f === undefined || record.fields.lifecycleOverride === null) continue;
      push(
        f,
        record.fields.lifecycleOverride,
        'gold',
        { annotatorId: record.adjudicatorId, name: record.adjudicatorName },
        record.fields.lifecycleOverrideReason || record.rationale,
      );
    }
    for (const a of answers) {
      const f = byId.get(a.featureId);
      if (f === undefined || gold.has(a.featureId) || a.fields.lifecycleOverride === null) continue;
      push(f, a.fields.lifecycleOverride, 'annotator', a, a.fields.lifecycleOverrideReason);
    }
    return out.sort((x, y) => x.index - y.index || (x.name ?? '').localeCompare(y.name ?? ''));
  }
}
