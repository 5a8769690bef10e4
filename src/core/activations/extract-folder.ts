import { mkdir, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { differingParameter, manifestFileName, readManifest, type ActivationManifest } from './manifest';
import { checkShardHeader, isStoreFileName, isTempFileName } from './shard';

// The output folder of an extraction: what may be resumed, and what is cleared before writing.

/**
 * The stored manifest, checked against this request before any model loads (dModel and separator are
 * checked once the models are read), or null for a new store in an empty (or store-only) folder.
 */
export async function readStoredManifest(
  outDir: string,
  requestFor: (dModel: number, separatorId: number) => ActivationManifest,
): Promise<ActivationManifest | null> {
  await mkdir(outDir, { recursive: true });
  const stored = await readManifest(outDir);
  if (stored === null) {
    const foreign = (await readdir(outDir)).filter((name) => !isStoreFileName(name));
    if (foreign.length > 0) {
      throw new Error(
        `${outDir} is not empty and has no ${manifestFileName} (it holds ${foreign.slice(0, 3).join(', ')}): ` +
          'give an empty or new folder',
      );
    }
    return null;
  }
  assertSameParameters(outDir, stored, requestFor(stored.dModel, stored.separatorId));
  return stored;
}

function assertSameParameters(
  outDir: string,
  stored: ActivationManifest,
  requested: ActivationManifest,
): void {
  const difference = differingParameter(stored, requested);
  if (difference !== null) {
    throw new Error(
      `${join(outDir, manifestFileName)} was written with other parameters: ${difference}; ` +
        'use another output folder, or the same parameters to resume',
    );
  }
}

/**
 * The manifest to continue from: the stored one (its shards checked, temporary and unlisted shard files
 * removed), or the requested one for a new store.
 */
export async function prepareFolder(
  outDir: string,
  stored: ActivationManifest | null,
  requested: ActivationManifest,
): Promise<ActivationManifest> {
  if (stored !== null) {
    assertSameParameters(outDir, stored, requested);
    for (const [i, shard] of stored.shards.entries()) {
      await checkShardHeader(join(outDir, shard.file), { ...stored, rows: shard.rows }).catch(
        (error: unknown) => {
          throw new Error(`shard ${i} listed in the manifest is unusable: ${(error as Error).message}`);
        },
      );
    }
  }
  const listed = new Set(stored?.shards.map((s) => s.file) ?? []);
  for (const name of await readdir(outDir)) {
    if (isTempFileName(name) || (isStoreFileName(name) && !listed.has(name))) {
      await unlink(join(outDir, name));
    }
  }
  return stored ?? requested;
}
