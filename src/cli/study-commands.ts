import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { parseBackendPreference } from '../core/backend';
import { parseEnginePreference } from '../core/engine';
import { runAblation, runAttribute, runLifecycle } from './attribute-command';
import { runCrosscoderLoss, runEvaluate, runTrain } from './crosscoder-command';
import { runDashboards } from './dashboards-command';
import { runExtract } from './extract-command';
import {
  backendOption,
  engineOption,
  parseCount,
  parseList,
  parseNumber,
  parsePositiveInteger,
} from './options';

/** The study: `extract`, `train`, `evaluate`, `crosscoder`, `attribute`, `ablation`, `lifecycle`, `dashboards`. */
export function registerStudyCommands(program: Command): void {
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
    .addOption(engineOption())
    .option('--threads <n>', 'threads of the native engine (default: all cores)', parseCount)
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
        engine?: string;
        threads?: number;
      }) => {
        await runTrain({
          acts: o.acts,
          out: o.out,
          saveEvery: o.saveEvery,
          backend: parseBackendPreference(o.backend),
          engine: parseEnginePreference(o.engine),
          ...(o.threads === undefined ? {} : { threads: o.threads }),
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
