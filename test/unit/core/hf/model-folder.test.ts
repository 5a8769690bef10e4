import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkWeightsAgainstConfig,
  defaultHfCacheDir,
  gptNeoxWeightNames,
  listCachedRevisions,
  loadWeights,
  pythiaTokensSeen,
  readModelFolder,
  resolveCachedModel,
} from '../../../../src/core/hf/model-folder';
import { ModelFileError } from '../../../../src/core/hf/safetensors';
import { tinyConfig } from '../../../helpers/random-gpt-neox';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { writeTinyModelFolder } from '../../../helpers/tiny-model-folder';

const tmp = createTmpDirs('ctt-model-folder-');
afterAll(() => tmp.cleanup());

async function modelFileError(promise: Promise<unknown> | (() => unknown)): Promise<ModelFileError> {
  let error: unknown = null;
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

describe('readModelFolder', () => {
  it('reads config, weights, tokenizer and a dtype summary', async () => {
    const dir = tmp.make();
    const config = tinyConfig({ nLayers: 2 });
    const written = await writeTinyModelFolder(dir, { config, dtype: 'F16' });
    const folder = await readModelFolder(dir);
    expect(folder.architecture).toBe('gpt_neox');
    expect(folder.config).toEqual({ ...config, torchDtype: 'float32' });
    expect(folder.rawConfig['model_type']).toBe('gpt_neox');
    expect(folder.weightFiles).toEqual([join(dir, 'model.safetensors')]);
    expect(folder.weightIndex.size).toBe(written.size);
    expect(folder.tokenizerPath).toBe(join(dir, 'tokenizer.json'));
    expect(folder.dtype).toBe('F16');
    const expectedCount = [...written.values()].reduce((sum, t) => sum + t.data.length, 0);
    expect(folder.parameterCount).toBe(expectedCount);
    expect(() => checkWeightsAgainstConfig(folder)).not.toThrow();
  });

  it('reports a missing tokenizer as null and detects the family from `architectures` alone', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { hasTokenizer: false, configJson: { model_type: undefined } });
    const folder = await readModelFolder(dir);
    expect(folder.tokenizerPath).toBeNull();
    expect(folder.architecture).toBe('gpt_neox');
  });

  it('reads sharded weights through model.safetensors.index.json', async () => {
    const dir = tmp.make();
    const written = await writeTinyModelFolder(dir, { shards: 2 });
    const folder = await readModelFolder(dir);
    expect(folder.weightFiles.map((f) => f.slice(dir.length + 1))).toEqual([
      'model-00001-of-00002.safetensors',
      'model-00002-of-00002.safetensors',
    ]);
    checkWeightsAgainstConfig(folder);
    const loaded = await loadWeights(folder);
    expect([...loaded.keys()].sort()).toEqual([...written.keys()].sort());
    for (const [name, tensor] of written) {
      expect(loaded.get(name)!.shape).toEqual(tensor.shape);
      expect(loaded.get(name)!.data).toEqual(tensor.data);
    }
    const some = await loadWeights(folder, { names: ['embed_out.weight', 'gpt_neox.embed_in.weight'] });
    expect(some.size).toBe(2);
    await modelFileError(loadWeights(folder, { names: ['nope'] }));
  });

  it('names a missing shard and an index entry its shard does not hold', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { shards: 2 });
    const indexPath = join(dir, 'model.safetensors.index.json');
    const index = JSON.parse(readFileSync(indexPath, 'utf8')) as { weight_map: Record<string, string> };
    index.weight_map['ghost.weight'] = 'model-00001-of-00002.safetensors';
    writeFileSync(indexPath, JSON.stringify(index));
    const ghost = await modelFileError(readModelFolder(dir));
    expect(ghost.file).toBe(indexPath);
    expect(ghost.message).toMatch(
      /maps "ghost.weight" to model-00001-of-00002.safetensors, which has no such tensor/,
    );
    rmSync(join(dir, 'model-00002-of-00002.safetensors'));
    const missing = await modelFileError(readModelFolder(dir));
    expect(missing.message).toMatch(/names shard model-00002-of-00002.safetensors, which is missing/);
  });

  it('rejects an unknown architecture', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, {
      configJson: { model_type: 'llama', architectures: ['LlamaForCausalLM'] },
    });
    const error = await modelFileError(readModelFolder(dir));
    expect(error.file).toBe(join(dir, 'config.json'));
    expect(error.message).toMatch(
      /unknown architecture llama \(supported: gpt_neox \(.*\), olmo \(.*\), bloom \(.*\)\)/,
    );
  });

  it('names a missing or malformed config.json', async () => {
    const dir = tmp.make();
    const missing = await modelFileError(readModelFolder(dir));
    expect(missing.message).toBe(`${join(dir, 'config.json')}: missing config.json`);
    writeFileSync(join(dir, 'config.json'), '{"model_type": "gpt_neox",');
    const invalid = await modelFileError(readModelFolder(dir));
    expect(invalid.message).toMatch(/config.json: config.json is not valid JSON/);
  });

  it('names config.json and the field when a field is invalid', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir, { configJson: { hidden_size: 'big' } });
    const error = await modelFileError(readModelFolder(dir));
    expect(error.file).toBe(join(dir, 'config.json'));
    expect(error.message).toMatch(/invalid field "hidden_size"/);
    await writeTinyModelFolder(dir, { configJson: { num_attention_heads: 3 } });
    const indivisible = await modelFileError(readModelFolder(dir));
    expect(indivisible.message).toMatch(
      /config.json: hidden_size 16 is not divisible by num_attention_heads 3/,
    );
  });

  it('refuses pytorch_model.bin', async () => {
    const dir = tmp.make();
    await writeTinyModelFolder(dir);
    rmSync(join(dir, 'model.safetensors'));
    writeFileSync(join(dir, 'pytorch_model.bin'), 'pickle');
    const error = await modelFileError(readModelFolder(dir));
    expect(error.message).toMatch(
      /no model.safetensors or model.safetensors.index.json; pytorch_model.bin is not supported/,
    );
  });
});

