import { z } from 'zod';
import type { modelAddSchema, ModelFamily } from './domain';
import { checkpointPosition, tokenSchemeOf } from './revision-tokens';

/*
 * The study's checkpoint triplets (METHOD-REFERENCE §2.4, the 3-way runs 446 / 447 / 454 that were
 * annotated) as presets of the checkpoint manager: the Hugging Face repos and revisions, the tokens seen
 * (by the rules of revision-tokens.ts), the study's labels, and the hook point (§1.5: the paper's
 * "L8" is `blocks.9.hook_resid_pre`, the output of block 8; "BLOOM L12" the output of block 12).
 */

export const studyPresetIdSchema = z.enum(['pythia-1b', 'olmo-1b', 'bloom-1b1']);
export type StudyPresetId = z.infer<typeof studyPresetIdSchema>;

export interface StudyPresetRevision {
  /** The revision (branch) name on the hub. */
  revision: string;
  /** The repo it lives in. */
  repo: string;
  step: number | null;
  /** Tokens seen, by the family rule (revision-tokens.ts). */
  tokensSeen: number;
  /** The study's label of this checkpoint ("1B", "33B", "341B"). */
  label: string;
}

export interface StudyPreset {
  id: StudyPresetId;
  /** Shown in the picker: "Pythia-1B · 1B / 4B / 286B". */
  title: string;
  /** Default family name in the workbench. */
  name: string;
  family: ModelFamily;
  /** The repo the family is named after (the one most revisions come from). */
  repo: string;
  /** Where the tokenizer comes from when a revision's repo has none. */
  tokenizerRepo: string;
  revisions: readonly StudyPresetRevision[];
  /** Block whose output the crosscoder reads, 0-based (Hugging Face hidden_states[layer + 1]). */
  hookLayer: number;
  /** The study's name of that hook point. */
  hookPoint: string;
  /** Residual width (d_model) and decoder blocks of the model. */
  dModel: number;
  layers: number;
  /** What the annotator should know (source of the numbers, gaps). */
  note: string;
}

interface PresetSpec extends Omit<StudyPreset, 'revisions'> {
  revisions: readonly { revision: string; repo?: string; label: string }[];
}

const specs: readonly PresetSpec[] = [
  {
    id: 'pythia-1b',
    title: 'Pythia-1B · 1B / 4B / 286B',
    name: 'pythia-1b',
    family: 'gpt_neox',
    repo: 'EleutherAI/pythia-1b',
    tokenizerRepo: 'EleutherAI/pythia-1b',
    revisions: [
      { revision: 'step512', label: '1B' },
      { revision: 'step2000', label: '4B' },
      { revision: 'main', label: '286B' },
    ],
    hookLayer: 8,
    hookPoint: 'blocks.9.hook_resid_pre (Pythia-1B L8)',
    dModel: 2048,
    layers: 16,
    note:
      'Study labels count 2M tokens a step; tokens seen here count 2,097,152 (main = step 143000 ≈ 300B). ' +
      'Crosscoder corpus: the Pile; tasks: BLiMP.',
  },
  {
    id: 'olmo-1b',
    title: 'OLMo-1B-0724 · 4B / 33B / 3048B',
    name: 'olmo-1b-0724',
    family: 'olmo',
    repo: 'allenai/OLMo-1B-0724-hf',
    tokenizerRepo: 'allenai/OLMo-1B-0724-hf',
    revisions: [
      { revision: 'step2000-tokens4B', label: '4B' },
      { revision: 'step16000-tokens33B', label: '33B' },
      { revision: 'step1454000-tokens3048B', label: '3048B' },
    ],
    hookLayer: 8,
    hookPoint: 'blocks.9.hook_resid_pre (OLMo-1B L8)',
    dModel: 2048,
    layers: 16,
    note:
      'Revision names as in the study; they carry their tokens. The study never uses `main` ' +
      '(3048B + cooldown). Crosscoder corpus: Dolma; tasks: BLiMP.',
  },
  {
    id: 'bloom-1b1',
    title: 'BLOOM-1b1 · 6B / 55B / 341B',
    name: 'bloom-1b1',
    family: 'bloom',
    repo: 'bigscience/bloom-1b1-intermediate',
    tokenizerRepo: 'bigscience/bloom-1b1',
    revisions: [
      { revision: 'global_step10000', label: '6B' },
      { revision: 'global_step100000', label: '55B' },
      { revision: 'main', repo: 'bigscience/bloom-1b1', label: '341B' },
    ],
    hookLayer: 12,
    hookPoint: 'blocks.13.hook_resid_pre (BLOOM-1B L12)',
    dModel: 1536,
    layers: 24,
    note:
      'Intermediate steps at 550k tokens a step (the study rounds 5.5B to "6B"); main is the final ' +
      'bigscience/bloom-1b1, whose tokenizer the study uses for every checkpoint. Crosscoder corpus: ' +
      'multilingual C4; tasks: CLAMS (en, fr) and MultiBLiMP.',
  },
];

