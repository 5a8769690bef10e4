import { resolve } from 'node:path';
import { ModelsService } from '../main/services/models-service';
import { createStore } from '../main/store/store';
import { databasePath, defaultDataDir } from '../main/workbench';
import type { CheckpointValidation, ModelAddInput, ModelWithCheckpoints } from '../shared/domain';
import { modelAddSchema } from '../shared/domain';
import { AppError, describeZodError } from '../shared/result';
import {
  presetAddInput,
  presetDownloadCommands,
  studyPreset,
  studyPresetIdSchema,
} from '../shared/study-presets';

/*
 * `ctt models add|list|validate`: the checkpoint manager on the same store as serve mode and the
 * desktop app. It opens the store directly (no job runner), so it never touches jobs that a running
 * workbench owns.
 */

async function withModels<T>(dataDir: string | undefined, use: (models: ModelsService) => Promise<T>) {
  const store = createStore(databasePath(dataDir ?? defaultDataDir()));
  try {
    return await use(new ModelsService(store));
  } finally {
    store.close();
  }
}

const formatTokens = (tokens: number | null): string =>
  tokens === null ? '-' : tokens.toLocaleString('en-US');

function printFamily(model: ModelWithCheckpoints): void {
  const extra = model.tokensPerStep === null ? '' : `, ${model.tokensPerStep} tokens/step`;
  console.log(`${model.name}  (${model.family}, ${model.sourceKind} ${model.source}${extra})`);
  const width = Math.max(8, ...model.checkpoints.map((c) => c.revision.length));
  console.log(`  ${'revision'.padEnd(width)}  ${'step'.padStart(8)}  ${'tokens seen'.padStart(19)}  path`);
  for (const c of model.checkpoints) {
    const step = c.step === null ? '-' : String(c.step);
    console.log(
      `  ${c.revision.padEnd(width)}  ${step.padStart(8)}  ${formatTokens(c.tokensSeen).padStart(19)}  ${c.path ?? '(not on this machine)'}`,
    );
  }
}

export interface ModelsAddOptions {
  name: string | undefined;
  folder: string | undefined;
  hfRepo: string | undefined;
  /** A study preset (`pythia-1b`, `olmo-1b`, `bloom-1b1`): its repos, revisions and family. */
  preset: string | undefined;
  cacheDir: string | undefined;
  tokensPerStep: number | undefined;
  dataDir: string | undefined;
  isJson: boolean;
}

/** The `models:add` request of `ctt models add` (exported for tests: presets cannot download here). */
export function modelsAddInput(options: Omit<ModelsAddOptions, 'dataDir' | 'isJson'>): ModelAddInput {
  const sources = [options.folder, options.hfRepo, options.preset].filter((s) => s !== undefined);
  if (sources.length !== 1) {
    throw new Error('give exactly one of --folder DIR, --hf-repo ORG/NAME or --preset ID');
  }
  let raw: unknown;
  if (options.preset !== undefined) {
    const id = studyPresetIdSchema.safeParse(options.preset);
    if (!id.success) {
      throw new Error(
        `unknown preset "${options.preset}" (known: ${studyPresetIdSchema.options.join(', ')})`,
      );
    }
    if (options.tokensPerStep !== undefined) {
      throw new Error('--tokens-per-step does not go with --preset (the preset knows its tokens seen)');
    }
    raw = presetAddInput(studyPreset(id.data), {
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.cacheDir === undefined ? {} : { cacheDir: resolve(options.cacheDir) }),
    });
  } else {
    if (options.name === undefined) throw new Error('--name is required with --folder or --hf-repo');
    const source =
      options.folder !== undefined
        ? { kind: 'folder' as const, path: resolve(options.folder) }
        : {
            kind: 'hfCache' as const,
            repo: options.hfRepo!,
            ...(options.cacheDir === undefined ? {} : { cacheDir: resolve(options.cacheDir) }),
          };
    raw = {
      name: options.name,
      source,
      ...(options.tokensPerStep === undefined ? {} : { tokensPerStep: options.tokensPerStep }),
    };
  }
  const parsed = modelAddSchema.safeParse(raw);
  if (!parsed.success) throw new Error(describeZodError(parsed.error, 'input').message);
  return parsed.data;
}

export async function runModelsAdd(options: ModelsAddOptions): Promise<void> {
  const input = modelsAddInput(options);
  const model = await withModels(options.dataDir, (models) => models.add(input));
  if (options.isJson) {
    console.log(JSON.stringify(model, null, 2));
    return;
  }
  console.log(`Added ${model.checkpoints.length} checkpoint(s):`);
  printFamily(model);
  if (options.preset !== undefined) {
    const preset = studyPreset(studyPresetIdSchema.parse(options.preset));
    console.log(
      `Hook point: block ${preset.hookLayer} output (${preset.hookPoint}); use --layer ${preset.hookLayer}.`,
    );
    const missing = model.checkpoints.filter((c) => c.path === null).map((c) => c.revision);
    if (missing.length > 0) {
      console.log(`Not on this machine yet: ${missing.join(', ')}. Download, then run this add again:`);
      for (const command of presetDownloadCommands(preset)) console.log(`  ${command}`);
    }
  }
}

export async function runModelsList(options: {
  dataDir: string | undefined;
  isJson: boolean;
}): Promise<void> {
  const families = await withModels(options.dataDir, async (models) => models.list());
  if (options.isJson) {
    console.log(JSON.stringify(families, null, 2));
    return;
  }
  if (families.length === 0) {
    console.log('No model families yet: add one with `ctt models add --name N --folder DIR`.');
    return;
  }
  families.forEach((model, i) => {
    if (i > 0) console.log('');
    printFamily(model);
  });
}

/** Validates every checkpoint of a family (or one revision); exit code 1 when any is incomplete. */
export async function runModelsValidate(options: {
  model: string;
  revision: string | undefined;
  dataDir: string | undefined;
  isJson: boolean;
}): Promise<void> {
  const reports = await withModels(options.dataDir, async (models) => {
    const family = models.getByName(options.model, 'model');
    const checkpoints =
      options.revision === undefined
        ? family.checkpoints
        : family.checkpoints.filter((c) => c.revision === options.revision);
    if (checkpoints.length === 0) {
      const known = family.checkpoints.map((c) => c.revision).join(', ') || 'none';
      throw new AppError(
        'not_found',
        `${options.model} has no revision "${options.revision}" (known: ${known}).`,
      );
    }
    const out: Array<{ revision: string } & CheckpointValidation> = [];
    for (const c of checkpoints) out.push({ revision: c.revision, ...(await models.validate(c.id)) });
    return out;
  });
  const incomplete = reports.filter((r) => !r.isComplete);
  if (options.isJson) {
    console.log(JSON.stringify(reports, null, 2));
  } else {
    for (const r of reports) {
      const summary = r.isComplete
        ? `complete (${r.layers} layers, d_model ${r.dModel}, ${r.dtype}, ${r.parameterCount?.toLocaleString('en-US')} parameters)`
        : `${r.problems.length} problem(s)`;
      console.log(`${r.isComplete ? '✓' : '✗'} ${r.revision}: ${summary}`);
      for (const p of r.problems) console.log(`    ${p}`);
    }
  }
  if (incomplete.length > 0) {
    console.error(
      `ctt: ${incomplete.length} of ${reports.length} checkpoint(s) of ${options.model} are incomplete`,
    );
    process.exitCode = 1;
  }
}
