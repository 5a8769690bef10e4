import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  defaultStepsOf,
  describeConfigIssues,
  studyConfigSchema,
  taskIdOf,
} from '../../../src/shared/study-config';

// study.json (docs/study-config.md): METHOD.md defaults, and errors that name the field.

const minimal = {
  name: 'pythia-1b',
  model: { repo: 'EleutherAI/pythia-1b' },
  revisions: ['step512', 'step2000', 'main'],
  layer: 8,
  activations: { corpus: 'pile.jsonl', tokens: 400_000_000 },
  tasks: ['blimp/regular_plural_subject_verb_agreement_1.jsonl'],
};

const issues = (config: unknown): string[] => {
  const parsed = studyConfigSchema.safeParse(config);
  if (parsed.success) throw new Error('expected the config to be refused');
  return describeConfigIssues(parsed.error);
};

describe('study config', () => {
  it('fills the METHOD.md defaults', () => {
    const c = studyConfigSchema.parse(minimal);
    expect(c.crosscoder).toEqual({
      type: 'l1',
      nFeatures: 16_384,
      l1Coeff: 2,
      learningRate: 5e-5,
      batchSize: 4096,
      seed: 4352,
      saveEvery: 1000,
    });
    expect(c.attribution).toEqual({ method: 'ig', steps: 10, threshold: null });
    expect(c.lifecycle).toEqual({ low: 0.3, high: 0.7, top: 10 });
    expect(c.activations).toMatchObject({ context: 64, dtype: 'F16' });
    expect(c.model.download).toBe(false);
    // One pass over the activations: 400M / 4096 = 97,656 steps, the paper's T.
    expect(defaultStepsOf(c)).toBe(97_656);
  });

  it('reads the shipped demo config', () => {
    const file = join(import.meta.dirname, '..', '..', '..', 'resources', 'demo', 'study.config.json');
    const c = studyConfigSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    expect(c.revisions).toEqual(['step100', 'step400', 'step1600']);
    expect(c.tasks.map(taskIdOf)).toEqual(['sv_pp_attractor.eng', 'det_noun.eng', 'sv_pp_attractor.fra']);
    expect(defaultStepsOf(c)).toBe(600);
  });

  it('names the field of every problem, unknown fields included', () => {
    expect(issues({ ...minimal, crosscoder: { nFeatures: 'many', lamda: 2 } })).toEqual([
      'field crosscoder.nFeatures: Invalid input: expected number, received string',
      'field crosscoder.lamda: not a study.json field',
    ]);
    expect(issues({ ...minimal, layer: undefined })).toEqual(['field layer: missing (required)']);
    expect(issues({ ...minimal, revisions: ['main'] })).toEqual([
      'field revisions: a crosscoder needs 2 or 3 checkpoints',
    ]);
    expect(issues({ ...minimal, model: { repo: 'x', folder: 'y' } })).toContain(
      'field model.repo: must be a Hugging Face repo id such as EleutherAI/pythia-1b',
    );
    expect(issues({ ...minimal, model: {} })).toEqual([
      'field model.folder: give exactly one of model.folder and model.repo',
    ]);
    expect(issues({ ...minimal, tasks: [{ path: 'x' }] })).toEqual([
      'field tasks.0: give a path or {"file", "id"?, "limit"?}',
    ]);
    expect(issues({ ...minimal, lifecycle: { low: 0.8 } })).toEqual([
      'field lifecycle.high: must be greater than lifecycle.low',
    ]);
    expect(issues({ ...minimal, tasks: ['a/x.jsonl', 'b/x.jsonl'] })).toEqual([
      'field tasks.1: task id "x" repeats; give it an id',
    ]);
    expect(issues({ ...minimal, activations: { corpus: 'c', tokens: 100 } })).toEqual([
      'field crosscoder.batchSize: 4096 exceeds the 100 activation rows (activations.tokens)',
    ]);
    expect(issues({ ...minimal, crosscoder: { k: 32 } })).toEqual([
      'field crosscoder.k: k, kInit and kAnnealSteps are BatchTopK settings',
    ]);
  });

  it('takes a revision from another repo (BLOOM-1b1 main) and task ids', () => {
    const c = studyConfigSchema.parse({
      ...minimal,
      model: { repo: 'bigscience/bloom-1b1-intermediate' },
      revisions: [
        'global_step10000',
        'global_step100000',
        { revision: 'main', repo: 'bigscience/bloom-1b1' },
      ],
      tasks: ['clams/en_simple_agrmt.jsonl', { file: 'clams/fr_simple_agrmt.jsonl', id: 'fr', limit: 80 }],
    });
    expect(c.tasks.map(taskIdOf)).toEqual(['en_simple_agrmt', 'fr']);
    expect(
      issues({ ...minimal, model: { folder: 'm' }, revisions: ['a', { revision: 'b', repo: 'o/r' }] }),
    ).toEqual(['field revisions.1.repo: a revision repo goes with model.repo']);
  });
});
