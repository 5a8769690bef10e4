import type { RequestInput, RequestOutput } from '../../shared/contract';

// The assignment form of the Team section: what the owner picked, the checks made before
// `annotations:assign` (the server repeats them), and where a refusal is shown.

export interface AssignForm {
  runId: string | null;
  attributionId: string | null;
  /** A named queue of the attribution; null: its selected features. */
  queueId: number | null;
  /** Checked annotators. */
  annotatorIds: readonly number[];
  /** The k field as typed. */
  perFeature: string;
}

export type AssignField = 'run' | 'attribution' | 'queue' | 'annotators' | 'perFeature';
export type AssignErrors = Partial<Record<AssignField | 'form', string>>;

export type AssignCheck =
  { ok: true; input: RequestInput<'annotations:assign'> } | { ok: false; errors: AssignErrors };

export const maxPerFeature = 100;

/** Annotators checked: every known one except those the owner unchecked (new profiles start checked). */
export function checkedAnnotatorIds(
  knownIds: readonly number[],
  uncheckedIds: ReadonlySet<number>,
): number[] {
  return knownIds.filter((id) => !uncheckedIds.has(id));
}

/** The set with `id` added when absent, removed when present. */
export function toggleInSet(set: ReadonlySet<number>, id: number): Set<number> {
  const next = new Set(set);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/** Checks the form; on success, the `annotations:assign` input. */
export function checkAssignForm(form: AssignForm): AssignCheck {
  const errors: AssignErrors = {};
  if (form.runId === null) errors.run = 'Pick a run.';
  if (form.runId !== null && form.attributionId === null && form.queueId === null) {
    errors.attribution = 'This run has no indexed attribution: index one on the Features page first.';
  }
  const annotatorIds = [...new Set(form.annotatorIds)];
  if (annotatorIds.length === 0) errors.annotators = 'Check at least one annotator.';
  const text = form.perFeature.trim();
  const k = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(k) || k < 1 || k > maxPerFeature) {
    errors.perFeature = `Annotators per feature: a whole number from 1 to ${maxPerFeature}.`;
  } else if (annotatorIds.length > 0 && k > annotatorIds.length) {
    errors.perFeature = `${k} annotators per feature need at least ${k} checked annotators; ${annotatorIds.length} checked.`;
  }
  if (Object.keys(errors).length > 0 || form.runId === null) return { ok: false, errors };
  return {
    ok: true,
    input: {
      runId: form.runId,
      ...(form.attributionId !== null ? { attributionId: form.attributionId } : {}),
      ...(form.queueId !== null ? { queueId: form.queueId } : {}),
      annotatorIds,
      perFeature: k,
    },
  };
}

/** The form field a server refusal names (`input.perFeature` → `perFeature`); `form` when none fits. */
export function fieldOfServerError(field: string | undefined): AssignField | 'form' {
  const name = (field ?? '').replace(/^input\./, '').split(/[.[]/)[0];
  switch (name) {
    case 'runId':
      return 'run';
    case 'attributionId':
      return 'attribution';
    case 'queueId':
      return 'queue';
    case 'annotatorIds':
      return 'annotators';
    case 'perFeature':
      return 'perFeature';
    default:
      return 'form';
  }
}

/** "Assigned 20 features: 40 assignments (2 per feature)." */
export function describeAssignResult(
  result: RequestOutput<'annotations:assign'>,
  perFeature: number,
): string {
  const features = `${result.features} feature${result.features === 1 ? '' : 's'}`;
  const assignments = `${result.assignments} assignment${result.assignments === 1 ? '' : 's'}`;
  return `Assigned ${features}: ${assignments} (${perFeature} per feature).`;
}
