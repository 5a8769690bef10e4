import type { Command } from 'commander';
import { Option } from 'commander';
import { parseBackendPreference } from '../core/backend';
import { runLmForward } from './lm-command';
import { runModelsDownload, runModelsInspect, runModelsRevisions } from './models-command';
import { runModelsAdd, runModelsList, runModelsValidate } from './models-store-command';
import { runTaskAccuracy } from './task-command';
import { backendOption, dataDirOption, parseCount, parseIds, parsePositive } from './options';

/** `ctt models …`, `ctt lm …`, `ctt task …`: model families, checkpoints, the LM runtime and tasks. */
export function registerModelCommands(program: Command): void {
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
    .option('--name <name>', 'name of the family, e.g. pythia-160m (a preset has a default)')
    .option('--folder <dir>', 'a model folder, or a folder of model folders (step1000/, step2000/, …)')
    .option('--hf-repo <org/name>', 'a repo in the Hugging Face cache, e.g. EleutherAI/pythia-160m')
    .option(
      '--preset <id>',
      'a study triplet from the Hugging Face cache: pythia-1b, olmo-1b or bloom-1b1 (revisions not cached yet are added without a folder)',
    )
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
        name?: string;
        folder?: string;
        hfRepo?: string;
        preset?: string;
        cacheDir?: string;
        tokensPerStep?: number;
        dataDir?: string;
        json?: boolean;
      }) => {
        await runModelsAdd({
          name: o.name,
          folder: o.folder,
          hfRepo: o.hfRepo,
          preset: o.preset,
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
}
