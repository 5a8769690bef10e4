import * as tf from '@tensorflow/tfjs';
import type { ActivationStore } from '../activations/activation-store';
import { normalizedRows } from '../crosscoder/evaluation-summary';
import { decode, encode } from '../crosscoder/forward';
import { loadRun } from '../crosscoder/run-files';
import { throwIfAborted, yieldToEventLoop, type ProgressListener } from '../progress';
import {
  LatentScaling,
  type LatentScalingResult,
  type ScaledFeature,
  type ScalingTarget,
} from './latent-scaling';

// Latent scaling (latent-scaling.ts) of a run's selected features over the first rows of its activation
// store: rows normalised by the run's scale factors (the crosscoder's input space), feature activations
// from the run's inference encoding, the reconstruction x̂ from its decoder. Legend: N = rows of a chunk,
// C = checkpoints, D = dModel, F = features, K = features checked.

export async function latentScalingOnStore(options: {
  runDir: string;
  store: ActivationStore;
  /** Features to fit, with W_dec[feature] [C, D] and their claimed presence. */
  features: readonly ScaledFeature[];
  maxRows: number;
  targets: readonly ScalingTarget[];
  ratioThreshold?: number;
  signal?: AbortSignal;
  onProgress?: ProgressListener;
}): Promise<{ results: LatentScalingResult[][]; rows: number }> {
  const run = await loadRun(options.runDir);
  const cc = run.crosscoder;
  try {
    const { nCheckpoints: c, dModel: d } = cc.config;
    if (options.store.nCheckpoints !== c || options.store.dModel !== d) {
      throw new Error(
        `${options.store.source}: activations [N,${options.store.nCheckpoints},${options.store.dModel}] do not fit the run's [N,${c},${d}]`,
      );
    }
    const bias_CD = (await cc.bDec_MD.data()) as Float32Array;
    const fitters = options.targets.map(
      (target) =>
        new LatentScaling(options.features, {
          nCheckpoints: c,
          dModel: d,
          target,
          ...(options.ratioThreshold === undefined ? {} : { ratioThreshold: options.ratioThreshold }),
          ...(target === 'activation' ? { bias_CD } : {}),
        }),
    );
    const needsRecon = options.targets.some((t) => t !== 'activation');
    const columns = tf.tensor1d(
      options.features.map((f) => f.feature),
      'int32',
    );
    let rows = 0;
    const total = Math.min(options.maxRows, options.store.rows);
    try {
      for await (const acts of normalizedRows(options.store, run.scale, options.maxRows, options.signal)) {
        throwIfAborted(options.signal);
        const n = acts.length / (c * d);
        const out = tf.tidy(() => {
          const x_NCD = tf.tensor3d(acts, [n, c, d]);
          const f_NF = encode(cc, x_NCD);
          const f_NK = tf.gather(f_NF, columns, 1);
          return needsRecon ? { f_NK, recon_NCD: decode(cc, f_NF) } : { f_NK };
        });
        const batch = {
          acts_NCD: acts,
          f_NK: (await out.f_NK.data()) as Float32Array,
          ...(out.recon_NCD === undefined ? {} : { recon_NCD: (await out.recon_NCD.data()) as Float32Array }),
        };
        tf.dispose(out);
        fitters.forEach((fitter) => fitter.add(batch));
        rows += n;
        options.onProgress?.({ step: rows, total, message: `${rows}/${total} rows` });
        await yieldToEventLoop();
      }
      throwIfAborted(options.signal);
    } finally {
      columns.dispose();
    }
    return { results: fitters.map((f) => f.result()), rows };
  } finally {
    cc.dispose();
  }
}
