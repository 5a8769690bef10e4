import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import type { z } from 'zod';
import { readRunConfig, type RunFiles } from '../../core/crosscoder/run-files';
import { attributionSummarySchema, type AttributionSummary } from '../../shared/attribution';
import { AppError } from '../../shared/result';
import { studyManifestFile, studyManifestSchema, type StudyManifest } from '../../shared/study';
import type { DashboardWrite } from '../store/dashboards-repository';
import { checkedIe } from './attribution-indexing';
import { readDashboardFolder } from './dashboards-service';

/** A study folder read and checked completely, before anything is copied or stored. */
export interface StudyContents {
  dir: string;
  manifest: StudyManifest;
  run: RunFiles;
  attributions: AttributionSummary[];
  dashboards: DashboardWrite[];
}

const refuse = (message: string): AppError => new AppError('invalid_input', message, 'input.dir');

/** A JSON file parsed with a schema; errors name the file and the first offending field. */
function readJsonFile<S extends z.ZodType>(path: string, schema: S, what: string): z.output<S> {
  if (!existsSync(path)) throw refuse(`${path} is missing: ${what}.`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw refuse(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw refuse(`${path}: field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

/** A path of the manifest resolved inside the study folder (a path leaving the folder is refused). */
function inside(dir: string, path: string, field: string): string {
  const full = resolve(dir, path);
  const rel = relative(dir, full);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel))
    throw refuse(
      `${join(dir, studyManifestFile)}: field ${field}: "${path}" is not inside the study folder.`,
    );
  return full;
}

/**
 * Reads `study.json`, the run's config.json, every attribution result and every dashboard of a study
 * folder, and checks they fit together (checkpoints and features of each result).
 */
export function readStudy(dir: string): StudyContents {
  if (!isAbsolute(dir)) throw refuse(`${dir} is not an absolute path.`);
  if (!existsSync(dir)) throw refuse(`${dir} does not exist.`);
  const manifest = readJsonFile(
    join(dir, studyManifestFile),
    studyManifestSchema,
    'a study folder needs its manifest',
  );
  let run: RunFiles;
  try {
    run = readRunConfig(dir);
  } catch (error) {
    throw refuse((error as Error).message);
  }
  const attributions = manifest.attributions.map((file, i) => {
    const path = inside(dir, file, `attributions.${i}`);
    const summary = readJsonFile(path, attributionSummarySchema, 'study.json lists it');
    const ie = checkedIe(summary.result, path);
    if (ie.length !== run.config.nCheckpoints || ie[0]!.length !== run.config.nFeatures) {
      throw refuse(
        `${path}: IE is [${ie.length}][${ie[0]!.length}] but the run has ${run.config.nCheckpoints} checkpoints and ${run.config.nFeatures} features.`,
      );
    }
    return summary;
  });
  let dashboards: DashboardWrite[] = [];
  if (manifest.dashboards !== null) {
    const folder = inside(dir, manifest.dashboards, 'dashboards');
    if (!existsSync(folder))
      throw refuse(`${join(dir, studyManifestFile)}: field dashboards: ${folder} does not exist.`);
    dashboards = readDashboardFolder(folder);
    const stray = dashboards.find((d) => d.index >= run.config.nFeatures);
    if (stray !== undefined)
      throw refuse(`${folder}: feature ${stray.index} is not in the run (F = ${run.config.nFeatures}).`);
  }
  return { dir, manifest, run, attributions, dashboards };
}
