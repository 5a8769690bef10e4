import type { Store } from '../../src/main/store/store';

/** A project, a run with one feature, and one annotator: the minimum an annotation needs. */
export function seedAnnotationTargets(
  store: Store,
  suffix = '',
): {
  projectId: number;
  runId: string;
  featureId: number;
  annotatorId: number;
} {
  const project = store.projects.create({ name: `project${suffix}`, description: '' });
  const run = store.runs.create({
    id: `run${suffix}`,
    projectId: project.id,
    name: 'run',
    kind: 'crosscoder',
    config: { seed: 1 },
    dir: null,
  });
  store.features.upsertMany(run.id, [
    { index: 0, category: 'emerged', relIe: 0.9, relDec: 0.8, ie: [0, 0.5, 1] },
  ]);
  const feature = store.features.list(run.id)[0];
  if (!feature) throw new Error('seed: feature missing');
  const annotator = store.annotators.create(`annotator${suffix}`);
  return { projectId: project.id, runId: run.id, featureId: feature.id, annotatorId: annotator.id };
}
