import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../../../../src/core/backend';
import { logitLensWeightNames } from '../../../../src/core/hf/architectures';
import { checkWeightsAgainstConfig, readModelFolder } from '../../../../src/core/hf/model-folder';
import { ModelFileError } from '../../../../src/core/hf/safetensors';
import { loadLanguageModel } from '../../../../src/core/lm/load';
import { tinyBloomConfig, tinyOlmoConfig, writeFamilyFolder } from '../../../helpers/random-lm';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { wordLevelTokenizerJson } from '../../../helpers/tiny-model-folder';

const tmp = createTmpDirs('ctt-architectures-');
afterAll(() => tmp.cleanup());
beforeAll(async () => {
  await selectBackend('cpu');
});

async function folderError(dir: string): Promise<ModelFileError> {
  const error = await readModelFolder(dir).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  return error as ModelFileError;
}

const supported = /supported: gpt_neox \(.*\), olmo \(.*\), bloom \(.*\)/;

describe('model folders of OLMo and BLOOM', () => {
  it('reads an OLMo folder: family, sizes, no weight prefix, weights match config.json', async () => {
    const dir = tmp.make();
    await writeFamilyFolder(dir, { architecture: 'olmo', config: tinyOlmoConfig() }, { dtype: 'BF16' });
    const folder = await readModelFolder(dir);
    expect(folder.architecture).toBe('olmo');
    expect(folder.config).toMatchObject({
      nLayers: 2,
      dModel: 16,
      headSize: 8,
      rotaryDims: 8,
      clipQkv: null,
    });
    expect(folder.weightPrefix).toBe('');
    expect(folder.dtype).toBe('BF16');
    expect(() => checkWeightsAgainstConfig(folder)).not.toThrow();
  });

  it('reads BLOOM folders with either naming and either size keys', async () => {
    const bloom = { architecture: 'bloom' as const, config: tinyBloomConfig() };
    const plain = tmp.make();
    await writeFamilyFolder(plain, bloom);
    const prefixed = tmp.make();
    await writeFamilyFolder(prefixed, bloom, {
      weightPrefix: 'transformer.',
      configJson: { hidden_size: undefined, n_embed: 24, n_layer: undefined, num_hidden_layers: 2 },
    });
    for (const [dir, prefix] of [
      [plain, ''],
      [prefixed, 'transformer.'],
    ] as const) {
      const folder = await readModelFolder(dir);
      expect(folder.architecture).toBe('bloom');
      expect(folder.weightPrefix).toBe(prefix);
      expect(folder.config).toMatchObject({
        dModel: 24,
        nLayers: 2,
        nHeads: 6,
        dMlp: 96,
        isTiedEmbeddings: true,
      });
      expect(() => checkWeightsAgainstConfig(folder)).not.toThrow();
    }
  });

  it('names the unembedding and final-norm gain that dashboards read, per family and naming', async () => {
    const cases = [
      {
        family: { architecture: 'olmo' as const, config: tinyOlmoConfig() },
        prefix: '',
        expected: { unembed: 'lm_head.weight', finalNormGain: null },
      },
      {
        family: { architecture: 'olmo' as const, config: tinyOlmoConfig({ isTiedEmbeddings: true }) },
        prefix: '',
        expected: { unembed: 'model.embed_tokens.weight', finalNormGain: null },
      },
      {
        family: { architecture: 'bloom' as const, config: tinyBloomConfig() },
        prefix: 'transformer.',
        expected: { unembed: 'transformer.word_embeddings.weight', finalNormGain: 'transformer.ln_f.weight' },
      },
    ];
    for (const { family, prefix, expected } of cases) {
      const dir = tmp.make();
      await writeFamilyFolder(dir, family, { weightPrefix: prefix });
      const folder = await readModelFolder(dir);
      const names = logitLensWeightNames(folder, folder.weightPrefix);
      expect(names).toEqual(expected);
      expect(folder.tensorInfo.get(names.unembed)!.shape).toEqual([23, family.config.dModel]);
      if (names.finalNormGain !== null) expect(folder.tensorInfo.has(names.finalNormGain)).toBe(true);
    }
  });

  it('refuses OLMo without the Hugging Face conversion, naming the file and the -hf repositories', async () => {
    const dir = tmp.make();
    await writeFamilyFolder(dir, { architecture: 'olmo', config: tinyOlmoConfig() });
    const original = { d_model: 16, n_heads: 2, n_layers: 2, mlp_ratio: 8, weight_tying: false };
    for (const configJson of [
      { model_type: 'hf_olmo', architectures: ['OLMoForCausalLM'], ...original },
      { model_type: 'olmo', ...original },
    ]) {
      writeFileSync(join(dir, 'config.json'), JSON.stringify(configJson));
      const error = await folderError(dir);
      expect(error.file).toBe(join(dir, 'config.json'));
      expect(error.message).toMatch(/OLMo checkpoint in the original OLMo format .* not supported/);
      expect(error.message).toMatch(/allenai\/OLMo-1B-0724-hf/);
      expect(error.message).toMatch(supported);
    }
  });

  it('refuses unknown families and unsupported variants of known ones, saying what is supported', async () => {
    const dir = tmp.make();
    const olmo = { architecture: 'olmo' as const, config: tinyOlmoConfig() };
    await writeFamilyFolder(dir, olmo, {
      configJson: { model_type: 'olmo2', architectures: ['Olmo2ForCausalLM'] },
    });
    expect((await folderError(dir)).message).toMatch(
      new RegExp(`unknown architecture olmo2 \\(${supported.source}\\)`),
    );
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { num_key_value_heads: 1 },
        /grouped-query attention is not supported \(supported: one key\/value head per query head/,
      ],
      [
        { rope_scaling: { type: 'linear', factor: 2 } },
        /field "rope_scaling": is not supported \(supported: null/,
      ],
      [{ hidden_act: 'gelu' }, /field "hidden_act": is not supported \(supported: "silu"/],
      [{ attention_bias: true }, /field "attention_bias": true is not supported/],
    ];
    for (const [configJson, message] of cases) {
      await writeFamilyFolder(dir, olmo, { configJson });
      const error = await folderError(dir);
      expect(error.file).toBe(join(dir, 'config.json'));
      expect(error.message).toMatch(message);
      expect(error.message).toMatch(/\(OLMo config\)/);
    }
    const bloom = { architecture: 'bloom' as const, config: tinyBloomConfig() };
    await writeFamilyFolder(dir, bloom, { configJson: { apply_residual_connection_post_layernorm: true } });
    expect((await folderError(dir)).message).toMatch(
      /field "apply_residual_connection_post_layernorm": true is not supported .*\(BLOOM config\)/,
    );
    await writeFamilyFolder(dir, bloom, { configJson: { n_head: undefined } });
    expect((await folderError(dir)).message).toMatch(
      /field "num_attention_heads": missing \(the number of heads; also read as "n_head"\)/,
    );
  });

  it('names a BLOOM tensor config.json implies but the files lack', async () => {
    const dir = tmp.make();
    await writeFamilyFolder(dir, { architecture: 'bloom', config: tinyBloomConfig({ nLayers: 2 }) });
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ model_type: 'bloom', vocab_size: 23, hidden_size: 24, n_layer: 3, n_head: 6 }),
    );
    const folder = await readModelFolder(dir);
    expect(() => checkWeightsAgainstConfig(folder)).toThrow(
      /implies tensor "h\.2\.input_layernorm\.weight" \[24\], which is not in model\.safetensors/,
    );
  });

  it('refuses a tokenizer with more ids than the model has rows, naming tokenizer.json', async () => {
    const dir = tmp.make();
    const json = wordLevelTokenizerJson();
    const vocab = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`w${i}`, i]));
    await writeFamilyFolder(
      dir,
      { architecture: 'bloom', config: tinyBloomConfig() },
      {
        tokenizerJson: { ...json, model: { ...(json['model'] as object), vocab: { ...vocab, '[UNK]': 30 } } },
      },
    );
    const error = await loadLanguageModel(dir).then(
      () => null,
      (e: unknown) => e as ModelFileError,
    );
    expect(error).toBeInstanceOf(ModelFileError);
    expect(error!.file).toBe(join(dir, 'tokenizer.json'));
    expect(error!.message).toMatch(
      /has 31 tokens but the model's vocab_size \(config.json\) is 23: the tokenizer belongs to another model/,
    );
  });
});
