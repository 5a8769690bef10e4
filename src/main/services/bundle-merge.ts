import type { BundleConflict, BundleIdentity, BundleMergePlan } from '../../shared/review';
import type { StoredBundleIdentity } from '../store/bundles-repository';
import type { Store } from '../store/store';
import { pairKey, type BundleContents } from './bundle-reader';

export const publicIdentity = (identity: StoredBundleIdentity): BundleIdentity => ({
  projectUuid: identity.projectUuid,
  schemaVersion: identity.schemaVersion,
  exportedAt: identity.exportedAt,
  appVersion: identity.appVersion,
  runIds: identity.runIds,
});

/**
 * One merge of a bundle's contents into the home store, run inside the caller's transaction (a
 * preview rolls it back). Annotators are matched by name (created when missing), features by run id
 * and index; what the bundle held at export maps to the home rows, what came after is appended.
 */
class BundleMerge {
  private readonly bundleUuid: string;
  private readonly annotatorIds: Map<string, number>;
  private readonly newAnnotators: string[] = [];
  private readonly homeFeatures = new Map<string, Map<number, number>>();
  private readonly unmatched = new Set<number>();
  /** Bundle annotation revision id → home revision id (for gold record sources). */
  private readonly revisionMap = new Map<number, number>();

  constructor(
    private readonly store: Store,
    private readonly contents: BundleContents,
    private readonly isApplied: boolean,
  ) {
    this.bundleUuid = contents.identity.bundleUuid;
    this.annotatorIds = new Map(store.annotators.list().map((a) => [a.name, a.id]));
  }

  run(): BundleMergePlan {
    const { revisions, conflicts } = this.mergeRevisions();
    const comments = this.mergeComments();
    const goldRecords = this.mergeGold();
    return {
      path: this.contents.path,
      identity: publicIdentity(this.contents.identity),
      revisions,
      newAnnotators: this.newAnnotators,
      comments,
      goldRecords,
      conflicts: conflicts.sort(
        (a, b) =>
          a.runId.localeCompare(b.runId) ||
          a.featureIndex - b.featureIndex ||
          a.annotatorName.localeCompare(b.annotatorName),
      ),
      unmatchedFeatures: this.unmatched.size,
      isApplied: this.isApplied,
    };
  }

  private annotatorOf(name: string): number {
    const found = this.annotatorIds.get(name);
    if (found !== undefined) return found;
    const created = this.store.annotators.create(name).id;
    this.annotatorIds.set(name, created);
    this.newAnnotators.push(name);
    return created;
  }

  private nameOf(bundleAnnotatorId: number): string {
    return this.contents.annotators.get(bundleAnnotatorId) ?? `annotator ${bundleAnnotatorId}`;
  }

  /** The home feature id of a bundle feature, or null (then counted as unmatched). */
  private homeFeatureOf(bundleFeatureId: number): number | null {
    const f = this.contents.features.get(bundleFeatureId);
    if (f === undefined) return null;
    let ids = this.homeFeatures.get(f.runId);
    if (ids === undefined) {
      ids = new Map(this.store.features.list(f.runId).map((x) => [x.index, x.id]));
      this.homeFeatures.set(f.runId, ids);
    }
    const id = ids.get(f.index) ?? null;
    if (id === null) this.unmatched.add(bundleFeatureId);
    return id;
  }

  /** The home row of a revision the bundle held at export (same feature, annotator and number). */
  private mapExported(r: BundleContents['revisions'][number], name: string): void {
    const homeFeature = this.homeFeatureOf(r.featureId);
    const homeAnnotator = this.annotatorIds.get(name);
    if (homeFeature === null || homeAnnotator === undefined) return;
    const home = this.store.db
      .prepare<[number, number, number], { id: number }>(
        'SELECT id FROM annotation_revisions WHERE feature_id = ? AND annotator_id = ? AND revision = ?',
      )
      .get(homeFeature, homeAnnotator, r.revision);
    if (home !== undefined) this.revisionMap.set(r.id, home.id);
  }

