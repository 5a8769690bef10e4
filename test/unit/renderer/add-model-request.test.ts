import { describe, expect, it } from 'vitest';
import {
  addModelRequest,
  applyPreset,
  type AddModelFormState,
} from '../../../src/renderer/components/add-model-request';
import { modelAddSchema } from '../../../src/shared/domain';

// The Models page's add form: what it sends, with and without a study preset (downloads cannot run
// here, so the request is what is tested; ModelsService turns it into checkpoints in its own tests).

const empty: AddModelFormState = {
  presetId: null,
  name: '',
  family: 'gpt_neox',
  kind: 'folder',
  path: '',
  repo: '',
  cacheDir: '',
  tokensPerStep: '',
};

describe('add form → models:add', () => {
  it('a picked preset fills name, architecture, source and repo, and sends its revisions', () => {
    const form = applyPreset({ ...empty, tokensPerStep: '512', cacheDir: '/hf' }, 'olmo-1b');
    expect(form).toMatchObject({
      presetId: 'olmo-1b',
      name: 'olmo-1b-0724',
      family: 'olmo',
      kind: 'hfCache',
      repo: 'allenai/OLMo-1B-0724-hf',
      tokensPerStep: '',
    });
    const request = addModelRequest(form);
    expect(request).toEqual({
      name: 'olmo-1b-0724',
      family: 'olmo',
      source: {
        kind: 'hfCache',
        repo: 'allenai/OLMo-1B-0724-hf',
        cacheDir: '/hf',
        revisions: [
          { revision: 'step2000-tokens4B' },
          { revision: 'step16000-tokens33B' },
          { revision: 'step1454000-tokens3048B' },
        ],
      },
    });
    expect(modelAddSchema.safeParse(request).success).toBe(true);
  });

  it('the preset keeps a renamed family; BLOOM main comes from bigscience/bloom-1b1', () => {
    const form = { ...applyPreset(empty, 'bloom-1b1'), name: 'bloom-study' };
    const request = addModelRequest(form);
    expect(request.name).toBe('bloom-study');
    expect(request.family).toBe('bloom');
    expect(request.source).toMatchObject({
      repo: 'bigscience/bloom-1b1-intermediate',
      revisions: [
        { revision: 'global_step10000' },
        { revision: 'global_step100000' },
        { revision: 'main', repo: 'bigscience/bloom-1b1' },
      ],
    });
    expect(addModelRequest(applyPreset(empty, 'pythia-1b')).source).toMatchObject({
      repo: 'EleutherAI/pythia-1b',
      revisions: [{ revision: 'step512' }, { revision: 'step2000' }, { revision: 'main' }],
    });
  });

  it('without a preset: folder or cache as typed, with the chosen architecture', () => {
    expect(addModelRequest({ ...empty, name: 'f', path: '/m', tokensPerStep: '512' })).toEqual({
      name: 'f',
      family: 'gpt_neox',
      source: { kind: 'folder', path: '/m' },
      tokensPerStep: 512,
    });
    const unpicked = applyPreset(applyPreset(empty, 'bloom-1b1'), null);
    expect(unpicked.presetId).toBeNull();
    expect(addModelRequest({ ...unpicked, name: 'b' })).toEqual({
      name: 'b',
      family: 'bloom',
      source: { kind: 'hfCache', repo: 'bigscience/bloom-1b1-intermediate' },
    });
  });
});
