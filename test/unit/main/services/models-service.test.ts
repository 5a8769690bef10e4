import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pythiaTokensPerStep } from '../../../../src/core/hf/model-folder';
import { checkpointPosition, revisionStep } from '../../../../src/main/services/checkpoint-sources';
import { defaultProjectName, ModelsService } from '../../../../src/main/services/models-service';
import { modelsAddInput } from '../../../../src/cli/models-store-command';
import { presetAddInput, studyPreset } from '../../../../src/shared/study-presets';
import { createStore, type Store } from '../../../../src/main/store/store';
import { modelAddSchema } from '../../../../src/shared/domain';
import { AppError } from '../../../../src/shared/result';
import { fakeSha, writeFakeHfCache } from '../../../helpers/hf-cache';
import { tinyConfig } from '../../../helpers/random-gpt-neox';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-models-service-');
const modelAddSchemaParse = (input: unknown) => modelAddSchema.parse(input);
let store: Store;
let service: ModelsService;
let emptyCache: string;

beforeEach(() => {
  store = createStore(':memory:');
  emptyCache = join(tmp.make(), 'no-cache-here');
  service = new ModelsService(store, { defaultCacheDir: () => emptyCache });
});
afterEach(() => {
  store.close();
  tmp.cleanup();
});

/** Awaits `promise`, expecting an AppError with `code` and `field`. */
async function expectAppError(promise: Promise<unknown>, code: string, field: string): Promise<AppError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe(code);
  expect((error as AppError).field).toBe(field);
  return error as AppError;
}

describe('revision names → step and tokens seen', () => {
  it('reads the step from stepN names and applies tokensPerStep, then the Pythia rule', () => {
    expect(revisionStep('step1000')).toBe(1000);
    expect(revisionStep('pythia-160m-step-512')).toBe(512);
    expect(revisionStep('main')).toBeNull();
    const pythia = { tokensPerStep: null, scheme: 'pythia' as const };
    expect(checkpointPosition('step1000', pythia)).toEqual({
      step: 1000,
      tokensSeen: 1000 * pythiaTokensPerStep,
    });
    expect(checkpointPosition('main', pythia)).toEqual({ step: 143_000, tokensSeen: 143_000 * 2_097_152 });
    expect(checkpointPosition('step10', { tokensPerStep: 4096, scheme: 'pythia' })).toEqual({
      step: 10,
      tokensSeen: 40_960,
    });
    expect(checkpointPosition('step10', { tokensPerStep: null, scheme: 'none' })).toEqual({
      step: 10,
      tokensSeen: null,
    });
    expect(checkpointPosition('final', { tokensPerStep: 4096, scheme: 'none' })).toEqual({
      step: null,
      tokensSeen: null,
    });
  });
});

