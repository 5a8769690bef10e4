import { describe, expect, it } from 'vitest';
import { modelAddSchema } from '../../../src/shared/domain';
import {
  defaultHookLayer,
  presetAddInput,
  presetDownloadCommands,
  presetForModel,
  studyPreset,
  studyPresets,
} from '../../../src/shared/study-presets';

// The study's triplets (METHOD-REFERENCE §2.4, 3-way runs 446 / 447 / 454) and hook points (§1.5).

describe('study presets', () => {
  it('Pythia-1B: step512 / step2000 / main at block 8 output', () => {
    const p = studyPreset('pythia-1b');
    expect(p).toMatchObject({ family: 'gpt_neox', repo: 'EleutherAI/pythia-1b', hookLayer: 8, dModel: 2048 });
    expect(p.revisions.map((r) => [r.repo, r.revision, r.step, r.tokensSeen, r.label])).toEqual([
      ['EleutherAI/pythia-1b', 'step512', 512, 512 * 2_097_152, '1B'],
      ['EleutherAI/pythia-1b', 'step2000', 2000, 2000 * 2_097_152, '4B'],
      ['EleutherAI/pythia-1b', 'main', 143_000, 143_000 * 2_097_152, '286B'],
    ]);
  });

  it('OLMo-1B-0724-hf: the study revision names, tokens from the names, block 8 output', () => {
    const p = studyPreset('olmo-1b');
    expect(p).toMatchObject({ family: 'olmo', repo: 'allenai/OLMo-1B-0724-hf', hookLayer: 8, dModel: 2048 });
    expect(p.revisions.map((r) => [r.revision, r.step, r.tokensSeen, r.label])).toEqual([
      ['step2000-tokens4B', 2000, 4e9, '4B'],
      ['step16000-tokens33B', 16000, 33e9, '33B'],
      ['step1454000-tokens3048B', 1_454_000, 3048e9, '3048B'],
    ]);
  });

  it('BLOOM-1b1: two intermediate steps and main of the final repo, block 12 output', () => {
    const p = studyPreset('bloom-1b1');
    expect(p).toMatchObject({
      family: 'bloom',
      repo: 'bigscience/bloom-1b1-intermediate',
      tokenizerRepo: 'bigscience/bloom-1b1',
      hookLayer: 12,
      dModel: 1536,
    });
    expect(p.revisions.map((r) => [r.repo, r.revision, r.step, r.tokensSeen, r.label])).toEqual([
      ['bigscience/bloom-1b1-intermediate', 'global_step10000', 10_000, 5.5e9, '6B'],
      ['bigscience/bloom-1b1-intermediate', 'global_step100000', 100_000, 55e9, '55B'],
      ['bigscience/bloom-1b1', 'main', null, 341e9, '341B'],
    ]);
  });

  it('every preset is ordered by tokens seen and its hook layer is a block of the model', () => {
    for (const p of studyPresets) {
      const tokens = p.revisions.map((r) => r.tokensSeen);
      expect([...tokens].sort((a, b) => a - b)).toEqual(tokens);
      expect(p.hookLayer).toBeLessThan(p.layers);
    }
  });

  it('makes a valid models:add request: hfCache, the revisions, a repo only where it differs', () => {
    const bloom = presetAddInput(studyPreset('bloom-1b1'), { cacheDir: '/hf/hub' });
    expect(bloom).toEqual({
      name: 'bloom-1b1',
      family: 'bloom',
      source: {
        kind: 'hfCache',
        repo: 'bigscience/bloom-1b1-intermediate',
        cacheDir: '/hf/hub',
        revisions: [
          { revision: 'global_step10000' },
          { revision: 'global_step100000' },
          { revision: 'main', repo: 'bigscience/bloom-1b1' },
        ],
      },
    });
    expect(modelAddSchema.parse(bloom)).toEqual(bloom);
    const olmo = presetAddInput(studyPreset('olmo-1b'), { name: '  my-olmo ', cacheDir: ' ' });
    expect(olmo).toMatchObject({ name: 'my-olmo', family: 'olmo' });
    expect(olmo.source).not.toHaveProperty('cacheDir');
    expect(modelAddSchema.safeParse(olmo).success).toBe(true);
  });

  it('lists the download commands, with the tokenizer repo when no revision comes from it', () => {
    expect(presetDownloadCommands(studyPreset('bloom-1b1'))).toEqual([
      'npx ctt models download --repo bigscience/bloom-1b1-intermediate --revision global_step10000',
      'npx ctt models download --repo bigscience/bloom-1b1-intermediate --revision global_step100000',
      'npx ctt models download --repo bigscience/bloom-1b1 --revision main',
    ]);
    expect(presetDownloadCommands(studyPreset('olmo-1b'))).toHaveLength(3);
  });

  it('finds the preset of a family and its hook layer; others start at the middle block', () => {
    expect(presetForModel({ source: 'allenai/olmo-1b-0724-hf', name: 'x' })?.id).toBe('olmo-1b');
    expect(presetForModel({ source: '/data/bloom', name: 'bloom-1b1' })?.id).toBe('bloom-1b1');
    expect(presetForModel({ source: '/data/demo-lm', name: 'demo-lm' })).toBeNull();
    expect(defaultHookLayer({ source: 'bigscience/bloom-1b1-intermediate', name: 'b' }, 24)).toBe(12);
    expect(defaultHookLayer({ source: 'EleutherAI/pythia-1b', name: 'p' }, 16)).toBe(8);
    // A tiny stand-in with fewer blocks than the hook point, and an unknown family: the middle.
    expect(defaultHookLayer({ source: 'EleutherAI/pythia-1b', name: 'p' }, 4)).toBe(2);
    expect(defaultHookLayer({ source: '/data/demo-lm', name: 'demo-lm' }, 4)).toBe(2);
    expect(defaultHookLayer(undefined, 6)).toBe(3);
    expect(defaultHookLayer({ source: 'EleutherAI/pythia-1b', name: 'p' }, null)).toBeNull();
  });
});
