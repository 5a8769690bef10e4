import { readFileSync } from 'node:fs';
import { openActivationStore } from '../core/activations/activation-store';
import { writeDashboardFiles } from '../core/attribution/dashboard-files';
import { computeDashboards } from '../core/attribution/dashboards';
import { selectTopFeatures } from '../shared/lifecycle';
import { selectBackend } from '../core/backend';
import { loadRun } from '../core/crosscoder/run-files';
import { loadTokenizer } from '../core/hf/tokenizer';
import type { BackendPreference } from '../shared/domain';
import { ieFileSchema } from './attribute-command';

/**
 * `ctt dashboards`: one JSON file per feature (contexts, quantiles, histogram, logit effects) + index.json,
 * merged with an index already in `--out` for the same checkpoints (see dashboard-files.ts).
 */
export async function runDashboards(options: {
  run: string;
  acts: string;
  features: string;
  ie: string | undefined;
  top: number;
  maxRows: number;
  out: string;
  backend: BackendPreference | undefined;
}): Promise<void> {
  let features: number[];
  if (options.features === 'selected') {
    if (options.ie === undefined)
      throw new Error('--features selected needs --ie ie.json (the top features by |IE| per checkpoint)');
    features = selectTopFeatures(
      ieFileSchema.parse(JSON.parse(readFileSync(options.ie, 'utf8'))).ie,
      options.top,
    );
  } else {
    features = options.features.split(',').map((x) => Number(x.trim()));
    if (features.some((x) => !Number.isInteger(x) || x < 0))
      throw new Error(`--features "${options.features}": give feature indices (1,2,3) or "selected"`);
  }
  await selectBackend(options.backend ?? 'auto');
  const store = await openActivationStore(options.acts);
  if (store.manifest === null)
    throw new Error(`${options.acts}: dashboards need an activation store folder, not a single file`);
  const run = await loadRun(options.run);
  try {
    const tokenizer = await loadTokenizer(store.manifest.revisions[0]!.path);
    const started = performance.now();
    const dashboards = await computeDashboards({
      store,
      crosscoder: run.crosscoder,
      scale: run.scale,
      features,
      decodeToken: (id) => tokenizer.decode([id]),
      maxRows: options.maxRows,
      onProgress: (p) => process.stderr.write(`\r${p.message ?? ''}   `),
    });
    process.stderr.write('\n');
    writeDashboardFiles(options.out, dashboards, {
      run: options.run,
      acts: options.acts,
      revisions: store.manifest.revisions.map((r) => ({
        revision: r.revision,
        tokensSeen: r.tokensSeen ?? null,
      })),
      layer: store.manifest.layer,
    });
    console.log(
      `${dashboards.length} dashboards over ${dashboards[0]?.rows ?? 0} rows in ${((performance.now() - started) / 1000).toFixed(1)} s → ${options.out}`,
    );
  } finally {
    run.crosscoder.dispose();
  }
}
