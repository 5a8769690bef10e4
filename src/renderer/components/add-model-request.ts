import type { RequestInput } from '../../shared/contract';
import type { ModelFamily } from '../../shared/domain';
import { presetAddInput, studyPreset, type StudyPresetId } from '../../shared/study-presets';

/** What the add form holds; `presetId` set means the study preset decides repo, revisions and family. */
export interface AddModelFormState {
  presetId: StudyPresetId | null;
  name: string;
  family: ModelFamily;
  kind: 'folder' | 'hfCache';
  path: string;
  repo: string;
  cacheDir: string;
  tokensPerStep: string;
}

/** The `models:add` request the form sends (the server validates it; this only shapes it). */
export function addModelRequest(form: AddModelFormState): RequestInput<'models:add'> {
  if (form.presetId !== null) {
    return presetAddInput(studyPreset(form.presetId), { name: form.name, cacheDir: form.cacheDir });
  }
  return {
    name: form.name,
    family: form.family,
    source:
      form.kind === 'folder'
        ? { kind: 'folder', path: form.path }
        : {
            kind: 'hfCache',
            repo: form.repo,
            ...(form.cacheDir.trim() === '' ? {} : { cacheDir: form.cacheDir }),
          },
    ...(form.tokensPerStep.trim() === '' ? {} : { tokensPerStep: Number(form.tokensPerStep) }),
  };
}

/** The form after picking a preset (or none): name, source and family filled in from the preset. */
export function applyPreset(form: AddModelFormState, presetId: StudyPresetId | null): AddModelFormState {
  if (presetId === null) return { ...form, presetId: null };
  const preset = studyPreset(presetId);
  return {
    ...form,
    presetId,
    name: preset.name,
    family: preset.family,
    kind: 'hfCache',
    repo: preset.repo,
    tokensPerStep: '',
  };
}
