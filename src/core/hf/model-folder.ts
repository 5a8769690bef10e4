import { access, readdir, readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { expectedWeights, parseFamilyConfig, weightPrefixOf } from './architectures';
import type { FamilyConfig } from './architectures';
import type { ExpectedWeight } from './expected-weight';
import { elementCount } from './host-tensor';
import type { HostTensor } from './host-tensor';
import { ModelFileError, readSafetensors, readSafetensorsHeader } from './safetensors';
import type { SafetensorsDtype } from './safetensors';

/*
 * A Hugging Face model folder: config.json, model.safetensors (or an index plus shards), tokenizer.json.
 * Reading a folder validates config.json and every safetensors header but reads no tensor data.
 * The families and their tensor names live in architectures.ts. V=vocab d=dModel dMlp=MLP width.
 */

export type { ExpectedWeight } from './expected-weight';
export type { FamilyConfig, LmConfig, ModelArchitecture } from './architectures';
export { gptNeoxWeightNames } from './gpt-neox-config';

export interface WeightTensorInfo {
  file: string;
  dtype: SafetensorsDtype;
  shape: number[];
}

interface ModelFolderFiles {
  dir: string;
  rawConfig: Record<string, unknown>;
  /** What every weight name of this folder starts with beyond the family's names ("transformer." in some BLOOM files). */
  weightPrefix: string;
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

/** A model folder: its files, and its family with the parsed config (narrow on `architecture`). */
export type ModelFolder = ModelFolderFiles & FamilyConfig;

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
  const family = parseFamilyConfig(raw, configPath);
  const { weightFiles, weightIndex, tensorInfo } = await readWeightHeaders(absDir);
  const tokenizerJsonPath = join(absDir, 'tokenizer.json');
  const tokenizerPath = (await exists(tokenizerJsonPath)) ? tokenizerJsonPath : null;
  return {
    dir: absDir,
    ...family,
    rawConfig: raw,
    weightPrefix: weightPrefixOf(family.architecture, weightIndex.keys()),
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

/** The parameters this folder's config.json implies, named as its weight files name them. */
export function folderExpectedWeights(folder: ModelFolder): ExpectedWeight[] {
  return expectedWeights(folder, folder.weightPrefix);
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
  for (const { name, shape } of folderExpectedWeights(folder)) {
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
