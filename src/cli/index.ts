import { Command, InvalidArgumentError, Option } from 'commander';
import { parseBackendPreference } from '../core/backend';
import { appVersion } from '../main/workbench';
import { backendChain } from '../core/backend';
import { runExtract } from './extract-command';
import { runInfo } from './info-command';
import { runAblation, runAttribute, runLifecycle } from './attribute-command';
import { runCrosscoderLoss, runEvaluate, runTrain } from './crosscoder-command';
import { runDashboards } from './dashboards-command';
import { runLmForward } from './lm-command';
import { runModelsDownload, runModelsInspect, runModelsRevisions } from './models-command';
import { runModelsAdd, runModelsList, runModelsValidate } from './models-store-command';
import { runTaskAccuracy } from './task-command';
import { runSelfTest } from './self-test-command';
import { runServe } from './serve-command';

const backendOption = (): Option =>
  new Option('--backend <name>', 'tfjs backend (default: CTT_BACKEND, then the saved setting, then auto)')
    .choices(['auto', ...backendChain])
    .env('CTT_BACKEND');

const dataDirOption = (): Option =>
  new Option('--data-dir <path>', 'folder of the workbench database and files').env('CTT_DATA_DIR');

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0–65535).`);
  }
  return port;
}

function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 8 || n > 4096)) {
    throw new InvalidArgumentError(`"${value}" must be comma-separated integers from 8 to 4096.`);
  }
  return sizes;
}

export function buildProgram(): Command {
  const program = new Command('ctt')
    .description(
      'Crosscoder Workbench: crosscoders over pretraining checkpoints, feature lifecycles, annotation.',
    )
    .version(appVersion)
    .showHelpAfterError();

  program
    .command('info')
    .description('print app version, Node version, the tfjs backend and why it was chosen')
    .addOption(backendOption())
    .option('--json', 'print JSON')
    .action(async (options: { backend?: string; json?: boolean }) => {
      await runInfo({ backend: parseBackendPreference(options.backend), isJson: options.json === true });
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
    .action(async (options: { port: number; host: string; dataDir?: string; backend?: string }) => {
      await runServe({
        port: options.port,
        host: options.host,
        dataDir: options.dataDir,
        backend: parseBackendPreference(options.backend),
      });
    });

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

  const models = program
    .command('models')
    .description('model families and their checkpoints; inspect model folders and cached revisions');
  models
    .command('inspect')
    .description('print what a model folder holds and check its weights against config.json')
    .argument('<dir>', 'model folder (config.json, model.safetensors or an index, tokenizer.json)')
    .option('--json', 'print JSON')
    .action(async (dir: string, options: { json?: boolean }) => {
      await runModelsInspect({ dir, isJson: options.json === true });
    });
  models
    .command('revisions')
    .description('list revisions of a repo in the Hugging Face cache, with tokens seen (Pythia steps)')
    .requiredOption('--repo <org/name>', 'Hugging Face repo, e.g. EleutherAI/pythia-160m')
    .option(
      '--cache-dir <path>',
      'Hugging Face hub cache (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)',
    )
    .option('--json', 'print JSON')
    .action(async (options: { repo: string; cacheDir?: string; json?: boolean }) => {
      await runModelsRevisions({
        repo: options.repo,
        cacheDir: options.cacheDir,
        isJson: options.json === true,
      });
    });

  models
    .command('add')
    .description('add a model family: one checkpoint per model folder, or per cached Hugging Face revision')
    .requiredOption('--name <name>', 'name of the family, e.g. pythia-160m')
    .option('--folder <dir>', 'a model folder, or a folder of model folders (step1000/, step2000/, …)')
    .option('--hf-repo <org/name>', 'a repo in the Hugging Face cache, e.g. EleutherAI/pythia-160m')
    .option(
      '--cache-dir <path>',
      'Hugging Face hub cache (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)',
    )
    .option(
      '--tokens-per-step <n>',
      'training tokens per step, for stepN revisions (Pythia needs none)',
      parsePositive,
    )
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action(
      async (o: {
        name: string;
        folder?: string;
        hfRepo?: string;
        cacheDir?: string;
        tokensPerStep?: number;
        dataDir?: string;
        json?: boolean;
      }) => {
        await runModelsAdd({
          name: o.name,
          folder: o.folder,
          hfRepo: o.hfRepo,
          cacheDir: o.cacheDir,
          tokensPerStep: o.tokensPerStep,
          dataDir: o.dataDir,
          isJson: o.json === true,
        });
      },
    );
  models
    .command('list')
    .description('list model families with their checkpoints, ordered by tokens seen')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action(async (o: { dataDir?: string; json?: boolean }) => {
      await runModelsList({ dataDir: o.dataDir, isJson: o.json === true });
    });
  models
    .command('validate')
    .description('check that each checkpoint of a family is complete (exit code 1 when one is not)')
    .requiredOption('--model <name>', 'name of the family')
    .option('--revision <rev>', 'only this revision')
    .addOption(dataDirOption())
    .option('--json', 'print JSON')
    .action(async (o: { model: string; revision?: string; dataDir?: string; json?: boolean }) => {
      await runModelsValidate({
        model: o.model,
        revision: o.revision,
        dataDir: o.dataDir,
        isJson: o.json === true,
      });
    });

  models
    .command('download')
    .description('download one revision (config, tokenizer, safetensors) into the Hugging Face cache')
    .requiredOption('--repo <org/name>', 'Hugging Face repo, e.g. EleutherAI/pythia-160m')
    .option('--revision <rev>', 'branch, tag (Pythia: step1000) or commit', 'main')
    .option(
      '--cache-dir <path>',
      'Hugging Face hub cache (default: HF_HUB_CACHE, HF_HOME/hub, ~/.cache/huggingface/hub)',
    )
    .addOption(new Option('--token <token>', 'access token for gated repos').env('HF_TOKEN'))
    .action(async (o: { repo: string; revision: string; cacheDir?: string; token?: string }) => {
      await runModelsDownload({
        repo: o.repo,
        revision: o.revision,
        cacheDir: o.cacheDir,
        accessToken: o.token,
      });
    });

  const lm = program.command('lm').description('run a language model checkpoint');
  lm.command('forward')
    .description('write logits [T,V] (and with --layer, the residual [T,d] after that block) to safetensors')
    .requiredOption('--model <dir>', 'model folder (Hugging Face layout)')
    .option('--ids <list>', 'comma-separated token ids', parseIds)
    .option('--text <text>', 'text to encode with the model tokenizer')
    .option(
      '--layer <L>',
      'also write `resid`: the output of block L, 0-based (HF hidden_states[L+1])',
      parseCount,
    )
    .requiredOption('--out <file>', 'output .safetensors file')
    .addOption(backendOption())
    .action(
      async (o: {
        model: string;
        ids?: number[];
        text?: string;
        layer?: number;
        out: string;
        backend?: string;
      }) => {
        await runLmForward({
          ...o,
          ids: o.ids,
          text: o.text,
          layer: o.layer,
          backend: parseBackendPreference(o.backend),
        });
      },
    );

  const task = program.command('task').description('minimal-pair tasks (BLiMP, CLAMS, MultiBLiMP)');
  task
    .command('accuracy')
    .description('accuracy of a model on a task file: the good answer must get the higher summed log-prob')
    .requiredOption('--model <dir>', 'model folder (Hugging Face layout, with tokenizer.json)')
    .requiredOption('--task <file>', 'task file (.jsonl or MultiBLiMP .tsv)')
    .option('--limit <n>', 'use the first n pairs', parseCount)
    .option('--single-token-only', 'skip (and count) pairs whose answers are not single tokens')
    .option('--json', 'print {"n","accuracy","skipped"} as JSON')
    .addOption(backendOption())
    .action(
      async (o: {
        model: string;
        task: string;
        limit?: number;
        singleTokenOnly?: boolean;
        json?: boolean;
        backend?: string;
      }) => {
        await runTaskAccuracy({
          model: o.model,
          task: o.task,
          limit: o.limit,
          isSingleTokenOnly: o.singleTokenOnly === true,
          isJson: o.json === true,
          backend: parseBackendPreference(o.backend),
        });
      },
    );

  program
    .command('extract')
    .description(
      'residual activations of several checkpoints on the same corpus windows, as shards [N,M,d] + manifest.json',
    )
    .requiredOption(
      '--model <dir>',
      'family folder whose subfolders are revisions, or a HF cache models--org--name folder',
    )
    .requiredOption(
      '--revisions <list>',
      'comma-separated revisions, e.g. step100,step400,step1600',
      parseList,
    )
    .requiredOption(
      '--layer <L>',
      'block whose output residual is read, 0-based (HF hidden_states[L+1])',
      parseCount,
    )
    .option(
      '--corpus <file>',
      'corpus: .txt (one document a line) or .jsonl (field "text"); default: the demo corpus',
    )
    .requiredOption(
      '--tokens <n>',
      'token positions to extract (position 0 of each window excluded)',
      parsePositiveInteger,
    )
    .requiredOption('--out <dir>', 'output folder; rerunning with the same parameters resumes')
    .option('--context <n>', 'tokens a window', parsePositiveInteger, 64)
    .addOption(new Option('--dtype <dtype>', 'storage dtype').choices(['f16', 'f32']).default('f16'))
    .option('--batch <n>', 'windows a forward pass', parsePositiveInteger, 16)
    .option('--shard-tokens <n>', 'rows a shard (rounded down to whole windows)', parsePositiveInteger, 8192)
    .addOption(backendOption())
    .option('--json', 'print the result as JSON')
    .action(
      async (o: {
        model: string;
        revisions: string[];
        layer: number;
        corpus?: string;
        tokens: number;
        out: string;
        context: number;
        dtype: 'f16' | 'f32';
        batch: number;
        shardTokens: number;
        backend?: string;
        json?: boolean;
      }) => {
        if (o.context < 2) throw new InvalidArgumentError('--context must be at least 2');
        await runExtract({
          model: o.model,
          revisions: o.revisions,
          layer: o.layer,
          corpus: o.corpus,
          tokens: o.tokens,
          out: o.out,
          context: o.context,
          dtype: o.dtype === 'f32' ? 'F32' : 'F16',
          batchSize: o.batch,
          shardTokens: o.shardTokens,
          backend: parseBackendPreference(o.backend),
          isJson: o.json === true,
        });
      },
    );

  program
    .command('train')
    .description(
      'train a crosscoder on extracted activations (resumes when --out holds a save of the same run)',
    )
    .requiredOption('--acts <path>', 'activation store folder, or a safetensors file with acts [N,M,d]')
    .addOption(new Option('--type <type>', 'l1 or batchtopk').choices(['l1', 'batchtopk']).default('l1'))
    .requiredOption('--features <F>', 'dictionary size', parseCount)
    .option('--k <k>', 'BatchTopK: features kept per token', parseCount)
    .option('--lambda <x>', 'L1 coefficient λ (default 2)', parseNumber)
    .option('--lr <x>', 'learning rate (default 5e-5)', parseNumber)
    .requiredOption('--steps <n>', 'training steps', parseCount)
    .requiredOption('--batch <B>', 'tokens a batch', parseCount)
    .option('--seed <s>', 'seed of init and data order', parseCount)
    .option('--save-every <n>', 'save weights and optimizer state every n steps', parseCount, 1000)
    .requiredOption('--out <dir>', 'run directory (config.json, crosscoder.safetensors)')
    .addOption(backendOption())
    .action(
      async (o: {
        acts: string;
        type: 'l1' | 'batchtopk';
        features: number;
        k?: number;
        lambda?: number;
        lr?: number;
        steps: number;
        batch: number;
        seed?: number;
        saveEvery: number;
        out: string;
        backend?: string;
      }) => {
        await runTrain({
          acts: o.acts,
          out: o.out,
          saveEvery: o.saveEvery,
          backend: parseBackendPreference(o.backend),
          config: {
            type: o.type,
            nFeatures: o.features,
            steps: o.steps,
            batchSize: o.batch,
            ...(o.k === undefined ? {} : { k: o.k }),
            ...(o.lambda === undefined ? {} : { l1Coeff: o.lambda }),
            ...(o.lr === undefined ? {} : { learningRate: o.lr }),
            ...(o.seed === undefined ? {} : { seed: o.seed }),
          },
        });
      },
    );

  program
    .command('evaluate')
    .description(
      'MSE, FVU / explained variance (both definitions), L0, L1, dead and dense features, RelDec histogram',
    )
    .argument('<run>', 'run directory')
    .requiredOption('--acts <path>', 'activation store folder or safetensors file')
    .option('--max-rows <n>', 'evaluate on at most n rows', parseCount, 1_000_000)
    .option('--per-feature', 'include per-feature firing rate, RelDec and decoder cosine')
    .option(
      '--ce-windows <n>',
      'ΔCE / CE-recovered on this many corpus windows of a store folder (0: skip)',
      parseCount,
      16,
    )
    .option('--json', 'print JSON')
    .addOption(backendOption())
    .action(
      async (
        run: string,
        o: {
          acts: string;
          maxRows: number;
          ceWindows: number;
          perFeature?: boolean;
          json?: boolean;
          backend?: string;
        },
      ) => {
        await runEvaluate({
          run,
          acts: o.acts,
          maxRows: o.maxRows,
          ceWindows: o.ceWindows,
          isJson: o.json === true,
          isPerFeature: o.perFeature === true,
          backend: parseBackendPreference(o.backend),
        });
      },
    );

  const crosscoder = program.command('crosscoder').description('inspect trained crosscoders');
  crosscoder
    .command('loss')
    .description(
      'print {"mse","l1","loss","l0"} of a run\'s current weights on activations (inference encoding)',
    )
    .requiredOption('--run <dir>', 'run directory')
    .requiredOption('--acts <path>', 'activation store folder or safetensors file with acts [N,M,d]')
    .option('--max-rows <n>', 'use at most n rows', parseCount, 1_000_000)
    .option('--json', 'print JSON (the only format)')
    .addOption(backendOption())
    .action(async (o: { run: string; acts: string; maxRows: number; backend?: string }) => {
      await runCrosscoderLoss({
        run: o.run,
        acts: o.acts,
        maxRows: o.maxRows,
        backend: parseBackendPreference(o.backend),
      });
    });

  withAttributionInputs(
    program
      .command('attribute')
      .description(
        'IE of every crosscoder feature per checkpoint on a minimal-pair task (integrated gradients or attribution patching)',
      ),
  )
    .addOption(
      new Option('--method <m>', 'ig: integrated gradients; atp: attribution patching')
        .choices(['ig', 'atp'])
        .default('ig'),
    )
    .option('--steps <n>', 'integrated-gradient steps (α = 0, 1/n, …)', parseCount, 10)
    .option('--threshold <x>', 'zero per-position effects with |e| ≤ x before summing', parseNumber)
    .requiredOption('--out <file>', 'ie.json to write')
    .action(
      async (
        o: AttributionOptions & { method: 'ig' | 'atp'; steps: number; threshold?: number; out: string },
      ) => {
        await runAttribute({
          ...attributionInputs(o),
          method: o.method,
          steps: o.steps,
          threshold: o.threshold ?? null,
          out: o.out,
        });
      },
    );

  withAttributionInputs(
    program
      .command('ablation')
      .description(
        'validate RelIE: ablate each top feature per checkpoint; Spearman of ablation shares vs RelIE and RelDec',
      ),
  )
    .requiredOption('--ie <file>', 'ie.json from ctt attribute (selects the features)')
    .option('--top <k>', 'top-k per checkpoint by |IE|', parseCount, 10)
    .option('--json', 'print JSON')
    .action(async (o: AttributionOptions & { ie: string; top: number; json?: boolean }) => {
      await runAblation({ ...attributionInputs(o), ie: o.ie, top: o.top, isJson: o.json === true });
    });

  program
    .command('lifecycle')
    .description('RelIE and lifecycle category of the top features per checkpoint, from an ie.json')
    .requiredOption('--ie <file>', 'ie.json written by ctt attribute')
    .option('--low <x>', 'lower RelIE threshold', parseNumber, 0.3)
    .option('--high <x>', 'upper RelIE threshold', parseNumber, 0.7)
    .option('--top <k>', 'top-k features by |IE| per checkpoint (union)', parseCount, 10)
    .option('--json', 'print JSON')
    .action((o: { ie: string; low: number; high: number; top: number; json?: boolean }) => {
      runLifecycle({ ie: o.ie, low: o.low, high: o.high, top: o.top, isJson: o.json === true });
    });

  program
    .command('dashboards')
    .description(
      'feature dashboards data: top contexts, quantile samples, density, histogram, logit effects per checkpoint',
    )
    .requiredOption('--run <dir>', 'crosscoder run directory')
    .requiredOption('--acts <dir>', 'activation store folder the run was trained on')
    .requiredOption('--features <list>', 'feature indices (1,2,3) or "selected" (top-k by |IE|, with --ie)')
    .option('--ie <file>', 'ie.json from ctt attribute, for --features selected')
    .option('--top <k>', 'top-k per checkpoint for "selected"', parseCount, 10)
    .option('--max-rows <n>', 'activation rows to scan', parseCount, 200_000)
    .requiredOption('--out <dir>', 'output folder (index.json, feature-<i>.json)')
    .addOption(backendOption())
    .action(
      async (o: {
        run: string;
        acts: string;
        features: string;
        ie?: string;
        top: number;
        maxRows: number;
        out: string;
        backend?: string;
      }) => {
        await runDashboards({ ...o, ie: o.ie, backend: parseBackendPreference(o.backend) });
      },
    );

  return program;
}

interface AttributionOptions {
  run: string;
  model: string;
  revisions: string;
  layer: number;
  task: string;
  limit?: number;
  backend?: string;
}

/** The options `attribute` and `ablation` share: the run, its checkpoints, the layer and the task. */
function withAttributionInputs(command: Command): Command {
  return command
    .requiredOption('--run <dir>', 'crosscoder run directory')
    .requiredOption(
      '--model <dir>',
      'model family folder (one subfolder per revision) or HF cache repo folder',
    )
    .requiredOption(
      '--revisions <list>',
      "the run's checkpoints, earliest first, e.g. step100,step400,step1600",
    )
    .requiredOption('--layer <L>', 'hook block (0-based output), as in extraction', parseCount)
    .requiredOption('--task <file>', 'task file (BLiMP, CLAMS, MultiBLiMP)')
    .option('--limit <n>', 'use the first n pairs', parseCount)
    .addOption(backendOption());
}

function attributionInputs(o: AttributionOptions) {
  return {
    run: o.run,
    model: o.model,
    revisions: o.revisions
      .split(',')
      .map((r) => r.trim())
      .filter((r) => r !== ''),
    layer: o.layer,
    task: o.task,
    limit: o.limit,
    backend: parseBackendPreference(o.backend),
  };
}

function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError(`"${value}" must be comma-separated non-negative integers.`);
  }
  return ids;
}

function parseList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError(`"${value}" must be a comma-separated list.`);
  return items;
}

function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  return n;
}

function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return n;
}

function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return n;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    console.error(`ctt: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
