import { access, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { defaultHfCacheDir } from '../../core/hf/model-folder';
import type {
  Checkpoint,
  CheckpointValidation,
  ModelAddInput,
  ModelWithCheckpoints,
} from '../../shared/domain';
import { AppError } from '../../shared/result';
import type { Store } from '../store/store';
import { tokenSchemeOf } from '../../shared/revision-tokens';
import {
  checkpointPosition,
  findCachedCheckpoints,
  findFolderCheckpoints,
  findRequestedRevisions,
  requireFolder,
  type CheckpointDraft,
  type TokenRule,
} from './checkpoint-sources';
import { requireLoadableConfig, validateCheckpointFolder } from './checkpoint-validation';

/** The project that holds model families until the UI has projects of its own. */
export const defaultProjectName = 'Default project';

export interface ModelsServiceOptions {
  /** Hugging Face cache used when `models:add` names none (tests pass a tmp folder). */
  defaultCacheDir?: () => string;
}

/**
 * The checkpoint manager: model families of the default project, their revisions with tokens seen,
 * and a completeness check per checkpoint before long jobs. All file-system reads happen before the
 * store is touched, so a failed add stores nothing; a local folder whose config.json the model loader
 * would refuse is refused at add time.
 */
export class ModelsService {
  private readonly defaultCacheDir: () => string;

  constructor(
    private readonly store: Store,
    options: ModelsServiceOptions = {},
  ) {
    this.defaultCacheDir = options.defaultCacheDir ?? (() => defaultHfCacheDir());
  }

  /** The id of the project named `Default project`, created on first use. */
  defaultProjectId(): number {
    const found = this.store.projects.findByName(defaultProjectName);
    if (found) return found.id;
    try {
      return this.store.projects.create({ name: defaultProjectName, description: '' }).id;
    } catch (error) {
      // Another process (CLI beside serve mode) may have created it in between.
      const raced = this.store.projects.findByName(defaultProjectName);
      if (raced) return raced.id;
      throw error;
    }
  }

  list(): ModelWithCheckpoints[] {
    return this.store.models.listWithCheckpoints(this.defaultProjectId());
  }

  /** A family by name in the default project; `not_found` naming `field` otherwise. */
  getByName(name: string, field = 'name'): ModelWithCheckpoints {
    const model = this.list().find((m) => m.name === name);
    if (!model) {
      const known = this.list().map((m) => m.name);
      throw new AppError(
        'not_found',
        `No model family named "${name}" (known: ${known.join(', ') || 'none'}).`,
        field,
      );
    }
    return model;
  }

  /**
   * Adds a family. Listing revisions of the same repo again (a preset, after downloading) refreshes
   * those checkpoints' folders instead of refusing the name; any other existing name is a conflict.
   */
  async add(input: ModelAddInput): Promise<ModelWithCheckpoints> {
    const projectId = this.defaultProjectId();
    const existing = this.store.models.findByName(projectId, input.name);
    const isRefresh =
      existing !== null &&
      input.source.kind === 'hfCache' &&
      input.source.revisions !== undefined &&
      existing.sourceKind === 'hfCache' &&
      existing.source === input.source.repo &&
      existing.family === input.family;
    if (existing && !isRefresh) {
      throw new AppError('conflict', `A model family named "${input.name}" already exists.`, 'input.name');
    }
    const tokensPerStep = input.tokensPerStep ?? null;
    const { source } = input;
    let drafts: CheckpointDraft[];
    let cacheDir: string | null = null;
    let sourceText: string;
    if (source.kind === 'folder') {
      const rule = { tokensPerStep, scheme: tokenSchemeOf({ family: input.family, name: input.name }) };
      drafts = await findFolderCheckpoints(source.path, rule, 'input.source.path');
      for (const draft of drafts) {
        if (draft.path !== null) await requireLoadableConfig(draft.path, 'input.source.path');
      }
      sourceText = source.path;
    } else {
      const scheme = tokenSchemeOf({ family: input.family, name: input.name, source: source.repo });
      const rule = { tokensPerStep, scheme };
      if (source.revisions !== undefined) {
        // A preset's revisions: the family is added before they are downloaded (no folder yet), so
        // the default cache need not exist; a cache folder named by the caller must.
        cacheDir =
          source.cacheDir === undefined
            ? this.defaultCacheDir()
            : await requireFolder(source.cacheDir, 'input.source.cacheDir');
        drafts = await findRequestedRevisions(source.repo, source.revisions, cacheDir, rule);
      } else {
        cacheDir =
          source.cacheDir === undefined
            ? await this.requireDefaultCache()
            : await requireFolder(source.cacheDir, 'input.source.cacheDir');
        drafts = await findCachedCheckpoints(source.repo, cacheDir, rule);
      }
      sourceText = source.repo;
    }
    if (existing !== null) {
      this.store.db.transaction(() => {
        for (const draft of drafts) this.store.models.upsertCheckpoint({ ...draft, modelId: existing.id });
      })();
      return this.getModel(existing.id);
    }
    return this.store.models.createWithCheckpoints(
      {
        projectId,
        name: input.name,
        family: input.family,
        source: sourceText,
        sourceKind: source.kind,
        cacheDir,
        tokensPerStep,
      },
      drafts,
    );
  }

  /** Adds a local model folder as a revision of a family (or re-points an existing revision). */
  async addCheckpoint(input: { modelId: number; revision: string; path: string }): Promise<Checkpoint> {
    const model = this.getModel(input.modelId);
    await requireFolder(input.path, 'input.path');
    const hasConfig = await access(join(input.path, 'config.json')).then(
      () => true,
      () => false,
    );
    if (!hasConfig) {
      throw new AppError(
        'invalid_input',
        `${input.path} has no config.json: not a model folder.`,
        'input.path',
      );
    }
    await requireLoadableConfig(input.path, 'input.path');
    const rule: TokenRule = {
      tokensPerStep: model.tokensPerStep,
      scheme: tokenSchemeOf({
        family: model.family,
        name: model.name,
        ...(model.sourceKind === 'hfCache' ? { source: model.source } : {}),
      }),
    };
    return this.store.models.upsertCheckpoint({
      modelId: model.id,
      revision: input.revision,
      path: input.path,
      ...checkpointPosition(input.revision, rule),
    });
  }

  remove(modelId: number): { modelId: number } {
    this.getModel(modelId);
    this.store.models.remove(modelId);
    return { modelId };
  }

  async validate(checkpointId: number): Promise<CheckpointValidation> {
    const checkpoint = this.getCheckpoint(checkpointId);
    return { checkpointId, ...(await validateCheckpointFolder(checkpoint.path)) };
  }

  getModel(modelId: number): ModelWithCheckpoints {
    const model = this.list().find((m) => m.id === modelId);
    if (!model) throw new AppError('not_found', `No model family with id ${modelId}.`, 'input.modelId');
    return model;
  }

  private getCheckpoint(checkpointId: number): Checkpoint {
    try {
      return this.store.models.getCheckpoint(checkpointId);
    } catch (error) {
      if (error instanceof AppError) throw new AppError(error.code, error.message, 'input.checkpointId');
      throw error;
    }
  }

  private async requireDefaultCache(): Promise<string> {
    const dir = this.defaultCacheDir();
    const info = await stat(dir).catch(() => null);
    if (info === null || !info.isDirectory()) {
      throw new AppError(
        'invalid_input',
        `There is no Hugging Face cache at ${dir} (HF_HUB_CACHE, HF_HOME/hub or ~/.cache/huggingface/hub); name the cache folder.`,
        'input.source.cacheDir',
      );
    }
    return dir;
  }
}
