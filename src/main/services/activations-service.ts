import { readdir, stat } from 'node:fs/promises';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { readActivationsFileHeader } from '../../core/activations/activations-file';
import { readManifest, type ActivationManifest } from '../../core/activations/manifest';
import type {
  ActivationDefaults,
  ActivationStoreSummary,
  ExtractionStartInput,
} from '../../shared/activation-stores';
import {
  extractActivationsParamsSchema,
  isJobFinished,
  type ExtractActivationsParams,
  type ModelWithCheckpoints,
} from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { JobRunner } from '../jobs/job-runner';
import { requireFile } from './checkpoint-sources';
import { validateCheckpointFolder } from './checkpoint-validation';
import type { ModelsService } from './models-service';

export interface ActivationsServiceDeps {
  models: ModelsService;
  runner: JobRunner;
  dataDir: string;
  /** The demo corpus (absolute), the default when a start names none. */
  demoCorpusFile: string | null;
}

/** A name safe as one path segment: letters, digits, `.`, `_`, `-`. */
const segment = (text: string): string => text.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_');

/** What a store in a folder must agree on with a new start for the start to resume it. */
function storeMismatch(
  manifest: ActivationManifest,
  params: ExtractActivationsParams,
): [string, string] | null {
  const checks: Array<[string, unknown, unknown]> = [
    ['input.modelId', manifest.model, params.model],
    [
      'input.checkpointIds',
      manifest.revisions.map((r) => r.revision).join(','),
      params.checkpoints.map((c) => c.revision).join(','),
    ],
    ['input.layer', manifest.layer, params.layer],
    ['input.context', manifest.context, params.context],
    ['input.tokens', manifest.tokens, params.tokens],
    ['input.dtype', manifest.dtype, params.dtype],
  ];
  for (const [field, stored, asked] of checks) {
    if (stored !== asked) {
      const what = field.replace('input.', '');
      return [field, `${what} is ${JSON.stringify(stored)} there, ${JSON.stringify(asked)} here`];
    }
  }
  return null;
}

/**
 * Activation stores: the list (store folders under <dataDir>/activations plus the folders extraction
 * jobs wrote elsewhere, each read from its manifest) and the start of an extraction from the UI.
 */
export class ActivationsService {
  constructor(private readonly deps: ActivationsServiceDeps) {}

  storesDir(): string {
    return join(this.deps.dataDir, 'activations');
  }

  defaults(): ActivationDefaults {
    return { corpusFile: this.deps.demoCorpusFile, storesDir: this.storesDir() };
  }

  async list(): Promise<ActivationStoreSummary[]> {
    const extracting = new Set<string>();
    const folders = new Set<string>();
    for (const job of this.deps.runner.list()) {
      if (job.kind !== 'extractActivations') continue;
      const params = extractActivationsParamsSchema.safeParse(job.params);
      if (!params.success) continue;
      const dir = resolve(params.data.outDir);
      folders.add(dir);
      if (!isJobFinished(job.state)) extracting.add(dir);
    }
    const entries = await readdir(this.storesDir(), { withFileTypes: true }).catch(() => []);
    for (const e of entries) if (e.isDirectory()) folders.add(join(this.storesDir(), e.name));
    const summaries: ActivationStoreSummary[] = [];
    for (const dir of folders) {
      const manifest = await readManifest(dir).catch((error: unknown) => {
        console.warn(`activations:list: ${error instanceof Error ? error.message : String(error)}`);
        return null;
      });
      if (manifest !== null) summaries.push(summarize(dir, manifest, extracting.has(dir)));
    }
    return summaries.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
  }

  async startExtraction(input: ExtractionStartInput): Promise<{ jobId: string; outDir: string }> {
    const model = this.deps.models.getModel(input.modelId);
    const checkpoints = chosenCheckpoints(model, input.checkpointIds);
    await checkLayer(checkpoints, input.layer);
    const corpusFile = input.corpusFile ?? this.deps.demoCorpusFile;
    if (corpusFile === null) {
      throw new AppError(
        'invalid_input',
        'There is no demo corpus here; give a corpus file.',
        'input.corpusFile',
      );
    }
    await requireFile(corpusFile, 'input.corpusFile');
    const revisions = checkpoints.map((c) => c.revision);
    const outDir =
      input.outDir ?? join(this.storesDir(), segment(`${model.name}-${revisions.join('-')}-L${input.layer}`));
    if (!isAbsolute(outDir)) {
      throw new AppError(
        'invalid_input',
        `"${outDir}" is not an absolute path; give the full path.`,
        'input.outDir',
      );
    }
    const params = extractActivationsParamsSchema.parse({
      model: model.source,
      checkpoints: checkpoints.map((c) => ({ revision: c.revision, path: c.path, tokensSeen: c.tokensSeen })),
      layer: input.layer,
      corpusFile,
      context: input.context,
      tokens: input.tokens,
      dtype: input.dtype,
      outDir,
    });
    await this.checkOutDir(params);
    const label = `Extract ${model.name} ${revisions.join(', ')} layer ${input.layer} (${input.tokens} tokens)`;
    return { jobId: this.deps.runner.start('extractActivations', params, label).id, outDir };
  }

