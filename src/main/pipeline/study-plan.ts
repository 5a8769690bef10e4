import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { resolveCheckpoints } from '../../core/activations/checkpoint-source';
import { cachedRepoFolder, defaultHfCacheDir, listCachedRevisions } from '../../core/hf/model-folder';
import {
  defaultStepsOf,
  describeConfigIssues,
  revisionNameOf,
  studyConfigSchema,
  taskIdOf,
  type StudyConfig,
  type StudyRevision,
} from '../../shared/study-config';

// A study.json read, checked and resolved before any work starts: every path absolute, every revision
// found, the layer inside the model. A problem is a StudyConfigError whose lines name the field.

export class StudyConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: ${problems.length === 1 ? problems[0] : `\n  ${problems.join('\n  ')}`}`);
    this.name = 'StudyConfigError';
  }
}

export interface PlannedCheckpoint {
  revision: string;
  path: string;
  tokensSeen: number | null;
}

export interface PlannedTask {
  id: string;
  file: string;
  /** Pairs attributed (the task's own limit, else attribution.limit). */
  limit: number | undefined;
}

/** Everything the stages need, resolved. */
export interface StudyPlan {
  config: StudyConfig;
  configFile: string | null;
  outDir: string;
  title: string;
  model: {
    name: string;
    /** The family folder (absolute) or the repo id, as the study records it. */
    source: string;
    /** Folder the revisions are resolved in (a family folder or a HF cache repo folder). */
    folder: string;
    repo: string | null;
    cacheDir: string | null;
    /** model.download: revisions missing from the cache are fetched instead of refused. */
    isDownloadAllowed: boolean;
  };
  /** The crosscoder's checkpoints, earliest first. */
  checkpoints: PlannedCheckpoint[];
  /** Checkpoints of the task-accuracy stage. */
  accuracyCheckpoints: PlannedCheckpoint[];
  tasks: PlannedTask[];
  corpus: string;
  steps: number;
  /** Revisions a `model.download` config still has to fetch (the plan is made again after). */
  missingRevisions: { revision: string; repo: string }[];
  /** What the plan was made with (to make it again after a download). */
  planOptions: PlanOptions;
}

export interface PlanOptions {
  /** Folder relative paths of the config are resolved against (the config file's). */
  baseDir: string;
  configFile: string | null;
  /** Data folder: the default output is `<dataDir>/pipelines/<name>`. */
  dataDir: string;
  /** Output folder replacing the config's. */
  outDir?: string;
}

/** Parses a config file; a JSON or schema problem is a StudyConfigError naming the field. */
export function readStudyConfig(file: string): StudyConfig {
  const path = resolve(file);
  if (!existsSync(path)) throw new StudyConfigError(path, ['no such file']);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new StudyConfigError(path, [`not valid JSON (${(error as Error).message})`]);
  }
  return parseStudyConfig(raw, path);
}

export function parseStudyConfig(raw: unknown, source: string): StudyConfig {
  const parsed = studyConfigSchema.safeParse(raw);
  if (!parsed.success) throw new StudyConfigError(source, describeConfigIssues(parsed.error));
  return parsed.data;
}

const isDir = (path: string): boolean => existsSync(path) && statSync(path).isDirectory();

/**
 * Resolves a parsed config: relative paths against `baseDir` (the config file's folder), the output
 * folder (`outDir` option, else `output`, else `<dataDir>/pipelines/<name>`), the checkpoints.
 */
export async function planStudy(config: StudyConfig, options: PlanOptions): Promise<StudyPlan> {
  const at = (p: string): string => resolve(options.baseDir, p);
  const problems: string[] = [];
  const need = (ok: boolean, field: string, message: string): void => {
    if (!ok) problems.push(`field ${field}: ${message}`);
  };
  const corpus = at(config.activations.corpus);
  need(existsSync(corpus), 'activations.corpus', `${corpus} does not exist`);
  const tasks = config.tasks.map((task, i) => {
    const file = at(typeof task === 'string' ? task : task.file);
    need(existsSync(file), `tasks.${i}`, `${file} does not exist`);
    const own = typeof task === 'string' ? undefined : task.limit;
    return { id: taskIdOf(task), file, limit: own ?? config.attribution.limit };
  });
  const model = modelOf(config, at);
  const isThere = isDir(model.folder) || model.isDownloadAllowed;
  need(isThere, config.model.repo === undefined ? 'model.folder' : 'model.repo', modelMissing(model));
  const found = isThere ? await findRevisions(model, config.revisions, problems) : null;
  const missingRevisions = found?.missing ?? [];
  const checkpoints = found?.checkpoints ?? [];
  const accuracyCheckpoints =
    found === null || missingRevisions.length > 0
      ? []
      : await accuracyCheckpointsOf(config, model, checkpoints, problems);
  if (checkpoints.length > 0) checkLayer(config.layer, checkpoints[0]!.path, problems);
  if (problems.length > 0) throw new StudyConfigError(options.configFile ?? 'study config', problems);
  const outDir = resolve(
    options.outDir ??
      (config.output === undefined ? join(options.dataDir, 'pipelines', config.name) : at(config.output)),
  );
  const revisions = config.revisions.map(revisionNameOf).join(' / ');
  return {
    config,
    configFile: options.configFile,
    outDir,
    title: config.title ?? `${config.name}: ${model.name} ${revisions}, layer ${config.layer}`,
    model,
    checkpoints,
    accuracyCheckpoints,
    tasks,
    corpus,
    steps: defaultStepsOf(config),
    missingRevisions,
    planOptions: options,
  };
}

function modelOf(config: StudyConfig, at: (p: string) => string): StudyPlan['model'] {
  const { repo, folder } = config.model;
  if (repo !== undefined) {
    const cacheDir = config.model.cacheDir === undefined ? defaultHfCacheDir() : at(config.model.cacheDir);
    const name = config.model.name ?? repo.split('/').pop()!;
    const folder = cachedRepoFolder(cacheDir, repo);
    return { name, source: repo, folder, repo, cacheDir, isDownloadAllowed: config.model.download };
  }
  const dir = at(folder!);
  const name = config.model.name ?? basename(dir);
  return { name, source: dir, folder: dir, repo: null, cacheDir: null, isDownloadAllowed: false };
}

const modelMissing = (model: StudyPlan['model']): string =>
  model.repo === null
    ? `${model.folder} is not a folder`
    : `${model.repo} is not in the Hugging Face cache ${model.cacheDir} (set model.download: true or model.cacheDir)`;

/**
 * Each revision resolved on its own, so a missing one is named by its index. With a repo model, a revision
 * may come from another repo of the same cache; one the cache lacks is `missing` (for model.download).
 */
async function findRevisions(
  model: StudyPlan['model'],
  revisions: readonly StudyRevision[],
  problems: string[],
  field = 'revisions',
): Promise<{ checkpoints: PlannedCheckpoint[]; missing: { revision: string; repo: string }[] }> {
  const checkpoints: PlannedCheckpoint[] = [];
  const missing: { revision: string; repo: string }[] = [];
  for (const [i, entry] of revisions.entries()) {
    const revision = revisionNameOf(entry);
    const own: { repo?: string; tokensSeen?: number } = typeof entry === 'string' ? {} : entry;
    const repo = own.repo ?? model.repo;
    const folder =
      repo === null || model.cacheDir === null ? model.folder : cachedRepoFolder(model.cacheDir, repo);
    try {
      const [c] = (await resolveCheckpoints(folder, [revision])).checkpoints;
      checkpoints.push({ revision, path: c!.path, tokensSeen: own.tokensSeen ?? c!.tokensSeen ?? null });
    } catch (error) {
      if (repo !== null && model.isDownloadAllowed) missing.push({ revision, repo });
      else problems.push(`field ${field}.${i}: ${(error as Error).message}`);
    }
  }
  return { checkpoints, missing };
}

/** accuracy.revisions: the crosscoder's (default), a list, or every revision the family has here. */
async function accuracyCheckpointsOf(
  config: StudyConfig,
  model: StudyPlan['model'],
  checkpoints: PlannedCheckpoint[],
  problems: string[],
): Promise<PlannedCheckpoint[]> {
  const wanted = config.accuracy.revisions;
  if (!config.accuracy.enabled || wanted === undefined) return checkpoints;
  const local = { ...model, isDownloadAllowed: false };
  if (wanted !== 'all')
    return (await findRevisions(local, wanted, problems, 'accuracy.revisions')).checkpoints;
  const names =
    model.repo !== null && model.cacheDir !== null
      ? (await listCachedRevisions({ cacheDir: model.cacheDir, repo: model.repo })).map((r) => r.revision)
      : readdirSync(model.folder, { withFileTypes: true })
          .filter((e) => e.isDirectory() && existsSync(join(model.folder, e.name, 'config.json')))
          .map((e) => e.name);
  const all = (await findRevisions(local, names, [])).checkpoints;
  // Tokens seen order the curve when known; names sort naturally otherwise (step25 < step100).
  return all.sort(
    (a, b) =>
      (a.tokensSeen ?? Infinity) - (b.tokensSeen ?? Infinity) ||
      a.revision.localeCompare(b.revision, 'en', { numeric: true }),
  );
}

/** The layer must exist in the model (config.json: num_hidden_layers, or BLOOM's n_layer). */
function checkLayer(layer: number, checkpoint: string, problems: string[]): void {
  const file = join(checkpoint, 'config.json');
  try {
    const raw = JSON.parse(readFileSync(file, 'utf8')) as { num_hidden_layers?: unknown; n_layer?: unknown };
    const layers = raw.num_hidden_layers ?? raw.n_layer;
    if (typeof layers === 'number' && layer >= layers)
      problems.push(`field layer: ${layer} is out of range: ${dirname(file)} has blocks 0…${layers - 1}`);
  } catch (error) {
    problems.push(`field revisions.0: ${file} is unreadable (${(error as Error).message})`);
  }
}