function resolve(spec: PresetSpec): StudyPreset {
  const rule = { tokensPerStep: null, scheme: tokenSchemeOf({ ...spec, source: spec.repo }) };
  return {
    ...spec,
    revisions: spec.revisions.map(({ revision, repo, label }) => {
      const { step, tokensSeen } = checkpointPosition(revision, rule);
      if (tokensSeen === null) throw new Error(`preset ${spec.id}: ${revision} has no tokens-seen rule`);
      return { revision, repo: repo ?? spec.repo, step, tokensSeen, label };
    }),
  };
}

export const studyPresets: readonly StudyPreset[] = specs.map(resolve);

export function studyPreset(id: StudyPresetId): StudyPreset {
  return studyPresets.find((p) => p.id === id)!;
}

/** The `models:add` request a preset makes (the Hugging Face cache; revisions not cached yet get no folder). */
export function presetAddInput(
  preset: StudyPreset,
  options: { name?: string; cacheDir?: string } = {},
): z.input<typeof modelAddSchema> {
  const name = options.name?.trim();
  return {
    name: name === undefined || name === '' ? preset.name : name,
    family: preset.family,
    source: {
      kind: 'hfCache',
      repo: preset.repo,
      ...(options.cacheDir === undefined || options.cacheDir.trim() === ''
        ? {}
        : { cacheDir: options.cacheDir }),
      revisions: preset.revisions.map(({ revision, repo }) =>
        repo === preset.repo ? { revision } : { revision, repo },
      ),
    },
  };
}

/** The `ctt models download` commands that fetch a preset's revisions (and its tokenizer's repo). */
export function presetDownloadCommands(preset: StudyPreset): string[] {
  const commands = preset.revisions.map(
    (r) => `npx ctt models download --repo ${r.repo} --revision ${r.revision}`,
  );
  const hasTokenizerRepo = preset.revisions.some((r) => r.repo === preset.tokenizerRepo);
  if (!hasTokenizerRepo)
    commands.push(`npx ctt models download --repo ${preset.tokenizerRepo} --revision main`);
  return commands;
}

/** The preset a family was added from: by its repo, else by its name; null for any other family. */
export function presetForModel(model: { source: string; name: string }): StudyPreset | null {
  const source = model.source.toLowerCase();
  return (
    studyPresets.find((p) => p.repo.toLowerCase() === source) ??
    studyPresets.find((p) => p.name === model.name) ??
    null
  );
}

/**
 * The layer the extraction form starts with: the study's hook point for a preset family (when the model
 * has that block), else the middle block; null while the block count is unknown.
 */
export function defaultHookLayer(
  model: { source: string; name: string } | undefined,
  layers: number | null,
): number | null {
  if (layers === null) return null;
  const preset = model === undefined ? null : presetForModel(model);
  if (preset !== null && preset.hookLayer < layers) return preset.hookLayer;
  return Math.floor(layers / 2);
}