  /** A folder with a store must hold the same extraction (then it resumes); a busy folder is refused. */
  private async checkOutDir(params: ExtractActivationsParams): Promise<void> {
    const busy = this.deps.runner
      .list()
      .some(
        (j) =>
          j.kind === 'extractActivations' &&
          !isJobFinished(j.state) &&
          extractActivationsParamsSchema.safeParse(j.params).data?.outDir === params.outDir,
      );
    if (busy) {
      throw new AppError(
        'conflict',
        `An extraction into ${params.outDir} is already running.`,
        'input.outDir',
      );
    }
    let manifest: ActivationManifest | null;
    try {
      manifest = await readManifest(params.outDir);
    } catch (error) {
      throw new AppError(
        'invalid_input',
        error instanceof Error ? error.message : String(error),
        'input.outDir',
      );
    }
    if (manifest !== null) {
      const mismatch = storeMismatch(manifest, params);
      if (mismatch) {
        throw new AppError(
          'invalid_input',
          `${params.outDir} holds another extraction (${mismatch[1]}); choose another output folder, or the same settings to resume it.`,
          mismatch[0],
        );
      }
      return;
    }
    const existing = await readdir(params.outDir).catch(() => []);
    if (existing.length > 0) {
      throw new AppError(
        'invalid_input',
        `${params.outDir} holds other files and no manifest.json; choose an empty or new folder.`,
        'input.outDir',
      );
    }
  }
}

type LocalCheckpoint = ModelWithCheckpoints['checkpoints'][number] & { path: string };

/** The chosen checkpoints in the family's order (tokens seen), each with a local folder. */
function chosenCheckpoints(model: ModelWithCheckpoints, ids: readonly number[]): LocalCheckpoint[] {
  if (new Set(ids).size !== ids.length) {
    throw new AppError('invalid_input', 'A checkpoint is chosen twice.', 'input.checkpointIds');
  }
  for (const id of ids) {
    const checkpoint = model.checkpoints.find((c) => c.id === id);
    if (!checkpoint) {
      throw new AppError(
        'not_found',
        `The family "${model.name}" has no checkpoint ${id}.`,
        'input.checkpointIds',
      );
    }
    if (checkpoint.path === null) {
      throw new AppError(
        'invalid_input',
        `${checkpoint.revision} has no local folder; download it or add its folder first.`,
        'input.checkpointIds',
      );
    }
  }
  return model.checkpoints.filter((c): c is LocalCheckpoint => ids.includes(c.id) && c.path !== null);
}

/** Every checkpoint folder is complete, has the layer, and all share one residual width. */
async function checkLayer(checkpoints: readonly LocalCheckpoint[], layer: number): Promise<void> {
  const widths = new Set<number>();
  for (const c of checkpoints) {
    const report = await validateCheckpointFolder(c.path);
    if (!report.isComplete) {
      throw new AppError(
        'invalid_input',
        `${c.revision}: ${report.problems.join(' ')}`,
        'input.checkpointIds',
      );
    }
    if (report.layers !== null && layer >= report.layers) {
      throw new AppError(
        'invalid_input',
        `${c.revision} has ${report.layers} layers (0–${report.layers - 1}); layer ${layer} does not exist.`,
        'input.layer',
      );
    }
    if (report.dModel !== null) widths.add(report.dModel);
  }
  if (widths.size > 1) {
    throw new AppError(
      'invalid_input',
      `The checkpoints have different residual widths (${[...widths].join(', ')}).`,
      'input.checkpointIds',
    );
  }
}

function summarize(dir: string, m: ActivationManifest, isExtracting: boolean): ActivationStoreSummary {
  return {
    dir,
    name: basename(dir),
    model: m.model,
    revisions: m.revisions.map((r) => ({ revision: r.revision, tokensSeen: r.tokensSeen })),
    layer: m.layer,
    context: m.context,
    dtype: m.dtype,
    dModel: m.dModel,
    nCheckpoints: m.nCheckpoints,
    rows: m.totalRows,
    tokens: m.tokens,
    scale: m.scale,
    corpusFile: m.corpus.file,
    isComplete: m.complete,
    corpusExhausted: m.corpusExhausted,
    isExtracting,
    updatedAt: m.updatedAt,
  };
}

/** What training needs to know of a store folder (complete manifest) or a single activations file. */
export interface StoreShape {
  path: string;
  model: string | null;
  revisions: string[];
  layer: number | null;
  nCheckpoints: number;
  dModel: number;
  rows: number;
}

export async function readStoreShape(path: string, field: string): Promise<StoreShape> {
  if (!isAbsolute(path)) {
    throw new AppError('invalid_input', `"${path}" is not an absolute path; give the full path.`, field);
  }
  const info = await stat(path).catch(() => null);
  if (info === null) throw new AppError('invalid_input', `There is no activation store at ${path}.`, field);
  try {
    if (info.isFile()) {
      const { rows, nCheckpoints, dModel } = await readActivationsFileHeader(path);
      return { path, model: null, revisions: [], layer: null, rows, nCheckpoints, dModel };
    }
    const manifest = await readManifest(path);
    if (manifest === null) {
      throw new AppError('invalid_input', `${path} has no manifest.json: not an activation store.`, field);
    }
    if (!manifest.complete) {
      throw new AppError(
        'invalid_input',
        `${path}: extraction is not complete (${manifest.totalRows} of ${manifest.tokens} rows); start the same extraction again to finish it.`,
        field,
      );
    }
    return {
      path,
      model: manifest.model,
      revisions: manifest.revisions.map((r) => r.revision),
      layer: manifest.layer,
      nCheckpoints: manifest.nCheckpoints,
      dModel: manifest.dModel,
      rows: manifest.totalRows,
    };
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('invalid_input', error instanceof Error ? error.message : String(error), field);
  }
}
