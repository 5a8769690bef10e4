import { access, readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import {
  cachedRepoFolder,
  listCachedRevisions,
  pythiaFinalStep,
  pythiaTokensPerStep,
  pythiaTokensSeen,
} from '../../core/hf/model-folder';
import type { Checkpoint } from '../../shared/domain';
import { AppError } from '../../shared/result';

/**
 * Where a model family's checkpoints are found: a model folder, a folder of model folders, or the
 * Hugging Face cache. Returns checkpoint drafts (revision, step, tokens seen, path); stores nothing.
 */
export type CheckpointDraft = Omit<Checkpoint, 'id' | 'modelId'>;

/** How tokens seen follow from a revision name. */
export interface TokenRule {
  /** Tokens per optimizer step, when the user gave it. */
  tokensPerStep: number | null;
  /** Pythia's rule applies: `stepN` → N × 2,097,152 tokens, `main` is step 143000. */
  isPythia: boolean;
}

/** `step1000`, `step-1000`, `pythia-160m-step1000` → 1000; null without a step number. */
export function revisionStep(revision: string): number | null {
  const match = /step[-_]?(\d+)/i.exec(revision);
  return match ? Number(match[1]) : null;
}

export const isPythiaName = (name: string): boolean => /(^|\/)pythia/i.test(name);

/** Step and tokens seen of a revision; `tokensPerStep` wins over the Pythia rule. */
export function checkpointPosition(
  revision: string,
  rule: TokenRule,
): { step: number | null; tokensSeen: number | null } {
  const step = revisionStep(revision) ?? (rule.isPythia && revision === 'main' ? pythiaFinalStep : null);
  if (step === null) return { step, tokensSeen: null };
  if (rule.tokensPerStep !== null) return { step, tokensSeen: step * rule.tokensPerStep };
  if (!rule.isPythia) return { step, tokensSeen: null };
  return { step, tokensSeen: pythiaTokensSeen(revision) ?? step * pythiaTokensPerStep };
}

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