describe('checkWeightsAgainstConfig', () => {
  it('names the file, tensor and both shapes when a header disagrees with config.json', async () => {
    const dir = tmp.make();
    const config = tinyConfig({ nLayers: 1, dMlp: 24 });
    await writeTinyModelFolder(dir, { config, weightConfig: tinyConfig({ nLayers: 1, dMlp: 32 }) });
    const folder = await readModelFolder(dir);
    const error = await modelFileError(() => checkWeightsAgainstConfig(folder));
    expect(error.file).toBe(join(dir, 'model.safetensors'));
    expect(error.message).toMatch(
      /tensor "gpt_neox.layers.0.mlp.dense_h_to_4h.weight" has shape \[32,16\] but config.json implies \[24,16\] \(header disagrees with config.json\)/,
    );
    expect(error.message).toMatch(/and 2 more problems/);
  });

  it('names a tensor config.json implies but no file holds', async () => {
    const dir = tmp.make();
    const config = tinyConfig({ nLayers: 1 });
    await writeTinyModelFolder(dir, { config, configJson: { num_hidden_layers: 2 } });
    const error = await modelFileError(async () => checkWeightsAgainstConfig(await readModelFolder(dir)));
    expect(error.message).toMatch(
      /implies tensor "gpt_neox.layers.1.input_layernorm.weight" \[16\], which is not in model.safetensors/,
    );
  });

  it('ignores rotary and mask buffers and needs no embed_out when embeddings are tied', async () => {
    const dir = tmp.make();
    const config = tinyConfig({ nLayers: 1, isTiedEmbeddings: true });
    await writeTinyModelFolder(dir, {
      config,
      extra: {
        'gpt_neox.layers.0.attention.rotary_emb.inv_freq': { shape: [2], data: new Float32Array([1, 0.01]) },
        'gpt_neox.layers.0.attention.bias': { shape: [1, 1, 2, 2], data: new Int32Array([1, 0, 1, 1]) },
        'gpt_neox.layers.0.attention.masked_bias': { shape: [], data: new Float32Array([-1e9]) },
      },
    });
    const folder = await readModelFolder(dir);
    checkWeightsAgainstConfig(folder);
    const names = gptNeoxWeightNames(folder.config).map((w) => w.name);
    expect(names).not.toContain('embed_out.weight');
    expect(names).toHaveLength(1 + 12 + 2);
    expect(folder.parameterCount).toBe(
      23 * 16 + (4 * 16 + 3 * 16 * 16 + 3 * 16 + 16 * 16 + 16) + 2 * (32 * 16) + 32 + 16 + 32,
    );
    const loaded = await loadWeights(folder);
    expect(loaded.has('gpt_neox.layers.0.attention.rotary_emb.inv_freq')).toBe(false);
    expect(loaded.size).toBe(names.length);
  });
});

