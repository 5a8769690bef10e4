import { access, readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { cachedRepoFolder, listCachedRevisions } from '../../core/hf/model-folder';
import type { Checkpoint, ModelSource } from '../../shared/domain';
import { AppError } from '../../shared/result';
import { checkpointPosition, revisionStep, type TokenRule } from '../../shared/revision-tokens';

/**
 * Where a model family's checkpoints are found: a model folder, a folder of model folders, or the
 * Hugging Face cache. Returns checkpoint drafts (revision, step, tokens seen, path); stores nothing.
 * Tokens seen follow the family rules of src/shared/revision-tokens.ts.
 */
export type CheckpointDraft = Omit<Checkpoint, 'id' | 'modelId'>;

export {
  checkpointPosition,
  revisionStep,
  tokenSchemeOf,
  type TokenRule,
} from '../../shared/revision-tokens';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

/** An absolute path to an existing folder, else `invalid_input` naming `field`. */
export async function requireFolder(path: string, field: string): Promise<string> {
  if (!isAbsolute(path)) {
    throw new AppError('invalid_input', `"${path}" is not an absolute path; give the full path.`, field);
  }
  const info = await stat(path).catch(() => null);
  if (info === null) throw new AppError('invalid_input', `There is no folder at ${path}.`, field);
  if (!info.isDirectory()) throw new AppError('invalid_input', `${path} is a file, not a folder.`, field);
  return path;
}

/**
 * A model folder (config.json inside) is one checkpoint named after the folder; a folder without
 * config.json gives one checkpoint per subfolder that has one (e.g. `step1000/`, `step2000/`).
 */
export async function findFolderCheckpoints(
  dir: string,
  rule: TokenRule,
  field: string,
): Promise<CheckpointDraft[]> {
  await requireFolder(dir, field);
  const draft = (revision: string, path: string): CheckpointDraft => ({
    revision,
    path,
    ...checkpointPosition(revision, rule),
  });
  if (await exists(join(dir, 'config.json'))) return [draft(basename(dir) || 'local', dir)];
  const entries = await readdir(dir, { withFileTypes: true });
  const drafts: CheckpointDraft[] = [];
  for (const entry of entries.filter((e) => e.isDirectory() || e.isSymbolicLink())) {
    const sub = join(dir, entry.name);
    if (await exists(join(sub, 'config.json'))) drafts.push(draft(entry.name, sub));
  }
  if (drafts.length === 0) {
    throw new AppError(
      'invalid_input',
      `${dir} is not a model folder: it has no config.json, and no subfolder has one.`,
      field,
    );
  }
  return drafts;
}

/** Requested revisions of a preset: one draft each, with the snapshot folder where it is cached. */
export async function findRequestedRevisions(
  repo: string,
  requested: NonNullable<Extract<ModelSource, { kind: 'hfCache' }>['revisions']>,
  cacheDir: string,
  rule: TokenRule,
): Promise<CheckpointDraft[]> {
  const names = requested.map((r) => r.revision);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) {
    throw new AppError('invalid_input', `Revision "${twice}" is listed twice.`, 'input.source.revisions');
  }
  const refsByRepo = new Map<string, Map<string, string>>();
  const drafts: CheckpointDraft[] = [];
  for (const { revision, repo: own } of requested) {
    const from = own ?? repo;
    let refs = refsByRepo.get(from);
    if (refs === undefined) {
      const cached = await listCachedRevisions({ cacheDir, repo: from });
      refs = new Map(cached.map((r) => [r.revision, r.sha]));
      refsByRepo.set(from, refs);
    }
    const sha = refs.get(revision);
    const snapshot = sha === undefined ? null : join(cachedRepoFolder(cacheDir, from), 'snapshots', sha);
    drafts.push({
      revision,
      path: snapshot !== null && (await exists(snapshot)) ? snapshot : null,
      ...checkpointPosition(revision, rule),
    });
  }
  return drafts;
}

/**
 * One checkpoint per cached revision of `repo` (`refs/stepN` → `snapshots/<sha>/`). Refs that point
 * at the same commit become one checkpoint, named by the ref with a step number when there is one.
 */
export async function findCachedCheckpoints(
  repo: string,
  cacheDir: string,
  rule: TokenRule,
): Promise<CheckpointDraft[]> {
  const revisions = await listCachedRevisions({ cacheDir, repo });
  if (revisions.length === 0) {
    throw new AppError(
      'invalid_input',
      `${repo} has no cached revisions in ${cacheDir} (looked in ${cachedRepoFolder(cacheDir, repo)}).`,
      'input.source.repo',
    );
  }
  const bySha = new Map<string, string>();
  for (const { revision, sha } of revisions) {
    const kept = bySha.get(sha);
    if (kept === undefined || (revisionStep(kept) === null && revisionStep(revision) !== null)) {
      bySha.set(sha, revision);
    }
  }
  const drafts: CheckpointDraft[] = [];
  for (const [sha, revision] of bySha) {
    const snapshot = join(cachedRepoFolder(cacheDir, repo), 'snapshots', sha);
    drafts.push({
      revision,
      path: (await exists(snapshot)) ? snapshot : null,
      ...checkpointPosition(revision, rule),
    });
  }
  return drafts;
}

/** An absolute path to an existing file, else `invalid_input` naming `field`. */
export async function requireFile(path: string, field: string): Promise<string> {
  if (!isAbsolute(path)) {
    throw new AppError('invalid_input', `"${path}" is not an absolute path; give the full path.`, field);
  }
  const info = await stat(path).catch(() => null);
  if (info === null) throw new AppError('invalid_input', `There is no file at ${path}.`, field);
  if (!info.isFile()) throw new AppError('invalid_input', `${path} is a folder, not a file.`, field);
  return path;
}