describe('ModelsService.add', () => {
  it('adds a model folder as one checkpoint named after the folder, in a Default project made on first use', async () => {
    const dir = join(tmp.make(), 'step500');
    await writeTinyModelFolder(dir);
    expect(store.projects.list()).toEqual([]);
    const model = await service.add({
      name: 'tiny',
      family: 'gpt_neox',
      source: { kind: 'folder', path: dir },
      tokensPerStep: 1000,
    });
    expect(store.projects.list().map((p) => p.name)).toEqual([defaultProjectName]);
    expect(model).toMatchObject({ name: 'tiny', sourceKind: 'folder', source: dir, tokensPerStep: 1000 });
    expect(model.checkpoints).toEqual([
      expect.objectContaining({ revision: 'step500', step: 500, tokensSeen: 500_000, path: dir }),
    ]);
    expect(service.list()).toEqual([model]);
  });

  it('adds a folder of model folders as one checkpoint each, ordered by tokens seen', async () => {
    const root = tmp.make();
    await writeTinyModelFolder(join(root, 'step2000'));
    await writeTinyModelFolder(join(root, 'step100'));
    mkdirSync(join(root, 'notes'));
    const model = await service.add({
      name: 'pythia-demo',
      family: 'gpt_neox',
      source: { kind: 'folder', path: root },
    });
    expect(model.checkpoints.map((c) => [c.revision, c.tokensSeen])).toEqual([
      ['step100', 100 * pythiaTokensPerStep],
      ['step2000', 2000 * pythiaTokensPerStep],
    ]);
  });

  it('adds one checkpoint per cached revision of a Pythia repo, with tokens seen', async () => {
    const cacheDir = tmp.make();
    const repoDir = await writeFakeHfCache(cacheDir, 'EleutherAI/pythia-160m', [
      { ref: 'step1000', sha: fakeSha('a') },
      { ref: 'step143000', sha: fakeSha('b') },
      { ref: 'main', sha: fakeSha('b') },
      { ref: 'step64', sha: fakeSha('c'), hasSnapshot: false },
    ]);
    const model = await service.add({
      name: 'pythia-160m',
      family: 'gpt_neox',
      source: { kind: 'hfCache', repo: 'EleutherAI/pythia-160m', cacheDir },
    });
    expect(model).toMatchObject({ sourceKind: 'hfCache', source: 'EleutherAI/pythia-160m', cacheDir });
    // main and step143000 are one commit: one checkpoint, named by its step.
    expect(
      model.checkpoints.map((c) => ({ revision: c.revision, tokensSeen: c.tokensSeen, path: c.path })),
    ).toEqual([
      { revision: 'step64', tokensSeen: 64 * 2_097_152, path: null },
      {
        revision: 'step1000',
        tokensSeen: 2_097_152_000,
        path: join(repoDir, 'snapshots', fakeSha('a')),
      },
      {
        revision: 'step143000',
        tokensSeen: 143_000 * 2_097_152,
        path: join(repoDir, 'snapshots', fakeSha('b')),
      },
    ]);
  });

  it('refuses relative, missing and non-model paths with invalid_input naming input.source.path, storing nothing', async () => {
    const add = (path: string) =>
      service.add({ name: 'x', family: 'gpt_neox', source: { kind: 'folder', path } });
    const relative = await expectAppError(add('models/tiny'), 'invalid_input', 'input.source.path');
    expect(relative.message).toMatch(/not an absolute path/);
    const missing = join(tmp.make(), 'absent');
    expect((await expectAppError(add(missing), 'invalid_input', 'input.source.path')).message).toContain(
      missing,
    );
    const file = join(tmp.make(), 'file.txt');
    writeFileSync(file, 'x');
    await expectAppError(add(file), 'invalid_input', 'input.source.path');
    const empty = tmp.make();
    const notModel = await expectAppError(add(empty), 'invalid_input', 'input.source.path');
    expect(notModel.message).toMatch(/no config.json/);
    expect(service.list()).toEqual([]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get()).toEqual({ n: 0 });
  });

  it('refuses an uncached repo, a missing cache folder and a duplicate name', async () => {
    const cacheDir = tmp.make();
    const absent = await expectAppError(
      service.add({
        name: 'p',
        family: 'gpt_neox',
        source: { kind: 'hfCache', repo: 'EleutherAI/absent', cacheDir },
      }),
      'invalid_input',
      'input.source.repo',
    );
    expect(absent.message).toMatch(/no cached revisions/);
    await expectAppError(
      service.add({ name: 'p', family: 'gpt_neox', source: { kind: 'hfCache', repo: 'a/b' } }),
      'invalid_input',
      'input.source.cacheDir',
    );
    const dir = tmp.make();
    await writeTinyModelFolder(dir);
    await service.add({ name: 'dup', family: 'gpt_neox', source: { kind: 'folder', path: dir } });
    await expectAppError(
      service.add({ name: 'dup', family: 'gpt_neox', source: { kind: 'folder', path: dir } }),
      'conflict',
      'input.name',
    );
    expect(service.list()).toHaveLength(1);
  });
});

