import { access, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import type { z } from 'zod';
import { gptNeoxConfigFileSchema, toGptNeoxConfig } from './gpt-neox-config';
import type { GptNeoxConfig } from './gpt-neox-config';
import { elementCount } from './host-tensor';
import type { HostTensor } from './host-tensor';
import { ModelFileError, readSafetensors, readSafetensorsHeader } from './safetensors';
import type { SafetensorsDtype } from './safetensors';

/*
 * A Hugging Face model folder: config.json, model.safetensors (or an index plus shards), tokenizer.json.
 * Reading a folder validates config.json and every safetensors header but reads no tensor data.
 * V=vocab d=dModel dMlp=MLP width.
 */

export type ModelArchitecture = 'gpt_neox';

interface ArchitectureSupport {
  /** `architectures` entries in config.json that identify this family. */
  classNames: string[];
  parseConfig: (raw: Record<string, unknown>, configPath: string) => GptNeoxConfig;
}

/** One entry per supported family; OLMo and BLOOM get entries here when their runtimes exist. */
const architectures: Record<ModelArchitecture, ArchitectureSupport> = {
  gpt_neox: { classNames: ['GPTNeoXForCausalLM', 'GPTNeoXModel'], parseConfig: parseGptNeoxConfig },
};
const supportedList = Object.keys(architectures).join(', ');

export interface WeightTensorInfo {
  file: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

export interface ModelFolder {
  dir: string;
  architecture: ModelArchitecture;
  config: GptNeoxConfig;
  rawConfig: Record<string, unknown>;
  /** Absolute paths of the safetensors files, in index order. */
  weightFiles: string[];
  /** Tensor name → absolute path of the file that holds it. */
  weightIndex: Map<string, string>;
  /** Dtype and shape of every tensor, from the headers. */
  tensorInfo: Map<string, WeightTensorInfo>;
  tokenizerPath: string | null;
  /** Stored dtypes of the parameters, most elements first, e.g. "F16" or "F32+F16". */
  dtype: string;
  /** Elements in all tensors except non-parameter buffers (rotary inv_freq, attention masks). */
  parameterCount: number;
}

/** Buffers that old GPT-NeoX checkpoints saved beside the parameters; the runtime recomputes them. */
const bufferNamePattern = /\.(rotary_emb\.inv_freq|attention\.bias|attention\.masked_bias)$/;
export const isBufferName = (name: string): boolean => bufferNamePattern.test(name);

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

async function readJsonFile(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(path, code === 'ENOENT' ? `missing ${what}` : `cannot read ${what} (${code})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ModelFileError(path, `${what} is not valid JSON (${(error as Error).message})`);
  }
}

function formatZodIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => `field "${issue.path.join('.') || '(root)'}": ${issue.message}`)
    .join('; ');
}

function parseGptNeoxConfig(raw: Record<string, unknown>, configPath: string): GptNeoxConfig {
  // Detection may have come from `architectures` alone; the schema wants the model_type too.
  const parsed = gptNeoxConfigFileSchema.safeParse({ ...raw, model_type: 'gpt_neox' });
  if (!parsed.success) throw new ModelFileError(configPath, `invalid ${formatZodIssues(parsed.error)}`);
  try {
    return toGptNeoxConfig(parsed.data);
  } catch (error) {
    throw new ModelFileError(configPath, (error as Error).message);
  }
}

function detectArchitecture(raw: Record<string, unknown>, configPath: string): ModelArchitecture {
  const modelType = raw['model_type'];
  if (typeof modelType === 'string' && Object.hasOwn(architectures, modelType)) {
    return modelType as ModelArchitecture;
  }
  const classNames = Array.isArray(raw['architectures']) ? raw['architectures'].map(String) : [];
  for (const [name, support] of Object.entries(architectures)) {
    if (classNames.some((c) => support.classNames.includes(c))) return name as ModelArchitecture;
  }
  const seen = typeof modelType === 'string' ? modelType : classNames.join(', ') || '(no model_type)';
  throw new ModelFileError(configPath, `unknown architecture ${seen} (supported: ${supportedList})`);
}

/** Shard files named by model.safetensors.index.json, each checked to exist inside the folder. */
async function readShardIndex(dir: string, indexPath: string): Promise<Map<string, string>> {
  const index = await readJsonFile(indexPath, 'safetensors index');
  const weightMap = (index as { weight_map?: unknown } | null)?.weight_map;
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) {
    throw new ModelFileError(indexPath, 'has no "weight_map" object');
  }
  const nameToFile = new Map<string, string>();
  for (const [name, shard] of Object.entries(weightMap as Record<string, unknown>)) {
    const shardPath = typeof shard === 'string' ? resolve(dir, shard) : '';
    if (shardPath === '' || !shardPath.startsWith(resolve(dir) + sep)) {
      throw new ModelFileError(indexPath, `weight_map entry "${name}" is not a file inside the folder`);
    }
    nameToFile.set(name, shardPath);
  }
  for (const shardPath of new Set(nameToFile.values())) {
    if (!(await exists(shardPath))) {
      throw new ModelFileError(indexPath, `names shard ${relative(dir, shardPath)}, which is missing`);
    }
  }
  return nameToFile;
}

/** Stored dtypes ordered by how many parameter elements use them. */
function summarizeDtypes(tensorInfo: Map<string, WeightTensorInfo>): {
  dtype: string;
  parameterCount: number;
} {
  const elementsByDtype = new Map<string, number>();
  let parameterCount = 0;
  for (const [name, info] of tensorInfo) {
    if (isBufferName(name)) continue;
    const n = elementCount(info.shape);
    parameterCount += n;
    elementsByDtype.set(info.dtype, (elementsByDtype.get(info.dtype) ?? 0) + n);
  }
  const dtype = [...elementsByDtype.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([d]) => d)
    .join('+');
  return { dtype, parameterCount };
}

async function readWeightHeaders(dir: string): Promise<{
  weightFiles: string[];
  weightIndex: Map<string, string>;
  tensorInfo: Map<string, WeightTensorInfo>;
}> {
  const singlePath = join(dir, 'model.safetensors');
  const indexPath = join(dir, 'model.safetensors.index.json');
  let declared: Map<string, string> | null = null;
  let weightFiles: string[];
  if (await exists(singlePath)) {
    weightFiles = [singlePath];
  } else if (await exists(indexPath)) {
    declared = await readShardIndex(dir, indexPath);
    weightFiles = [...new Set(declared.values())];
  } else {
    throw new ModelFileError(
      dir,
      'no model.safetensors or model.safetensors.index.json; pytorch_model.bin is not supported — convert to safetensors',
    );
  }
  const weightIndex = new Map<string, string>();
  const tensorInfo = new Map<string, WeightTensorInfo>();
  for (const file of weightFiles) {
    const header = await readSafetensorsHeader(file);
    for (const [name, info] of header.tensors) {
      const other = weightIndex.get(name);
      if (other !== undefined) {
        throw new ModelFileError(file, `tensor "${name}" is also in ${relative(dir, other)}`);
      }
      weightIndex.set(name, file);
      tensorInfo.set(name, { file, dtype: info.dtype, shape: info.shape });
    }
  }
  for (const [name, file] of declared ?? []) {
    if (weightIndex.get(name) !== file) {
      throw new ModelFileError(
        indexPath,
        `maps "${name}" to ${relative(dir, file)}, which has no such tensor`,
      );
    }
  }
  return { weightFiles, weightIndex, tensorInfo };
}

/** Reads and validates a model folder's config.json, safetensors headers and tokenizer presence. */
export async function readModelFolder(dir: string): Promise<ModelFolder> {
  const absDir = resolve(dir);
  const dirStat = await stat(absDir).catch(() => null);
  if (dirStat === null || !dirStat.isDirectory()) throw new ModelFileError(absDir, 'is not a folder');
  const configPath = join(absDir, 'config.json');
  const rawConfig = await readJsonFile(configPath, 'config.json');
  if (typeof rawConfig !== 'object' || rawConfig === null || Array.isArray(rawConfig)) {
    throw new ModelFileError(configPath, 'is not a JSON object');
  }
  const raw = rawConfig as Record<string, unknown>;
  const architecture = detectArchitecture(raw, configPath);
  const config = architectures[architecture].parseConfig(raw, configPath);
  const { weightFiles, weightIndex, tensorInfo } = await readWeightHeaders(absDir);
  const tokenizerJsonPath = join(absDir, 'tokenizer.json');
  const tokenizerPath = (await exists(tokenizerJsonPath)) ? tokenizerJsonPath : null;
  return {
    dir: absDir,
    architecture,
    config,
    rawConfig: raw,
    weightFiles,
    weightIndex,
    tensorInfo,
    tokenizerPath,
    ...summarizeDtypes(tensorInfo),
  };
}

/**
 * Reads tensors across shards (float32 / int32 in host memory). Without `names`: every tensor except
 * the non-parameter buffers (rotary inv_freq, causal masks).
 */
export async function loadWeights(
  folder: ModelFolder,
  options: { names?: readonly string[] } = {},
): Promise<Map<string, HostTensor>> {
  const names = options.names ?? [...folder.weightIndex.keys()].filter((name) => !isBufferName(name));
  const namesByFile = new Map<string, string[]>();
  for (const name of names) {
    const file = folder.weightIndex.get(name);
    if (file === undefined) throw new ModelFileError(folder.dir, `no weight file holds tensor "${name}"`);
    namesByFile.set(file, [...(namesByFile.get(file) ?? []), name]);
  }
  const result = new Map<string, HostTensor>();
  for (const [file, fileNames] of namesByFile) {
    for (const [name, tensor] of await readSafetensors(file, { names: fileNames })) result.set(name, tensor);
  }
  return result;
}

export interface ExpectedWeight {
  name: string;
  shape: number[];
}

/** The parameter names and shapes a GPT-NeoX checkpoint with this config must hold (Hugging Face naming). */
export function gptNeoxWeightNames(config: GptNeoxConfig): ExpectedWeight[] {
  const { vocabSize: V, dModel: d, dMlp } = config;
  const weights: ExpectedWeight[] = [{ name: 'gpt_neox.embed_in.weight', shape: [V, d] }];
  for (let i = 0; i < config.nLayers; i++) {
    const p = `gpt_neox.layers.${i}`;
    weights.push(
      { name: `${p}.input_layernorm.weight`, shape: [d] },
      { name: `${p}.input_layernorm.bias`, shape: [d] },
      { name: `${p}.post_attention_layernorm.weight`, shape: [d] },
      { name: `${p}.post_attention_layernorm.bias`, shape: [d] },
      { name: `${p}.attention.query_key_value.weight`, shape: [3 * d, d] },
      { name: `${p}.attention.query_key_value.bias`, shape: [3 * d] },
      { name: `${p}.attention.dense.weight`, shape: [d, d] },
      { name: `${p}.attention.dense.bias`, shape: [d] },
      { name: `${p}.mlp.dense_h_to_4h.weight`, shape: [dMlp, d] },
      { name: `${p}.mlp.dense_h_to_4h.bias`, shape: [dMlp] },
      { name: `${p}.mlp.dense_4h_to_h.weight`, shape: [d, dMlp] },
      { name: `${p}.mlp.dense_4h_to_h.bias`, shape: [d] },
    );
  }
  weights.push(
    { name: 'gpt_neox.final_layer_norm.weight', shape: [d] },
    { name: 'gpt_neox.final_layer_norm.bias', shape: [d] },
  );
  if (!config.isTiedEmbeddings) weights.push({ name: 'embed_out.weight', shape: [V, d] });
  return weights;
}

const formatShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

/** Checks that the headers hold every tensor config.json implies, with the implied shape. */
export function checkWeightsAgainstConfig(folder: ModelFolder): void {
  const problems = findWeightProblems(folder);
  const first = problems[0];
  if (first === undefined) return;
  if (problems.length > 1) first.message += ` (and ${problems.length - 1} more problems)`;
  throw first;
}

/** Every tensor config.json implies that the headers lack or hold with another shape, one error each. */
export function findWeightProblems(folder: ModelFolder): ModelFileError[] {
  const configPath = join(folder.dir, 'config.json');
  const problems: ModelFileError[] = [];
  for (const { name, shape } of gptNeoxWeightNames(folder.config)) {
    const info = folder.tensorInfo.get(name);
    if (info === undefined) {
      const files = folder.weightFiles.map((f) => relative(folder.dir, f)).join(', ');
      problems.push(
        new ModelFileError(
          configPath,
          `implies tensor "${name}" ${formatShape(shape)}, which is not in ${files}`,
        ),
      );
    } else if (formatShape(info.shape) !== formatShape(shape)) {
      problems.push(
        new ModelFileError(
          info.file,
          `tensor "${name}" has shape ${formatShape(info.shape)} but config.json implies ${formatShape(shape)} ` +
            '(header disagrees with config.json)',
        ),
      );
    }
  }
  return problems;
}

// ---------- Hugging Face cache layout: <cacheDir>/models--org--name/{refs,snapshots,blobs} ----------

/** HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub (the huggingface_hub rule). */
export function defaultHfCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env['HF_HUB_CACHE']) return env['HF_HUB_CACHE'];
  if (env['HF_HOME']) return join(env['HF_HOME'], 'hub');
  return join(home, '.cache', 'huggingface', 'hub');
}

export const cachedRepoFolder = (cacheDir: string, repo: string): string =>
  join(cacheDir, `models--${repo.split('/').join('--')}`);

const commitShaPattern = /^[0-9a-f]{40}$/;

async function listFilesRecursive(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
}

const naturalCompare = (a: string, b: string): number => a.localeCompare(b, 'en', { numeric: true });

/** Revisions cached for a repo: refs (branches, tags such as `step1000`), then snapshots no ref names. */
export async function listCachedRevisions(options: {
  cacheDir: string;
  repo: string;
}): Promise<Array<{ revision: string; sha: string }>> {
  const repoDir = cachedRepoFolder(options.cacheDir, options.repo);
  const revisions: Array<{ revision: string; sha: string }> = [];
  for (const ref of await listFilesRecursive(join(repoDir, 'refs'))) {
    const sha = (await readFile(join(repoDir, 'refs', ref), 'utf8')).trim();
    revisions.push({ revision: ref, sha });
  }
  revisions.sort((a, b) => naturalCompare(a.revision, b.revision));
  const referenced = new Set(revisions.map((r) => r.sha));
  const snapshots = await readdir(join(repoDir, 'snapshots')).catch(() => [] as string[]);
  for (const sha of snapshots.sort()) {
    if (commitShaPattern.test(sha) && !referenced.has(sha)) revisions.push({ revision: sha, sha });
  }
  return revisions;
}

/** The snapshot folder of `repo` at `revision` (a ref name or a 40-hex commit) in the HF cache. */
export async function resolveCachedModel(options: {
  cacheDir: string;
  repo: string;
  revision?: string;
}): Promise<string> {
  const revision = options.revision ?? 'main';
  const repoDir = cachedRepoFolder(options.cacheDir, options.repo);
  if (!(await exists(repoDir))) {
    throw new ModelFileError(repoDir, `${options.repo} is not in the Hugging Face cache ${options.cacheDir}`);
  }
  const refPath = resolve(repoDir, 'refs', revision);
  let sha: string | null = null;
  if (refPath.startsWith(join(repoDir, 'refs') + sep) && (await exists(refPath))) {
    sha = (await readFile(refPath, 'utf8')).trim();
  } else if (commitShaPattern.test(revision) && (await exists(join(repoDir, 'snapshots', revision)))) {
    sha = revision;
  }
  if (sha === null) {
    const known = (await listCachedRevisions(options)).map((r) => r.revision);
    throw new ModelFileError(
      repoDir,
      `unknown revision "${revision}" of ${options.repo} (cached: ${known.join(', ') || 'none'})`,
    );
  }
  const snapshot = join(repoDir, 'snapshots', sha);
  if (!(await exists(snapshot))) {
    throw new ModelFileError(
      snapshot,
      `revision "${revision}" points at commit ${sha}, whose snapshot is missing`,
    );
  }
  return snapshot;
}

// ---------- Pythia checkpoints ----------

/** Tokens per Pythia training step: batch 1024 sequences × 2048 tokens. */
export const pythiaTokensPerStep = 2_097_152;
export const pythiaFinalStep = 143_000;

/** Training tokens a Pythia revision has seen: `stepN` → N × 2,097,152; `main` is step 143000. */
export function pythiaTokensSeen(revision: string): number | null {
  if (revision === 'main') return pythiaFinalStep * pythiaTokensPerStep;
  const match = /^step(\d+)$/.exec(revision);
  return match ? Number(match[1]) * pythiaTokensPerStep : null;
}