  /**
   * Revisions made in the bundle after its export, oldest first, appended at home once per bundle
   * (merged ones are remembered). A home edit of the same pair after the export is a conflict: the
   * bundle's revision goes after it, and both ids are listed.
   */
  private mergeRevisions(): { revisions: number; conflicts: BundleConflict[] } {
    const { store, bundleUuid } = this;
    const homeEdits = new Map<string, number | null>();
    const conflicts = new Map<string, BundleConflict>();
    let revisions = 0;
    for (const r of this.contents.revisions) {
      const feature = this.contents.features.get(r.featureId);
      if (feature === undefined) continue;
      const name = this.nameOf(r.annotatorId);
      const key = pairKey(feature.runId, feature.index, name);
      const baseline = this.contents.baseline.get(key)?.revision ?? 0;
      if (r.revision <= baseline) {
        this.mapExported(r, name);
        continue;
      }
      const already = store.bundles.mergedRevision(bundleUuid, r.id);
      if (already !== null) {
        this.revisionMap.set(r.id, already);
        continue;
      }
      const homeFeature = this.homeFeatureOf(r.featureId);
      if (homeFeature === null) continue;
      const annotatorId = this.annotatorOf(name);
      if (!homeEdits.has(key))
        homeEdits.set(key, store.bundles.homeEditAfter(homeFeature, annotatorId, baseline, bundleUuid));
      const before = store.annotations.latest(homeFeature, annotatorId)?.id ?? null;
      const saved = store.annotations.save({
        featureId: homeFeature,
        annotatorId,
        fields: r.fields,
        createdAt: r.createdAt,
      });
      store.bundles.recordMergedRevision(bundleUuid, r.id, saved.id);
      this.revisionMap.set(r.id, saved.id);
      if (saved.id === before) continue; // the same answer is already at home
      revisions++;
      const homeEdit = homeEdits.get(key) ?? null;
      if (homeEdit !== null)
        conflicts.set(key, {
          runId: feature.runId,
          featureIndex: feature.index,
          featureId: homeFeature,
          annotatorName: name,
          homeRevisionId: homeEdit,
          bundleRevisionId: this.isApplied ? saved.id : r.id,
        });
    }
    return { revisions, conflicts: [...conflicts.values()] };
  }

  /** Comments by content: feature, author, text and time. */
  private mergeComments(): number {
    let added = 0;
    const homeKeys = new Map<number, Set<string>>();
    for (const c of this.contents.comments) {
      const homeFeature = this.homeFeatureOf(c.featureId);
      if (homeFeature === null) continue;
      const name = this.nameOf(c.annotatorId);
      let keys = homeKeys.get(homeFeature);
      if (keys === undefined) {
        keys = new Set(
          this.store.comments.list(homeFeature).map((h) => JSON.stringify([h.name, h.text, h.createdAt])),
        );
        homeKeys.set(homeFeature, keys);
      }
      const key = JSON.stringify([name, c.text, c.createdAt]);
      if (keys.has(key)) continue;
      this.store.comments.add({
        featureId: homeFeature,
        annotatorId: this.annotatorOf(name),
        text: c.text,
        createdAt: c.createdAt,
      });
      keys.add(key);
      added++;
    }
    return added;
  }

  /** Gold records by content (fields, rationale, adjudicator, time), appended as the next revision. */
  private mergeGold(): number {
    let added = 0;
    const homeKeys = new Map<number, Set<string>>();
    const keyOf = (fields: unknown, rationale: string, adjudicator: string, createdAt: string): string =>
      JSON.stringify([JSON.stringify(fields), rationale, adjudicator, createdAt]);
    for (const g of this.contents.gold) {
      const homeFeature = this.homeFeatureOf(g.featureId);
      if (homeFeature === null) continue;
      const adjudicator = this.nameOf(g.adjudicatorId);
      let keys = homeKeys.get(homeFeature);
      if (keys === undefined) {
        keys = new Set(
          this.store.gold
            .history(homeFeature)
            .map((h) => keyOf(h.fields, h.rationale, h.adjudicatorName, h.createdAt)),
        );
        homeKeys.set(homeFeature, keys);
      }
      const key = keyOf(g.fields, g.rationale, adjudicator, g.createdAt);
      if (keys.has(key)) continue;
      const sources = g.sources.flatMap((s) => {
        const revisionId = this.revisionMap.get(s.revisionId);
        return revisionId === undefined
          ? []
          : [{ annotatorId: this.annotatorOf(this.nameOf(s.annotatorId)), revisionId }];
      });
      this.store.gold.append({
        featureId: homeFeature,
        adjudicatorId: this.annotatorOf(adjudicator),
        fields: g.fields,
        rationale: g.rationale,
        sources,
        createdAt: g.createdAt,
      });
      keys.add(key);
      added++;
    }
    return added;
  }
}

/** Merges a bundle's contents into the home store inside the caller's transaction; says what it did. */
export const mergeBundle = (store: Store, contents: BundleContents, isApplied: boolean): BundleMergePlan =>
  new BundleMerge(store, contents, isApplied).run();
