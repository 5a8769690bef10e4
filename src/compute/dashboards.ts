import { join } from 'node:path';
import { openActivationStore } from '../core/activations/activation-store';
import { writeDashboardFiles } from '../core/attribution/dashboard-files';
import { computeDashboards } from '../core/attribution/dashboards';
import { selectBackend } from '../core/backend';
import { loadRun } from '../core/crosscoder/run-files';
import { loadTokenizer } from '../core/hf/tokenizer';
import { throwIfAborted } from '../core/progress';
import { dashboardsParamsSchema, type DashboardsResult } from '../shared/attribution';
import type { ComputeContext } from './jobs';

/*
 * The dashboards job (issue 7): feature dashboards of a run from the activation store it was trained on,
 * written to `<runDir>/dashboards/` as `ctt dashboards` writes them (index.json merged, so features
 * computed earlier stay listed). Progress counts store rows encoded. A cancel throws out of
 * computeDashboards, or lands before the files are written: a cancelled job writes nothing.
 */
export async function runDashboardsJob(
  rawParams: unknown,
  context: ComputeContext,
): Promise<DashboardsResult> {
  const params = dashboardsParamsSchema.parse(rawParams);
  await selectBackend(params.backendPreference ?? context.defaultBackend);
  context.onProgress({ step: 0, total: 1, message: 'opening the activation store' });
  const store = await openActivationStore(params.storeDir);
  const manifest = store.manifest;
  if (manifest === null)
    throw new Error(`${params.storeDir}: dashboards need an activation store folder, not a single file`);
  const run = await loadRun(params.runDir);
  try {
    if (run.config.nCheckpoints !== store.nCheckpoints || run.config.dModel !== store.dModel) {
      throw new Error(
        `the run is a crosscoder over ${run.config.nCheckpoints} checkpoints of d_model ${run.config.dModel}; ` +
          `the store holds ${store.nCheckpoints} of d_model ${store.dModel}`,
      );
    }
    const tokenizer = await loadTokenizer(manifest.revisions[0]!.path);
    const features = [...new Set(params.features)];
    const dashboards = await computeDashboards({
      store,
      crosscoder: run.crosscoder,
      scale: run.scale,
      features,
      decodeToken: (id) => tokenizer.decode([id]),
      ...(params.maxRows === undefined ? {} : { maxRows: params.maxRows }),
      signal: context.signal,
      onProgress: (p) =>
        context.onProgress({
          step: p.step,
          total: p.total,
          message: `${features.length} features: ${p.message ?? ''}`,
        }),
    });
    throwIfAborted(context.signal);
    const dir = join(params.runDir, 'dashboards');
    const index = writeDashboardFiles(dir, dashboards, {
      run: params.runDir,
      acts: params.storeDir,
      revisions: manifest.revisions.map((r) => ({ revision: r.revision, tokensSeen: r.tokensSeen })),
      layer: manifest.layer,
    });
    return {
      runId: params.runId,
      dir,
      // As index.json lists them (numbers rounded as the files store them).
      features: features.map((feature) => {
        const entry = index.features.find((x) => x.feature === feature)!;
        return { feature, density: entry.density, maxActivation: entry.maxActivation };
      }),
      rows: dashboards[0]?.rows ?? 0,
    };
  } finally {
    run.crosscoder.dispose();
  }
}