describe('ModelsService.add: OLMo, BLOOM and the study presets', () => {
  it('gives cached OLMo and BLOOM revisions their tokens seen by family', async () => {
    const cacheDir = tmp.make();
    await writeFakeHfCache(cacheDir, 'allenai/OLMo-1B-0724-hf', [
      { ref: 'step16000-tokens33B', sha: fakeSha('1') },
      { ref: 'step2000-tokens4B', sha: fakeSha('2'), hasSnapshot: false },
      { ref: 'main', sha: fakeSha('3'), hasSnapshot: false },
    ]);
    await writeFakeHfCache(cacheDir, 'bigscience/bloom-1b1-intermediate', [
      { ref: 'global_step100000', sha: fakeSha('4'), hasSnapshot: false },
      { ref: 'global_step1000', sha: fakeSha('5'), hasSnapshot: false },
    ]);
    const olmo = await service.add({
      name: 'olmo',
      family: 'olmo',
      source: { kind: 'hfCache', repo: 'allenai/OLMo-1B-0724-hf', cacheDir },
    });
    expect(olmo.checkpoints.map((c) => [c.revision, c.step, c.tokensSeen])).toEqual([
      ['step2000-tokens4B', 2000, 4e9],
      ['step16000-tokens33B', 16000, 33e9],
      ['main', null, null],
    ]);
    const bloom = await service.add({
      name: 'bloom',
      family: 'bloom',
      source: { kind: 'hfCache', repo: 'bigscience/bloom-1b1-intermediate', cacheDir },
    });
    expect(bloom.checkpoints.map((c) => [c.revision, c.step, c.tokensSeen])).toEqual([
      ['global_step1000', 1000, 550e6],
      ['global_step100000', 100_000, 55e9],
    ]);
    // A folder added to the BLOOM family later follows the same rule.
    const main = tmp.make();
    await writeTinyModelFolder(main);
    expect(await service.addCheckpoint({ modelId: bloom.id, revision: 'main', path: main })).toMatchObject({
      step: null,
      tokensSeen: 341e9,
    });
  });

  it('adds the BLOOM preset before download: folders where cached, none elsewhere; adding again refreshes', async () => {
    const cacheDir = tmp.make();
    const intermediate = await writeFakeHfCache(cacheDir, 'bigscience/bloom-1b1-intermediate', [
      { ref: 'global_step10000', sha: fakeSha('a') },
      { ref: 'global_step1000', sha: fakeSha('b') },
    ]);
    const input = modelAddSchemaParse(presetAddInput(studyPreset('bloom-1b1'), { cacheDir }));
    const model = await service.add(input);
    expect(model).toMatchObject({
      name: 'bloom-1b1',
      family: 'bloom',
      source: 'bigscience/bloom-1b1-intermediate',
      sourceKind: 'hfCache',
      cacheDir,
    });
    // Only the preset's revisions (not the cached global_step1000), by tokens seen.
    expect(model.checkpoints.map((c) => [c.revision, c.tokensSeen, c.path])).toEqual([
      ['global_step10000', 5.5e9, join(intermediate, 'snapshots', fakeSha('a'))],
      ['global_step100000', 55e9, null],
      ['main', 341e9, null],
    ]);

    // After downloading: main from the final repo, global_step100000 from the intermediate one.
    const final = await writeFakeHfCache(cacheDir, 'bigscience/bloom-1b1', [
      { ref: 'main', sha: fakeSha('c') },
    ]);
    await writeFakeHfCache(cacheDir, 'bigscience/bloom-1b1-intermediate', [
      { ref: 'global_step100000', sha: fakeSha('d') },
    ]);
    const refreshed = await service.add(input);
    expect(refreshed.id).toBe(model.id);
    expect(refreshed.checkpoints.map((c) => [c.revision, c.path])).toEqual([
      ['global_step10000', join(intermediate, 'snapshots', fakeSha('a'))],
      ['global_step100000', join(intermediate, 'snapshots', fakeSha('d'))],
      ['main', join(final, 'snapshots', fakeSha('c'))],
    ]);
    expect(service.list()).toHaveLength(1);
    // The same name from another source is still a conflict.
    await expectAppError(
      service.add({ name: 'bloom-1b1', family: 'bloom', source: { kind: 'hfCache', repo: 'a/b', cacheDir } }),
      'conflict',
      'input.name',
    );
  });

  it('adds a preset with no cache at all (default cache missing): every revision without a folder', async () => {
    const model = await service.add(modelAddSchemaParse(presetAddInput(studyPreset('olmo-1b'))));
    expect(model.cacheDir).toBe(emptyCache);
    expect(model.checkpoints.map((c) => [c.revision, c.tokensSeen, c.path])).toEqual([
      ['step2000-tokens4B', 4e9, null],
      ['step16000-tokens33B', 33e9, null],
      ['step1454000-tokens3048B', 3048e9, null],
    ]);
    const pythia = await service.add(modelAddSchemaParse(presetAddInput(studyPreset('pythia-1b'))));
    expect(pythia.checkpoints.map((c) => [c.revision, c.step, c.tokensSeen])).toEqual([
      ['step512', 512, 512 * pythiaTokensPerStep],
      ['step2000', 2000, 2000 * pythiaTokensPerStep],
      ['main', 143_000, 143_000 * pythiaTokensPerStep],
    ]);
  });

  it('refuses a revision listed twice and a named cache folder that does not exist', async () => {
    const twice = await expectAppError(
      service.add({
        name: 't',
        family: 'olmo',
        source: { kind: 'hfCache', repo: 'a/b', revisions: [{ revision: 'main' }, { revision: 'main' }] },
      }),
      'invalid_input',
      'input.source.revisions',
    );
    expect(twice.message).toMatch(/"main" is listed twice/);
    await expectAppError(
      service.add({
        name: 't',
        family: 'olmo',
        source: {
          kind: 'hfCache',
          repo: 'a/b',
          cacheDir: join(tmp.make(), 'absent'),
          revisions: [{ revision: 'main' }],
        },
      }),
      'invalid_input',
      'input.source.cacheDir',
    );
    expect(service.list()).toEqual([]);
  });
});

