import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { BundleService } from '../main/services/bundle-service';
import { ExportService } from '../main/services/export-service';
import { createStore, type Store } from '../main/store/store';
import { appVersion } from '../main/workbench';
import type { BundleMergePlan } from '../shared/review';
import { exportFormatSchema, type ExportFormat } from '../shared/review';

// Review commands on a project file (a workbench.sqlite or an offline review bundle): `export`,
// `import-annotations`, `bundle export|preview|merge`. They open the file directly: no models, no jobs.

/** Opens an existing project file (never creates one), runs `work`, closes it. */
function withProject<T>(file: string, work: (store: Store) => T): T {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`No project file at ${path}.`);
  const store = createStore(path);
  try {
    return work(store);
  } finally {
    store.close();
  }
}

const parseFormat = (value: string): ExportFormat => {
  const parsed = exportFormatSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(`"${value}" is not one of csv, jsonl, latex, md.`);
  return parsed.data;
};

/** Thrown to roll a dry run back (an annotator created for it included). */
class DryRun<T> extends Error {
  constructor(readonly value: T) {
    super('dry run');
  }
}

function describePlan(plan: BundleMergePlan): string[] {
  return [
    `${plan.isApplied ? 'Merged' : 'Would merge'} ${plan.path} (exported ${plan.identity.exportedAt}):`,
    `  ${plan.revisions} annotation revision(s), ${plan.comments} comment(s), ${plan.goldRecords} gold record(s)`,
    ...(plan.newAnnotators.length > 0 ? [`  new annotators: ${plan.newAnnotators.join(', ')}`] : []),
    ...(plan.unmatchedFeatures > 0
      ? [`  ${plan.unmatchedFeatures} feature(s) not found at home (skipped)`]
      : []),
    ...plan.conflicts.map(
      (c) =>
        `  conflict: run ${c.runId} feature #${c.featureIndex}, ${c.annotatorName}: home revision ${c.homeRevisionId} and bundle revision ${c.bundleRevisionId} both kept`,
    ),
  ];
}

export function registerReviewCommands(program: Command): void {
  program
    .command('export')
    .description("write a run's feature table with annotations and provenance (csv, jsonl, latex, md)")
    .requiredOption('--project <file>', 'a workbench.sqlite or an offline review bundle')
    .requiredOption('--run <id>', 'run id')
    .addOption(
      new Option('--format <format>', 'csv, jsonl, latex (booktabs) or md')
        .argParser(parseFormat)
        .makeOptionMandatory(),
    )
    .requiredOption('--out <file>', 'file to write (replaced)')
    .option('--attribution <id>', "indexed attribution (task); default: the run's newest")
    .option('--all-features', 'every indexed feature, not only the selected (top-k) ones')
    .option('--json', 'print the result as JSON')
    .action(
      (o: {
        project: string;
        run: string;
        format: ExportFormat;
        out: string;
        attribution?: string;
        allFeatures?: boolean;
        json?: boolean;
      }) => {
        const result = withProject(o.project, (store) =>
          new ExportService({ store, appVersion }).write({
            runId: o.run,
            attributionId: o.attribution,
            format: o.format,
            path: resolve(o.out),
            features: o.allFeatures === true ? 'all' : 'selected',
          }),
        );
        console.log(
          o.json === true
            ? JSON.stringify(result)
            : `Wrote ${result.rows} feature row(s) of attribution ${result.attributionId} to ${result.path} (${result.format}).`,
        );
      },
    );

  program
    .command('import-annotations')
    .description(
      "import one annotator's answers from a CSV in the original study's columns (feat_id, description, languages, …) or a workbench JSONL export; all or nothing",
    )
    .requiredOption('--project <file>', 'a workbench.sqlite or an offline review bundle')
    .requiredOption('--run <id>', 'run id (feat_id is the feature index in this run)')
    .requiredOption('--annotator <name>', 'annotator the answers belong to (created when missing)')
    .option('--csv <file>', 'CSV file (UTF-8)')
    .option('--jsonl <file>', 'JSONL file written by `ctt export --format jsonl`')
    .option('--attribution <id>', 'indexed attribution the file belongs to (checked to be of the run)')
    .option('--dry-run', 'check and preview only; nothing is written')
    .option('--json', 'print the result as JSON')
    .action(
      (o: {
        project: string;
        run: string;
        annotator: string;
        csv?: string;
        jsonl?: string;
        attribution?: string;
        dryRun?: boolean;
        json?: boolean;
      }) => {
        if ((o.csv === undefined) === (o.jsonl === undefined))
          throw new InvalidArgumentError('give exactly one of --csv FILE and --jsonl FILE');
        const file = resolve((o.csv ?? o.jsonl)!);
        const isDryRun = o.dryRun === true;
        const result = withProject(o.project, (store) => {
          const service = new ExportService({ store, appVersion });
          const run = () => {
            const annotator =
              store.annotators.list().find((a) => a.name === o.annotator) ??
              store.annotators.create(o.annotator);
            return service.importAnnotations({
              runId: o.run,
              attributionId: o.attribution,
              annotatorId: annotator.id,
              path: file,
              isDryRun,
            });
          };
          if (!isDryRun) return store.db.transaction(run)();
          try {
            store.db.transaction(() => {
              throw new DryRun(run());
            })();
          } catch (error) {
            if (error instanceof DryRun) return error.value as ReturnType<typeof run>;
            throw error;
          }
          throw new Error('unreachable');
        });
        if (o.json === true) console.log(JSON.stringify(result));
        else
          console.log(
            `${result.isApplied ? 'Imported' : 'Checked (dry run)'} ${result.path}: ${result.rows} row(s), ${
              result.isApplied
                ? `${result.imported} new revision(s)`
                : `${result.rows - result.unchanged} would be new`
            }, ${result.unchanged} unchanged${result.ignoredColumns.length > 0 ? `; ignored columns: ${result.ignoredColumns.join(', ')}` : ''}.`,
          );
      },
    );

  const bundle = program.command('bundle').description('offline review bundles (one SQLite file)');
  bundle
    .command('export')
    .description("write a review bundle of the project's runs (features, dashboards, annotations)")
    .requiredOption('--project <file>', 'the home workbench.sqlite')
    .requiredOption('--out <file>', 'bundle file to write')
    .option('--run <id...>', 'runs to include (default: every run with indexed features)')
    .action((o: { project: string; out: string; run?: string[] }) => {
      const result = withProject(o.project, (store) =>
        new BundleService({ store, appVersion }).exportBundle({ path: resolve(o.out), runIds: o.run }),
      );
      console.log(
        `Wrote ${result.path}: ${result.features} features, ${result.dashboards} dashboards, ${result.revisions} annotation revisions (${result.bytes} bytes).`,
      );
    });
  for (const [name, isApplied] of [
    ['preview', false],
    ['merge', true],
  ] as const)
    bundle
      .command(name)
      .description(
        isApplied
          ? 'merge a review bundle back (appends only; conflicts keep both sides)'
          : 'show what merging a bundle would do',
      )
      .requiredOption('--project <file>', 'the home workbench.sqlite')
      .requiredOption('--bundle <file>', 'the review bundle')
      .option('--json', 'print the result as JSON')
      .action((o: { project: string; bundle: string; json?: boolean }) => {
        const plan = withProject(o.project, (store) => {
          const service = new BundleService({ store, appVersion });
          return isApplied ? service.merge(resolve(o.bundle)) : service.preview(resolve(o.bundle));
        });
        console.log(o.json === true ? JSON.stringify(plan) : describePlan(plan).join('\n'));
      });
}
