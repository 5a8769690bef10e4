import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { dashboardLogitNote, type FeatureDashboard } from './dashboards';

// A dashboards folder, as `ctt dashboards` and the `dashboards` job write it: `feature-<i>.json` (one
// FeatureDashboard each) and `index.json` listing them. Every file is written to a temp file, then
// renamed, so a reader never sees half a file; the index is written last. Fractional numbers are written
// with 7 significant digits (activations are float32, good to about 7 digits; this keeps files ~30% smaller).

export const dashboardIndexFile = 'index.json';

export const dashboardFileName = (feature: number): string => `feature-${feature}.json`;

export const dashboardIndexSchema = z.object({
  /** The run and activation store the dashboards were computed from, as the writer named them. */
  run: z.string(),
  acts: z.string(),
  revisions: z.array(z.object({ revision: z.string(), tokensSeen: z.number().nullable() })),
  layer: z.number().int(),
  /** Store rows read by the newest computation. */
  rows: z.number().int(),
  logitNote: z.string(),
  features: z.array(
    z.object({ feature: z.number().int(), density: z.number(), maxActivation: z.number(), file: z.string() }),
  ),
  createdAt: z.string(),
});
export type DashboardIndex = z.infer<typeof dashboardIndexSchema>;

/** A fractional number to 7 significant digits, as the files store it; integers unchanged. */
export const roundForFile = (value: number): number =>
  Number.isInteger(value) || !Number.isFinite(value) ? value : Number(value.toPrecision(7));

const toJson = (value: unknown, space?: number): string =>
  JSON.stringify(value, (_key, v: unknown) => (typeof v === 'number' ? roundForFile(v) : v), space);

function writeFileAtomic(path: string, text: string): void {
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, text);
  renameSync(temp, path);
}

/** The folder's index, or null when there is none or it is unreadable. */
export function readDashboardIndex(dir: string): DashboardIndex | null {
  const path = join(dir, dashboardIndexFile);
  if (!existsSync(path)) return null;
  try {
    const parsed = dashboardIndexSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const sameSource = (
  a: DashboardIndex,
  b: Omit<DashboardIndex, 'rows' | 'features' | 'createdAt' | 'logitNote'>,
) =>
  a.layer === b.layer &&
  a.revisions.length === b.revisions.length &&
  a.revisions.every((r, i) => r.revision === b.revisions[i]!.revision);

/**
 * Writes one file per dashboard and the index. An existing index of the same checkpoints and layer is
 * merged: features computed earlier stay listed (in their place; recomputed ones are replaced, new
 * ones appended). An index of other checkpoints is replaced. `createdAt` defaults to now (the demo
 * study fixes it so that its files are reproducible). Returns the index written.
 */
export function writeDashboardFiles(
  dir: string,
  dashboards: readonly FeatureDashboard[],
  source: {
    run: string;
    acts: string;
    revisions: { revision: string; tokensSeen: number | null }[];
    layer: number;
  },
  options: { createdAt?: string } = {},
): DashboardIndex {
  mkdirSync(dir, { recursive: true });
  for (const dashboard of dashboards)
    writeFileAtomic(join(dir, dashboardFileName(dashboard.feature)), toJson(dashboard));
  const fresh = dashboards.map((x) => ({
    feature: x.feature,
    density: roundForFile(x.density),
    maxActivation: roundForFile(x.maxActivation),
    file: dashboardFileName(x.feature),
  }));
  const previous = readDashboardIndex(dir);
  const byFeature = new Map(fresh.map((entry) => [entry.feature, entry]));
  const kept =
    previous !== null && sameSource(previous, source)
      ? previous.features
          .filter((entry) => existsSync(join(dir, entry.file)))
          .map((entry) => byFeature.get(entry.feature) ?? entry)
      : [];
  const listed = new Set(kept.map((entry) => entry.feature));
  const index: DashboardIndex = {
    ...source,
    rows: dashboards[0]?.rows ?? previous?.rows ?? 0,
    logitNote: dashboardLogitNote,
    features: [...kept, ...fresh.filter((entry) => !listed.has(entry.feature))],
    createdAt: options.createdAt ?? new Date().toISOString(),
  };
  writeFileAtomic(join(dir, dashboardIndexFile), toJson(index, 2));
  return index;
}