describe('ctt models add --preset', () => {
  const base = {
    name: undefined,
    folder: undefined,
    hfRepo: undefined,
    preset: undefined,
    cacheDir: undefined,
    tokensPerStep: undefined,
  };

  it('builds the preset request, with --name and --cache-dir', () => {
    expect(modelsAddInput({ ...base, preset: 'bloom-1b1' })).toEqual(
      modelAddSchemaParse(presetAddInput(studyPreset('bloom-1b1'))),
    );
    const named = modelsAddInput({ ...base, preset: 'pythia-1b', name: 'p1b', cacheDir: '/hf/hub' });
    expect(named).toMatchObject({
      name: 'p1b',
      family: 'gpt_neox',
      source: { kind: 'hfCache', repo: 'EleutherAI/pythia-1b', cacheDir: '/hf/hub' },
    });
  });

  it('refuses an unknown preset, two sources, a preset with --tokens-per-step, and no name without a preset', () => {
    expect(() => modelsAddInput({ ...base, preset: 'gpt2' })).toThrow(
      /unknown preset "gpt2" \(known: pythia-1b, olmo-1b, bloom-1b1\)/,
    );
    expect(() => modelsAddInput({ ...base, preset: 'olmo-1b', hfRepo: 'a/b' })).toThrow(/exactly one of/);
    expect(() => modelsAddInput({ ...base, preset: 'olmo-1b', tokensPerStep: 5 })).toThrow(/tokens-per-step/);
    expect(() => modelsAddInput({ ...base, hfRepo: 'a/b' })).toThrow(/--name is required/);
    expect(modelsAddInput({ ...base, hfRepo: 'a/b', name: 'n' })).toEqual({
      name: 'n',
      family: 'gpt_neox',
      source: { kind: 'hfCache', repo: 'a/b' },
    });
  });
});

describe('ModelsService.addCheckpoint and remove', () => {
  it('adds a folder as a revision with tokens from the family rule; re-adding re-points it', async () => {
    const first = tmp.make();
    await writeTinyModelFolder(first);
    const model = await service.add({
      name: 'fam',
      family: 'gpt_neox',
      source: { kind: 'folder', path: first },
      tokensPerStep: 10,
    });
    const second = tmp.make();
    await writeTinyModelFolder(second);
    const added = await service.addCheckpoint({ modelId: model.id, revision: 'step7', path: second });
    expect(added).toMatchObject({ revision: 'step7', step: 7, tokensSeen: 70, path: second });
    const moved = await service.addCheckpoint({ modelId: model.id, revision: 'step7', path: first });
    expect(moved.id).toBe(added.id);
    expect(moved.path).toBe(first);
    expect(service.getModel(model.id).checkpoints).toHaveLength(2);

    await expectAppError(
      service.addCheckpoint({ modelId: model.id, revision: 'r', path: 'rel' }),
      'invalid_input',
      'input.path',
    );
    await expectAppError(
      service.addCheckpoint({ modelId: model.id, revision: 'r', path: tmp.make() }),
      'invalid_input',
      'input.path',
    );
    await expectAppError(
      service.addCheckpoint({ modelId: 999, revision: 'r', path: first }),
      'not_found',
      'input.modelId',
    );
  });

  it('remove deletes the family and its checkpoints; an unknown id is not_found', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir);
    const model = await service.add({
      name: 'gone',
      family: 'gpt_neox',
      source: { kind: 'folder', path: dir },
    });
    expect(service.remove(model.id)).toEqual({ modelId: model.id });
    expect(service.list()).toEqual([]);
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM checkpoints').get()).toEqual({ n: 0 });
    expect(() => service.remove(model.id)).toThrow(AppError);
  });
});

