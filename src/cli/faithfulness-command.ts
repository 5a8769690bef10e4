import { InvalidArgumentError, type Command } from 'commander';
import { parseBackendPreference, selectBackend } from '../core/backend';
import { parseEnginePreference } from '../core/engine';
import type { FaithfulnessReport } from '../core/faithfulness/report';
import { runFaithfulness, type FaithfulnessOptions } from '../core/faithfulness/runner';
import { CancelledError, type ProgressReport } from '../core/progress';
import { backendOption, engineOption, parseCount, parseNumber, parsePositiveInteger } from './options';

/**
 * `ctt faithfulness --run RUNDIR`: are the run's aligned features real? (issue 12; docs/faithfulness.md).
 * Progress goes to stderr; Ctrl+C cancels cleanly (a second one exits at once) and the same command
 * resumes: trained runs and IE are kept under `<run>/faithfulness/`.
 */
export function registerFaithfulnessCommand(program: Command): void {
  program
    .command('faithfulness')
    .description(
      'faithfulness checks of a crosscoder run: reordered checkpoints, independent SAEs, seeds, a held-out task, latent scaling → <run>/faithfulness/report.json',
    )
    .requiredOption(
      '--run <dir>',
      'the crosscoder run (its attribution records give the tasks and categories)',
    )
    .option('--acts <store>', "the run's activation store (default: activations/ beside the run)")
    .option('--reordered <dir>', 'the same crosscoder trained with the checkpoints in another order')
    .option('--sae-dir <dir>', 'a folder with one SAE run per checkpoint (subfolders named by revision)')
    .option('--seeds <n>', 'extra seeds to compare (seed+1 … seed+n)', parseCount, 0)
    .option('--train', 'train the reordered run, the seeds and the SAEs that are missing')
    .option('--held-out <A:B>', 'RelIE on task A against the ablation effect on task B', parseHeldOut)
    .option('--top <k>', 'features selected per checkpoint and task', parsePositiveInteger, 10)
    .option('--threshold <s>', 'decoder similarity that counts as matched', parseUnit, 0.7)
    .option('--scaling-rows <n>', 'activation rows for latent scaling', parsePositiveInteger, 20_000)
    .option('--json', 'print the report as JSON on stdout')
    .addOption(backendOption())
    .addOption(engineOption())
    .action(
      async (o: {
        run: string;
        acts?: string;
        reordered?: string;
        saeDir?: string;
        seeds: number;
        train?: boolean;
        heldOut?: { task: string; heldOutTask: string };
        top: number;
        threshold: number;
        scalingRows: number;
        json?: boolean;
        backend?: string;
        engine?: string;
      }) => {
        const engine = parseEnginePreference(o.engine);
        await runFaithfulnessCommand(
          {
            runDir: o.run,
            ...(o.acts === undefined ? {} : { acts: o.acts }),
            ...(o.reordered === undefined ? {} : { reordered: o.reordered }),
            ...(o.saeDir === undefined ? {} : { saeDir: o.saeDir }),
            seeds: o.seeds,
            shouldTrain: o.train === true,
            ...(o.heldOut === undefined ? {} : { heldOut: o.heldOut }),
            top: o.top,
            matchThreshold: o.threshold,
            scalingRows: o.scalingRows,
            ...(engine === undefined ? {} : { engine }),
          },
          { isJson: o.json === true, backend: o.backend },
        );
      },
    );
}

function parseHeldOut(value: string): { task: string; heldOutTask: string } {
  const parts = value.split(':');
  if (parts.length !== 2 || parts.some((p) => p.trim() === ''))
    throw new InvalidArgumentError(`"${value}" must be TASK_A:TASK_B (task ids or files)`);
  return { task: parts[0]!.trim(), heldOutTask: parts[1]!.trim() };
}

function parseUnit(value: string): number {
  const x = parseNumber(value);
  if (!(x > 0 && x <= 1)) throw new InvalidArgumentError(`"${value}" must be in (0, 1]`);
  return x;
}

