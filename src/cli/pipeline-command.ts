import { dirname, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { parseBackendPreference } from '../core/backend';
import { parseEnginePreference } from '../core/engine';
import { readPipelineState, writePipelineState } from '../core/pipeline/pipeline-state';
import { importStudyFolder } from '../main/pipeline/import-study';
import { PipelineCancelledError, runPipeline, type PipelineResult } from '../main/pipeline/run-pipeline';
import { stageNames, type StageName } from '../main/pipeline/stage';
import { planStudy, readStudyConfig, type StudyPlan } from '../main/pipeline/study-plan';
import { createWorkbench, defaultDataDir, type Workbench } from '../main/workbench';
import type { BackendPreference, EnginePreference } from '../shared/domain';
import { backendOption, engineOption } from './options';
import { createPipelinePrinter, stageTimesLine } from './pipeline-progress';

/** `ctt pipeline --config study.json`: the whole study, headless and resumable (docs/study-config.md). */
export function registerPipelineCommand(program: Command): void {
  program
    .command('pipeline')
    .description(
      'the whole study from a study.json: task accuracy → activations → crosscoder → evaluation → IE/RelIE → lifecycle → dashboards → study folder; reuses finished stages',
    )
    .requiredOption('--config <file>', 'study.json (schema and presets: docs/study-config.md)')
    .option(
      '--out <dir>',
      'output folder (default: the config\'s "output", else <data folder>/pipelines/<name>)',
    )
    .option(
      '--data-dir <dir>',
      'import the study into the project of this data folder (and write outputs under it)',
    )
    .option('--project <file>', 'import the study into this project file (a workbench.sqlite)')
    .option(
      '--rerun <stages>',
      `run these stages again and every later one: ${stageNames.join(',')} or all`,
      parseStages,
    )
    .option('--check', 'check the config and print the resolved plan; run nothing')
    .option('--json', 'print the result as JSON on stdout')
    .addOption(backendOption())
    .addOption(engineOption())
    .action(
      async (o: {
        config: string;
        out?: string;
        dataDir?: string;
        project?: string;
        rerun?: StageName[];
        check?: boolean;
        json?: boolean;
        backend?: string;
        engine?: string;
      }) => {
        await runPipelineCommand({
          config: o.config,
          out: o.out,
          dataDir: o.dataDir,
          project: o.project,
          rerun: o.rerun ?? [],
          isCheck: o.check === true,
          isJson: o.json === true,
          backend: parseBackendPreference(o.backend),
          engine: parseEnginePreference(o.engine),
        });
      },
    );
}

function parseStages(value: string): StageName[] {
  if (value.trim() === 'all') return [...stageNames];
  const names = value.split(',').map((s) => s.trim());
  const unknown = names.find((n) => !(stageNames as readonly string[]).includes(n));
  if (unknown !== undefined)
    throw new InvalidArgumentError(`"${unknown}" is not a stage (${stageNames.join(', ')}, or all)`);
  return names as StageName[];
}

/** Reads, checks and resolves a study.json (a bad config throws before any work, naming the field). */
export async function loadStudyPlan(
  configFile: string,
  options: { dataDir: string; out?: string },
): Promise<StudyPlan> {
  const file = resolve(configFile);
  const config = readStudyConfig(file);
  return planStudy(config, {
    baseDir: dirname(file),
    configFile: file,
    dataDir: options.dataDir,
    ...(options.out === undefined ? {} : { outDir: resolve(options.out) }),
  });
}

/**
 * Runs the pipeline with progress on stderr; Ctrl+C cancels the running stage cleanly (a second one
 * exits at once). Throws PipelineCancelledError when cancelled.
 */
export async function runPipelineWithProgress(
  plan: StudyPlan,
  options: {
    backend: BackendPreference | undefined;
    engine?: EnginePreference | undefined;
    rerun?: readonly StageName[];
  },
): Promise<PipelineResult> {
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling (Ctrl+C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    const result = await runPipeline(plan, {
      signal: controller.signal,
      onEvent: createPipelinePrinter(),
      rerun: options.rerun ?? [],
      ...(options.backend === undefined ? {} : { backend: options.backend }),
      ...(options.engine === undefined ? {} : { engine: options.engine }),
      ...(process.env.HF_TOKEN ? { accessToken: process.env.HF_TOKEN } : {}),
    });
    process.stderr.write(`${stageTimesLine(result)}\n`);
    return result;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

export async function runPipelineCommand(options: {
  config: string;
  out: string | undefined;
  dataDir: string | undefined;
  project: string | undefined;
  rerun: StageName[];
  isCheck: boolean;
  isJson: boolean;
  backend: BackendPreference | undefined;
  engine?: EnginePreference | undefined;
}): Promise<void> {
  const project = options.project === undefined ? undefined : resolve(options.project);
  const dataDir = resolve(options.dataDir ?? (project === undefined ? defaultDataDir() : dirname(project)));
  const plan = await loadStudyPlan(options.config, {
    dataDir,
    ...(options.out === undefined ? {} : { out: options.out }),
  });
  if (options.isCheck) {
    printPlan(plan);
    return;
  }
  let result: PipelineResult;
  try {
    result = await runPipelineWithProgress(plan, {
      backend: options.backend,
      engine: options.engine,
      rerun: options.rerun,
    });
  } catch (error) {
    if (!(error instanceof PipelineCancelledError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 130;
    return;
  }
  let imported = null;
  if (options.dataDir !== undefined || project !== undefined) {
    const workbench = createWorkbench({ dataDir, mode: 'cli', databaseFile: project });
    try {
      imported = await importInto(workbench, plan, result);
    } finally {
      await workbench.close();
    }
  }
  if (options.isJson) {
    console.log(
      JSON.stringify({
        outDir: result.outDir,
        studyDir: result.studyDir,
        stages: result.stages,
        totalSeconds: result.totalSeconds,
        imported,
      }),
    );
    return;
  }
  console.log(`study → ${result.studyDir}`);
  if (imported !== null)
    console.log(
      `imported into ${project ?? dataDir}: run ${imported.runId} (${imported.features} features, ${imported.attributions} attributions, ${imported.dashboards} dashboards)`,
    );
}

/** Imports the pipeline's study into a workbench and records it in the pipeline state. */
export async function importInto(workbench: Workbench, plan: StudyPlan, result: PipelineResult) {
  const imported = await importStudyFolder(workbench, result.studyDir, plan.config.lifecycle);
  const state = readPipelineState(result.outDir);
  if (state !== null) {
    const database = workbench.store.db.name;
    const entry = {
      database,
      runId: imported.runId,
      studyCreatedAt: result.studyCreatedAt,
      at: new Date().toISOString(),
    };
    state.imports = [
      ...state.imports.filter((i) => i.database !== database || i.runId !== imported.runId),
      entry,
    ];
    writePipelineState(result.outDir, state, new Date());
  }
  return imported;
}

function printPlan(plan: StudyPlan): void {
  const c = plan.config;
  const lines = [
    `config OK: ${plan.configFile ?? ''}`,
    `title: ${plan.title}`,
    `model: ${plan.model.source}`,
    `checkpoints: ${plan.checkpoints.map((x) => `${x.revision} (${x.tokensSeen ?? '?'} tokens)`).join(', ')}${plan.missingRevisions.length > 0 ? `; to download: ${plan.missingRevisions.join(', ')}` : ''}`,
    `accuracy on: ${c.accuracy.enabled ? plan.accuracyCheckpoints.map((x) => x.revision).join(', ') : 'skipped'}`,
    `layer ${c.layer}; ${c.activations.tokens} tokens of ${plan.corpus} in windows of ${c.activations.context}`,
    `crosscoder: ${c.crosscoder.type}, F = ${c.crosscoder.nFeatures}, ${plan.steps} steps of ${c.crosscoder.batchSize}, lr ${c.crosscoder.learningRate}, λ ${c.crosscoder.l1Coeff}, seed ${c.crosscoder.seed}`,
    `tasks: ${plan.tasks.map((t) => `${t.id}${t.limit === undefined ? '' : ` (${t.limit} pairs)`}`).join(', ')}`,
    `attribution: ${c.attribution.method}, ${c.attribution.steps} steps; lifecycle ${c.lifecycle.low} / ${c.lifecycle.high}, top ${c.lifecycle.top}`,
    `output: ${plan.outDir}`,
  ];
  console.log(lines.join('\n'));
}
