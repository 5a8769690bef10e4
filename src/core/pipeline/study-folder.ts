import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { AttributionSummary } from '../../shared/attribution';
import { studyManifestFile, studyManifestSchema, type StudyManifest } from '../../shared/study';
import { dashboardIndexFile, readDashboardIndex, roundForFile } from '../attribution/dashboard-files';
import { readRunConfig } from '../crosscoder/run-files';

// A study folder (src/shared/study.ts) from a finished run, its attribution results and its dashboards:
// what `features:importStudy` imports. Of the run only config.json and the final save's weights are kept
// (no optimizer state; metrics.jsonl when asked). Fractional numbers in the JSON files keep 7
// significant digits (float32 precision). The pipeline's `study` stage and scripts/make-demo-study.ts
// (the shipped demo study) both write through here.

/** JSON with fractional numbers to 7 significant digits, written to a temp file and renamed. */
export function writeRoundedJson(path: string, value: unknown, space?: number): void {
  const temp = `${path}.${process.pid}.tmp`;
  const text = JSON.stringify(
    value,
    (_key, v: unknown) => (typeof v === 'number' ? roundForFile(v) : v),
    space,
  );
  writeFileSync(temp, text);
  renameSync(temp, path);
}

export function folderBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce(
    (sum, e) => sum + (e.isDirectory() ? folderBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size),
    0,
  );
}

export interface StudyFolderInput {
  /** The study folder to (re)write; replaced as a whole once the new one is complete. */
  outDir: string;
  /** A finished crosscoder run folder (config.json with `latest`). */
  runDir: string;
  /** Attribution results, each written as `attribution/<jobId>.json`. */
  attributions: readonly AttributionSummary[];
  /** A dashboards folder (index.json + feature files), or null. */
  dashboardsDir: string | null;
  /** What the dashboards index names as its activation store (default: as the dashboards wrote it). */
  actsLabel?: string;
  manifest: Omit<StudyManifest, 'format' | 'version' | 'attributions' | 'dashboards'>;
  /** Copy the run's metrics.jsonl (the workbench draws the training curves from it). */
  shouldKeepMetrics?: boolean;
  /** Extra JSON files written at the top of the study (name → value), e.g. the pipeline's summary. */
  extras?: Record<string, unknown>;
  /**
   * Paths inside the files (task files, the run, the model folder) are written relative to this folder
   * (the demo study is read from a checkout); absolute when left out.
   */
  relativeTo?: string;
}

/** Writes the study folder; returns its manifest and size. */
export function writeStudyFolder(input: StudyFolderInput): { manifest: StudyManifest; bytes: number } {
  const label = (path: string): string =>
    input.relativeTo === undefined || !isAbsolute(path) ? path : relative(input.relativeTo, path) || '.';
  const temp = `${input.outDir}.${process.pid}.tmp`;
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  try {
    copyRunFiles(input.runDir, temp, input.shouldKeepMetrics ?? false);
    const studyDir = label(input.outDir);
    const attributions = writeAttributions(temp, input.attributions, studyDir, label);
    let dashboards: string | null = null;
    if (input.dashboardsDir !== null) {
      copyDashboards(input.dashboardsDir, join(temp, 'dashboards'), studyDir, input.actsLabel);
      dashboards = 'dashboards';
    }
    const manifest = studyManifestSchema.parse({
      format: 'ctt-study',
      version: 1,
      ...input.manifest,
      model: { ...input.manifest.model, source: label(input.manifest.model.source) },
      attributions,
      dashboards,
    });
    for (const [name, value] of Object.entries(input.extras ?? {}))
      writeRoundedJson(join(temp, name), value, 2);
    writeFileSync(join(temp, studyManifestFile), JSON.stringify(manifest, null, 2) + '\n');
    mkdirSync(dirname(input.outDir), { recursive: true });
    rmSync(input.outDir, { recursive: true, force: true });
    renameSync(temp, input.outDir);
    return { manifest, bytes: folderBytes(input.outDir) };
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    throw error;
  }
}

/** config.json and the final save's weights (plus metrics.jsonl when kept). */
function copyRunFiles(runDir: string, outDir: string, shouldKeepMetrics: boolean): void {
  const { latest } = readRunConfig(runDir);
  if (latest === null) throw new Error(`${runDir}: the run has no save`);
  mkdirSync(join(outDir, latest), { recursive: true });
  copyFileSync(join(runDir, 'config.json'), join(outDir, 'config.json'));
  copyFileSync(
    join(runDir, latest, 'crosscoder.safetensors'),
    join(outDir, latest, 'crosscoder.safetensors'),
  );
  if (shouldKeepMetrics && existsSync(join(runDir, 'metrics.jsonl')))
    copyFileSync(join(runDir, 'metrics.jsonl'), join(outDir, 'metrics.jsonl'));
}

/** Each result as the attribution service saves one, its run being the study folder. */
function writeAttributions(
  outDir: string,
  summaries: readonly AttributionSummary[],
  studyDir: string,
  label: (path: string) => string,
): string[] {
  mkdirSync(join(outDir, 'attribution'), { recursive: true });
  return summaries.map((summary) => {
    const moved: AttributionSummary = {
      ...summary,
      taskFile: label(summary.taskFile),
      result: {
        ...summary.result,
        provenance: {
          ...summary.result.provenance,
          runDir: studyDir,
          task: label(summary.result.provenance.task),
        },
      },
    };
    const file = join('attribution', `${summary.jobId}.json`);
    writeRoundedJson(join(outDir, file), moved);
    return file;
  });
}

/** The feature files the index lists, and the index naming the study as its run. */
function copyDashboards(from: string, to: string, studyDir: string, actsLabel: string | undefined): void {
  const index = readDashboardIndex(from);
  if (index === null) throw new Error(`${from}: no readable ${dashboardIndexFile}`);
  mkdirSync(to, { recursive: true });
  for (const entry of index.features) copyFileSync(join(from, entry.file), join(to, entry.file));
  writeRoundedJson(
    join(to, dashboardIndexFile),
    { ...index, run: studyDir, acts: actsLabel ?? index.acts },
    2,
  );
}
