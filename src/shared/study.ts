import { z } from 'zod';

// A study folder: a finished crosscoder run folder (config.json, saves/, scale) that also carries its
// attribution results (`attribution/<id>.json`, as the attribution service writes them), its feature
// dashboards (`dashboards/index.json` + `feature-<i>.json`, as `ctt dashboards` writes them) and this
// manifest, `study.json`. The demo study ships in resources/demo/study; `features:importStudy` copies a
// study into the data folder as a run and indexes it for annotation.

export const studyManifestSchema = z.object({
  format: z.literal('ctt-study'),
  version: z.literal(1),
  name: z.string().min(1),
  /** Model family name and where its checkpoints came from (a folder or a Hugging Face id). */
  model: z.object({ name: z.string().min(1), source: z.string() }),
  revisions: z
    .array(z.object({ revision: z.string().min(1), tokensSeen: z.number().nullable() }))
    .min(2)
    .max(3),
  layer: z.number().int().min(0),
  /** Attribution result files, relative to the study folder (`attribution/<id>.json`). */
  attributions: z.array(z.string().min(1)),
  /** Dashboards folder relative to the study folder, or null when none were computed. */
  dashboards: z.string().min(1).nullable(),
  /** Top-k per checkpoint the study selected for annotation. */
  top: z.number().int().min(1),
  createdAt: z.string(),
});
export type StudyManifest = z.infer<typeof studyManifestSchema>;

export const studyManifestFile = 'study.json';
