import type { z } from 'zod';
import { bloomConfigFileSchema, bloomWeightNames, bloomWeightPrefix, toBloomConfig } from './bloom-config';
import type { BloomConfig } from './bloom-config';
import type { ExpectedWeight } from './expected-weight';
import { gptNeoxConfigFileSchema, gptNeoxWeightNames, toGptNeoxConfig } from './gpt-neox-config';
import type { GptNeoxConfig } from './gpt-neox-config';
import { olmoConfigFileSchema, olmoWeightNames, toOlmoConfig } from './olmo-config';
import type { OlmoConfig } from './olmo-config';
import { ModelFileError } from './safetensors';

/*
 * The model families the runtime supports: how config.json names them, how each config is parsed, and
 * which tensors each checkpoint must hold. One entry per family; everything else dispatches on
 * `architecture`.
 */

export type ModelArchitecture = 'gpt_neox' | 'olmo' | 'bloom';

/** A family with its parsed config; narrowing on `architecture` gives the family's config type. */
export type FamilyConfig =
  | { architecture: 'gpt_neox'; config: GptNeoxConfig }
  | { architecture: 'olmo'; config: OlmoConfig }
  | { architecture: 'bloom'; config: BloomConfig };

/** Any family's config: vocabSize, dModel, nLayers, nHeads, headSize, dMlp, isTiedEmbeddings, torchDtype. */
export type LmConfig = FamilyConfig['config'];

const classNames: Record<ModelArchitecture, string[]> = {
  gpt_neox: ['GPTNeoXForCausalLM', 'GPTNeoXModel'],
  olmo: ['OlmoForCausalLM', 'OlmoModel'],
  bloom: ['BloomForCausalLM', 'BloomModel'],
};

export const supportedArchitectures = Object.keys(classNames) as ModelArchitecture[];

/** The list every refusal names. */
export const supportedArchitecturesText =
  'gpt_neox (GPTNeoXForCausalLM: Pythia), olmo (OlmoForCausalLM: OLMo in Hugging Face format, ' +
  'e.g. allenai/OLMo-1B-0724-hf), bloom (BloomForCausalLM: BLOOM)';

function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `field "${issue.path.join('.') || '(root)'}": ${issue.message}`)
    .join('; ');
}

/** Parses with `schema`, then converts; every failure becomes a ModelFileError naming config.json. */
function parseWith<S extends z.ZodType, C>(
  schema: S,
  convert: (file: z.infer<S>) => C,
  raw: Record<string, unknown>,
  configPath: string,
  family: string,
): C {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new ModelFileError(configPath, `invalid ${formatZodIssues(parsed.error)} (${family} config)`);
  }
  try {
    return convert(parsed.data);
  } catch (error) {
    throw new ModelFileError(configPath, `${(error as Error).message} (${family} config)`);
  }
}

/**
 * OLMo as the OLMo code base saves it (model_type "hf_olmo", or "olmo" with `d_model`/`n_layers` keys)
 * has other tensor names and fused projections; only the transformers conversion is supported.
 */
function isUnconvertedOlmo(raw: Record<string, unknown>, classes: string[]): boolean {
  const modelType = raw['model_type'];
  if (modelType === 'hf_olmo' || classes.includes('OLMoForCausalLM')) return true;
  return modelType === 'olmo' && raw['hidden_size'] === undefined && raw['d_model'] !== undefined;
}

function detectArchitecture(raw: Record<string, unknown>, configPath: string): ModelArchitecture {
  const modelType = raw['model_type'];
  const classes = Array.isArray(raw['architectures']) ? raw['architectures'].map(String) : [];
  if (isUnconvertedOlmo(raw, classes)) {
    throw new ModelFileError(
      configPath,
      `is an OLMo checkpoint in the original OLMo format (model_type "${String(modelType)}", keys d_model, ` +
        'n_layers, n_heads), which is not supported: use its Hugging Face conversion (the "-hf" repository, ' +
        `e.g. allenai/OLMo-1B-0724-hf, model_type "olmo") (supported: ${supportedArchitecturesText})`,
    );
  }
  if (typeof modelType === 'string' && (supportedArchitectures as string[]).includes(modelType)) {
    return modelType as ModelArchitecture;
  }
  for (const architecture of supportedArchitectures) {
    if (classes.some((c) => classNames[architecture].includes(c))) return architecture;
  }
  const seen = typeof modelType === 'string' ? modelType : classes.join(', ') || '(no model_type)';
  throw new ModelFileError(
    configPath,
    `unknown architecture ${seen} (supported: ${supportedArchitecturesText})`,
  );
}

/** Detects the family of a config.json (model_type, else architectures) and parses its config. */
export function parseFamilyConfig(raw: Record<string, unknown>, configPath: string): FamilyConfig {
  const architecture = detectArchitecture(raw, configPath);
  // Detection may have come from `architectures` alone; the schemas want the model_type too.
  const typed = { ...raw, model_type: architecture };
  switch (architecture) {
    case 'gpt_neox':
      return {
        architecture,
        config: parseWith(gptNeoxConfigFileSchema, toGptNeoxConfig, typed, configPath, 'GPT-NeoX'),
      };
    case 'olmo':
      return {
        architecture,
        config: parseWith(olmoConfigFileSchema, toOlmoConfig, typed, configPath, 'OLMo'),
      };
    case 'bloom':
      return {
        architecture,
        config: parseWith(bloomConfigFileSchema, toBloomConfig, typed, configPath, 'BLOOM'),
      };
  }
}

/** The prefix every weight name of this family carries in these files ('' except BLOOM's "transformer."). */
export function weightPrefixOf(architecture: ModelArchitecture, names: Iterable<string>): string {
  return architecture === 'bloom' ? bloomWeightPrefix(names) : '';
}

/** Every parameter the checkpoint must hold, with the shape config.json implies. */
export function expectedWeights(family: FamilyConfig, weightPrefix = ''): ExpectedWeight[] {
  switch (family.architecture) {
    case 'gpt_neox':
      return gptNeoxWeightNames(family.config);
    case 'olmo':
      return olmoWeightNames(family.config);
    case 'bloom':
      return bloomWeightNames(family.config, weightPrefix);
  }
}

/** Parameters (elements) of a checkpoint of this family and config. */
export function parameterCountOf(family: FamilyConfig): number {
  return expectedWeights(family).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
}

/**
 * The tensors that turn a residual direction into logit effects: the unembedding [V,d] and the final
 * norm's gain [d] (null when the final norm has no weights, as OLMo's).
 */
export function logitLensWeightNames(
  family: FamilyConfig,
  weightPrefix = '',
): { unembed: string; finalNormGain: string | null } {
  const tied = family.config.isTiedEmbeddings;
  switch (family.architecture) {
    case 'gpt_neox':
      return {
        unembed: tied ? 'gpt_neox.embed_in.weight' : 'embed_out.weight',
        finalNormGain: 'gpt_neox.final_layer_norm.weight',
      };
    case 'olmo':
      return { unembed: tied ? 'model.embed_tokens.weight' : 'lm_head.weight', finalNormGain: null };
    case 'bloom':
      return {
        unembed: tied ? `${weightPrefix}word_embeddings.weight` : 'lm_head.weight',
        finalNormGain: `${weightPrefix}ln_f.weight`,
      };
  }
}