async function runFaithfulnessCommand(
  options: FaithfulnessOptions,
  output: { isJson: boolean; backend: string | undefined },
): Promise<void> {
  await selectBackend(parseBackendPreference(output.backend) ?? 'auto');
  const controller = new AbortController();
  const onSigint = (): void => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ncancelling (Ctrl+C again to quit at once)…\n');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  try {
    const { report, file } = await runFaithfulness({
      ...options,
      signal: controller.signal,
      onProgress: createProgressPrinter(),
      onNote: (text) => process.stderr.write(`${clearLine()}note: ${text}\n`),
    });
    process.stderr.write(`${clearLine()}done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    if (output.isJson) console.log(JSON.stringify(report));
    else console.log([...summaryLines(report), `report → ${file}`].join('\n'));
  } catch (error) {
    if (!(error instanceof CancelledError)) throw error;
    process.stderr.write(
      `${clearLine()}cancelled; the same command resumes (trained runs and IE are kept)\n`,
    );
    process.exitCode = 130;
  } finally {
    process.off('SIGINT', onSigint);
  }
}

const clearLine = (): string => (process.stderr.isTTY ? '\r\x1b[2K' : '');

/** One line per part: rewritten in place on a TTY, else printed at each tenth of the part. */
function createProgressPrinter(): (part: string, report: ProgressReport) => void {
  let lastPart = '';
  let lastTenth = -1;
  return (part, report) => {
    const tenth = report.total > 0 ? Math.floor((10 * report.step) / report.total) : 0;
    const line = `${part}: ${report.message ?? `${report.step}/${report.total}`}`;
    if (process.stderr.isTTY) {
      process.stderr.write(`${clearLine()}${line}`);
      return;
    }
    if (part === lastPart && tenth === lastTenth) return;
    lastPart = part;
    lastTenth = tenth;
    process.stderr.write(`${line}\n`);
  };
}

const pct = (x: number | null): string => (x === null ? 'undefined' : `${(100 * x).toFixed(1)}%`);
const num = (x: number | null, digits = 3): string => (x === null ? 'undefined' : x.toFixed(digits));

type MatchSection = NonNullable<FaithfulnessReport['reordered']>;

function matchLine(name: string, s: MatchSection, report: FaithfulnessReport): string {
  const run = report.runs.find((r) => r.runId === s.runId);
  const kappa =
    s.kappa.value === null
      ? `κ undefined (${s.kappa.reason ?? ''})`
      : `κ ${num(s.kappa.value)} (p_o ${num(s.kappa.observed)}, p_e ${num(s.kappa.expected)})`;
  return (
    `${name} ${s.runId} [${run?.checkpoints.join(', ') ?? ''}]: ${s.matched} matched at S ≥ ${s.threshold} ` +
    `(${pct(s.shareMatched)}${s.isExact ? '' : ', not proven optimal'}); categories of matched selected features: ${kappa} over ${s.kappa.n}`
  );
}

export function summaryLines(report: FaithfulnessReport): string[] {
  const lines: string[] = [];
  const base = report.runs[0]!;
  lines.push(
    `base ${base.runId}: ${base.model}, layer ${base.layer}, d ${base.dModel}, F ${base.nFeatures}, [${base.checkpoints.join(', ')}]`,
  );
  lines.push(report.reordered ? matchLine('reordered', report.reordered, report) : 'reordered: not computed');
  for (const s of report.seeds) lines.push(matchLine(`seed ${s.seed}`, s, report));
  if (report.sae === null) lines.push('SAEs: not computed');
  else {
    lines.push(
      `SAEs (${report.sae.source}, cosine ≥ ${report.sae.threshold}): agreement ${pct(report.sae.overallShare)}`,
    );
    lines.push('  category          n  agrees  more  fewer  other  share');
    for (const r of report.sae.table) {
      lines.push(
        `  ${r.category.padEnd(14)} ${String(r.n).padStart(4)} ${String(r.agrees).padStart(7)} ${String(r.presentInMore).padStart(5)} ${String(r.presentInFewer).padStart(6)} ${String(r.otherPattern).padStart(6)}  ${pct(r.agreementShare)}`,
      );
    }
    const skipped = Object.entries(report.sae.skipped).map(([c, n]) => `${n} ${c}`);
    if (skipped.length > 0) lines.push(`  skipped (no presence pattern): ${skipped.join(', ')}`);
  }
  const h = report.heldOut;
  lines.push(
    h === null
      ? 'held-out: not computed'
      : `held-out: RelIE on ${h.task} vs ablation on ${h.heldOutTask}: Spearman ${num(h.spearman)} over ${h.n} features (${h.values} values)`,
  );
  const targets = [...new Set(report.artifacts.map((a) => a.target))];
  for (const t of targets) {
    const rows = report.artifacts.filter((a) => a.target === t);
    const claimed = rows.filter((a) => a.flag !== null);
    const flagged = claimed.filter((a) => a.flag === true);
    lines.push(
      `latent scaling (${t}): ${flagged.length} of ${claimed.length} features claimed absent somewhere are flagged (ν ≥ ${num(report.ratioThreshold)}; ${rows.length - claimed.length} claim every checkpoint or never fired)` +
        (flagged.length > 0 ? `: ${flagged.map((a) => a.feature).join(', ')}` : ''),
    );
  }
  if (targets.length === 0) lines.push('latent scaling: not computed');
  return lines;
}