describe('Hugging Face cache layout', () => {
  const repo = 'EleutherAI/pythia-tiny';
  const shaMain = 'a'.repeat(40);
  const shaStep = 'b'.repeat(40);
  const shaLoose = 'c'.repeat(40);

  function makeCache(): string {
    const cacheDir = tmp.make();
    const repoDir = join(cacheDir, 'models--EleutherAI--pythia-tiny');
    mkdirSync(join(repoDir, 'refs'), { recursive: true });
    for (const sha of [shaMain, shaStep, shaLoose])
      mkdirSync(join(repoDir, 'snapshots', sha), { recursive: true });
    writeFileSync(join(repoDir, 'refs', 'main'), shaMain);
    writeFileSync(join(repoDir, 'refs', 'step1000'), `${shaStep}\n`);
    writeFileSync(join(repoDir, 'refs', 'step143000'), shaMain);
    return cacheDir;
  }

  it('resolves refs and commit shas to snapshot folders', async () => {
    const cacheDir = makeCache();
    const snapshots = join(cacheDir, 'models--EleutherAI--pythia-tiny', 'snapshots');
    expect(await resolveCachedModel({ cacheDir, repo, revision: 'main' })).toBe(join(snapshots, shaMain));
    expect(await resolveCachedModel({ cacheDir, repo })).toBe(join(snapshots, shaMain));
    expect(await resolveCachedModel({ cacheDir, repo, revision: 'step1000' })).toBe(join(snapshots, shaStep));
    expect(await resolveCachedModel({ cacheDir, repo, revision: shaLoose })).toBe(join(snapshots, shaLoose));
  });

  it('lists the known revisions when one is unknown', async () => {
    const cacheDir = makeCache();
    const error = await modelFileError(resolveCachedModel({ cacheDir, repo, revision: 'step2000' }));
    expect(error.message).toMatch(
      /unknown revision "step2000" of EleutherAI\/pythia-tiny \(cached: main, step1000, step143000, c{40}\)/,
    );
    const absent = await modelFileError(resolveCachedModel({ cacheDir, repo: 'EleutherAI/other' }));
    expect(absent.message).toMatch(/EleutherAI\/other is not in the Hugging Face cache/);
    await modelFileError(resolveCachedModel({ cacheDir, repo, revision: '../../etc' }));
  });

  it('names a ref whose snapshot is missing', async () => {
    const cacheDir = makeCache();
    writeFileSync(join(cacheDir, 'models--EleutherAI--pythia-tiny', 'refs', 'step5'), 'd'.repeat(40));
    const error = await modelFileError(resolveCachedModel({ cacheDir, repo, revision: 'step5' }));
    expect(error.message).toMatch(/points at commit d{40}, whose snapshot is missing/);
  });

  it('lists cached revisions in natural order', async () => {
    const cacheDir = makeCache();
    expect(await listCachedRevisions({ cacheDir, repo })).toEqual([
      { revision: 'main', sha: shaMain },
      { revision: 'step1000', sha: shaStep },
      { revision: 'step143000', sha: shaMain },
      { revision: shaLoose, sha: shaLoose },
    ]);
    expect(await listCachedRevisions({ cacheDir, repo: 'x/y' })).toEqual([]);
  });

  it('finds the default cache folder as huggingface_hub does', () => {
    expect(defaultHfCacheDir({ HF_HUB_CACHE: '/c', HF_HOME: '/h' }, '/home/u')).toBe('/c');
    expect(defaultHfCacheDir({ HF_HOME: '/h' }, '/home/u')).toBe(join('/h', 'hub'));
    expect(defaultHfCacheDir({}, '/home/u')).toBe(join('/home/u', '.cache', 'huggingface', 'hub'));
  });
});

describe('pythiaTokensSeen', () => {
  it('counts 2,097,152 tokens per step', () => {
    expect(pythiaTokensSeen('step0')).toBe(0);
    expect(pythiaTokensSeen('step1000')).toBe(2_097_152_000);
    expect(pythiaTokensSeen('main')).toBe(143_000 * 2_097_152);
    expect(pythiaTokensSeen('step143000')).toBe(pythiaTokensSeen('main'));
    expect(pythiaTokensSeen('v1.0')).toBeNull();
    expect(pythiaTokensSeen('stepx')).toBeNull();
  });
});
