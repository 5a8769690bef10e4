import { Command, Option } from 'commander';
import { parseBackendPreference } from '../core/backend';
import { parseEnginePreference } from '../core/engine';
import { appVersion } from '../main/workbench';
import { registerFaithfulnessCommand } from './faithfulness-command';
import { runInfo } from './info-command';
import { registerModelCommands } from './model-commands';
import { backendOption, dataDirOption, engineOption, parsePort, parseSizes } from './options';
import { registerPipelineCommand } from './pipeline-command';
import { runSelfTest } from './self-test-command';
import { runServe } from './serve-command';
import { registerReviewCommands } from './review-commands';
import { registerStudyCommands } from './study-commands';

export function buildProgram(): Command {
  const program = new Command('ctt')
    .description(
      'Crosscoder Workbench: crosscoders over pretraining checkpoints, feature lifecycles, annotation.',
    )
    .version(appVersion)
    .showHelpAfterError();

  program
    .command('info')
    .description(
      'print app version, Node version, the tfjs backend, the training engine and why they were chosen',
    )
    .addOption(backendOption())
    .addOption(engineOption())
    .option('--json', 'print JSON')
    .action(async (options: { backend?: string; engine?: string; json?: boolean }) => {
      await runInfo({
        backend: parseBackendPreference(options.backend),
        engine: parseEnginePreference(options.engine),
        isJson: options.json === true,
      });
    });

  program
    .command('serve')
    .description('serve the workbench UI and API over HTTP (loopback by default; a token is required)')
    .addOption(
      new Option('--port <port>', 'port to listen on (0: any free port)').default(4310).argParser(parsePort),
    )
    .option(
      '--host <address>',
      'address to bind; anything but loopback exposes the workbench to the network',
      '127.0.0.1',
    )
    .addOption(dataDirOption())
    .addOption(backendOption())
    .option('--demo', 'import the demo study (resources/demo/study) on start unless it is already there')
    .option(
      '--pipeline <config>',
      'first run the pipeline of this study.json and import its study (with --demo: the shipped study if it fails)',
    )
    .option(
      '--project <file>',
      'open this SQLite file as the database (a workbench.sqlite or an offline review bundle)',
    )
    .action(
      async (options: {
        port: number;
        host: string;
        dataDir?: string;
        backend?: string;
        demo?: boolean;
        project?: string;
        pipeline?: string;
      }) => {
        await runServe({
          port: options.port,
          host: options.host,
          dataDir: options.dataDir,
          backend: parseBackendPreference(options.backend),
          isDemo: options.demo === true,
          project: options.project,
          pipeline: options.pipeline,
        });
      },
    );

  program
    .command('self-test')
    .description('measure matmul GFLOP/s on the chosen backend (or every working one with --all-backends)')
    .addOption(backendOption())
    .option('--all-backends', 'run on every backend that loads here')
    .option('--sizes <list>', 'square matmul sizes', parseSizes, [128, 256, 512, 1024])
    .option('--repeats <n>', 'timed runs per size', (v) => parsePort(v), 5)
    .option('--json', 'print JSON')
    .action(
      async (options: {
        backend?: string;
        allBackends?: boolean;
        sizes: number[];
        repeats: number;
        json?: boolean;
      }) => {
        await runSelfTest({
          backend: parseBackendPreference(options.backend),
          isAllBackends: options.allBackends === true,
          sizes: options.sizes,
          repeats: options.repeats,
          isJson: options.json === true,
        });
      },
    );

  registerModelCommands(program);
  registerStudyCommands(program);
  registerReviewCommands(program);
  registerPipelineCommand(program);
  registerFaithfulnessCommand(program);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    console.error(`ctt: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
