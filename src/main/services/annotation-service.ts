import { createHash, randomBytes } from 'node:crypto';
import type { AnnotatorProgress, OtherAnnotation, Session } from '../../shared/annotation';
import type { ParsedInput, RequestOutput } from '../../shared/contract';
import { AppError } from '../../shared/result';
import type { Store } from '../store/store';
import type { FeaturesService } from './features-service';
import type { CallSession } from './session-access';

/** SHA-256 of a token, hex: what the database keeps instead of the token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Median of numbers (null for none): the middle one, or the mean of the middle two. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/**
 * Several annotators on one study: others' answers (hidden in blind mode until one's own is done),
 * balanced assignment, progress per annotator, and serve-mode tokens that open the workbench as one
 * annotator. Which channels such a token may call is decided in `session-access.ts`.
 */
export class AnnotationService {
  constructor(private readonly deps: { store: Store; features: FeaturesService }) {}

  /** Other annotators' latest revisions on a feature, as `annotatorId` may see them. */
  others({ featureId, annotatorId }: ParsedInput<'annotations:others'>): OtherAnnotation[] {
    const { store } = this.deps;
    const feature = store.features.get(featureId);
    store.annotators.get(annotatorId);
    if (store.settings.get().isBlindMode) {
      const own = store.annotations.latest(featureId, annotatorId);
      if (own?.fields.status !== 'done') {
        throw new AppError(
          'unauthorized',
          `Blind mode: other annotators' answers on feature #${feature.index} stay hidden until your own is submitted (done).`,
          'input.featureId',
        );
      }
    }
    const names = new Map(store.annotators.list().map((a) => [a.id, a.name]));
    return store.annotations
      .currentOf(featureId)
      .filter((r) => r.annotatorId !== annotatorId)
      .map((r) => ({
        annotatorId: r.annotatorId,
        name: names.get(r.annotatorId) ?? `annotator ${r.annotatorId}`,
        revision: r.revision,
        status: r.fields.status,
        fields: r.fields,
        createdAt: r.createdAt,
      }));
  }

  /**
   * Round-robin over the queue's features in index order: feature j goes to annotators
   * (j·k + r) mod A for r < k, so each feature gets k distinct annotators and loads differ by at most one.
   */
  assign(input: ParsedInput<'annotations:assign'>): RequestOutput<'annotations:assign'> {
    const annotatorIds = [...new Set(input.annotatorIds)];
    if (input.perFeature > annotatorIds.length) {
      throw new AppError(
        'invalid_input',
        `${input.perFeature} annotators per feature need at least ${input.perFeature} annotators; ${annotatorIds.length} given.`,
        'input.perFeature',
      );
    }
    for (const id of annotatorIds) this.deps.store.annotators.get(id);
    const featureIds = this.queueFeatureIds(input);
    const pairs = featureIds.flatMap((featureId, j) =>
      Array.from({ length: input.perFeature }, (_, r) => ({
        featureId,
        annotatorId: annotatorIds[(j * input.perFeature + r) % annotatorIds.length]!,
      })),
    );
    this.deps.store.assignments.replace(featureIds, pairs);
    return { features: featureIds.length, assignments: pairs.length };
  }

  progress(input: ParsedInput<'annotators:progress'>): AnnotatorProgress[] {
    const attribution = this.deps.features.resolveAttribution(input.runId, input.attributionId);
    return this.deps.store.annotators.list().map((annotator) => {
      const { total, doneTimesMs } = this.deps.store.assignments.progressOf(
        input.runId,
        attribution?.id ?? null,
        annotator.id,
      );
      const ms = median(doneTimesMs);
      return {
        annotatorId: annotator.id,
        name: annotator.name,
        done: doneTimesMs.length,
        total,
        medianSeconds: ms === null ? null : ms / 1000,
      };
    });
  }

  /** A new 192-bit token for an annotator; only its hash is stored and it replaces the previous one. */
  createToken(annotatorId: number): RequestOutput<'annotators:createToken'> {
    this.deps.store.annotators.get(annotatorId);
    const token = randomBytes(24).toString('base64url');
    this.deps.store.annotatorTokens.replace(annotatorId, hashToken(token));
    return { annotatorId, token, openPath: `/?token=${token}` };
  }

  /** The annotator session a token opens, or null when it is no annotator's current token. */
  sessionForToken(token: string): CallSession | null {
    const annotatorId = this.deps.store.annotatorTokens.annotatorOf(hashToken(token));
    return annotatorId === null ? null : { role: 'annotator', annotatorId };
  }

  session(session: CallSession): Session {
    if (session.role === 'owner') return { role: 'owner', annotatorId: null, annotatorName: null };
    const annotator = this.deps.store.annotators.get(session.annotatorId);
    return { role: 'annotator', annotatorId: annotator.id, annotatorName: annotator.name };
  }

  /** The named queue's features, else the selected features of the attribution (newest by default). */
  private queueFeatureIds(input: ParsedInput<'annotations:assign'>): number[] {
    if (input.queueId !== undefined) {
      this.deps.features.requireRun(input.runId);
      this.deps.features.requireQueue(input.runId, input.queueId);
      return this.deps.store.queues.featureIds(input.queueId);
    }
    const attribution = this.deps.features.resolveAttribution(input.runId, input.attributionId);
    if (attribution === null) {
      throw new AppError(
        'invalid_input',
        `Run ${input.runId} has no indexed attribution to take the features from.`,
        'input.attributionId',
      );
    }
    return this.deps.store.attributions.selected(attribution.id).map((s) => s.featureId);
  }
}