describe('ModelsService.validate', () => {
  async function addFolder(dir: string): Promise<number> {
    const model = await service.add({
      name: `m${Math.random()}`,
      family: 'gpt_neox',
      source: { kind: 'folder', path: dir },
    });
    return model.checkpoints[0]!.id;
  }

  it('reports a complete folder with its architecture, sizes, dtype and parameter count', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { config: tinyConfig({ nLayers: 2 }), dtype: 'F16' });
    const id = await addFolder(dir);
    const report = await service.validate(id);
    const perLayer = 4 * 16 + 48 * 16 + 48 + 16 * 16 + 16 + 32 * 16 + 32 + 16 * 32 + 16;
    expect(report).toEqual({
      checkpointId: id,
      isComplete: true,
      problems: [],
      architecture: 'gpt_neox',
      layers: 2,
      dModel: 16,
      vocabSize: 23,
      dtype: 'F16',
      parameterCount: 2 * 23 * 16 + 2 * perLayer + 2 * 16,
      hasTokenizer: true,
    });
  });

  it('finds a missing shard, as a problem naming the index and the shard', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { shards: 2 });
    const id = await addFolder(dir);
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    const report = await service.validate(id);
    expect(report.isComplete).toBe(false);
    expect(report.problems).toHaveLength(1);
    expect(report.problems[0]).toMatch(/model.safetensors.index.json: names shard model-00002-of-00002/);
    expect(report.problems[0]).toMatch(/missing/);
    expect(report.architecture).toBeNull();
    expect(report.hasTokenizer).toBe(true);
  });

  it('finds every shape mismatch between the headers and config.json, and a missing tokenizer', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, {
      config: tinyConfig({ nLayers: 1, dMlp: 24 }),
      weightConfig: tinyConfig({ nLayers: 1, dMlp: 32 }),
      hasTokenizer: false,
    });
    const id = await addFolder(dir);
    const report = await service.validate(id);
    expect(report.isComplete).toBe(false);
    const shapeProblems = report.problems.filter((p) => p.includes('header disagrees with config.json'));
    // d_mlp sets three tensors of the one layer: dense_h_to_4h weight and bias, dense_4h_to_h weight.
    expect(shapeProblems).toHaveLength(3);
    expect(shapeProblems.join('\n')).toMatch(
      /mlp.dense_h_to_4h.weight" has shape \[32,16\] but config.json implies \[24,16\]/,
    );
    expect(report.problems.at(-1)).toMatch(/tokenizer.json: missing/);
    expect(report).toMatchObject({ architecture: 'gpt_neox', layers: 1, dModel: 16, hasTokenizer: false });
  });

  it('reports a revision without a local folder, and an unknown checkpoint is not_found', async () => {
    const cacheDir = tmp.make();
    await writeFakeHfCache(cacheDir, 'org/model', [{ ref: 'step1', sha: fakeSha('d'), hasSnapshot: false }]);
    const model = await service.add({
      name: 'remote',
      family: 'gpt_neox',
      source: { kind: 'hfCache', repo: 'org/model', cacheDir },
    });
    const report = await service.validate(model.checkpoints[0]!.id);
    expect(report.isComplete).toBe(false);
    expect(report.problems[0]).toMatch(/No local folder/);
    await expectAppError(service.validate(12345), 'not_found', 'input.checkpointId');
  });
});
