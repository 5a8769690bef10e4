import { useState, type FormEvent, type ReactNode } from 'react';
import type { NamedQueue } from '../../shared/annotation';
import type { Annotator } from '../../shared/domain';
import { api, ApiCallError } from '../api/client';
import { errorMessage } from '../components/format';
import {
  checkAssignForm,
  checkedAnnotatorIds,
  describeAssignResult,
  fieldOfServerError,
  maxPerFeature,
  toggleInSet,
  type AssignErrors,
} from './team-assign';

interface AssignFormProps {
  runId: string | null;
  attributionId: string | null;
  /** Named queues of the chosen attribution. */
  queues: readonly NamedQueue[];
  annotators: readonly Annotator[];
  /** Runs and attributions have loaded (so a missing one is a fact, not a load in progress). */
  isStudyReady: boolean;
  onAssigned: () => void;
}

type Outcome = { kind: 'none' } | { kind: 'done'; text: string } | { kind: 'refused'; errors: AssignErrors };

/** k annotators per feature of the attribution's selected features (or a named queue), load balanced. */
export function AssignForm(props: AssignFormProps) {
  const { runId, attributionId, queues, annotators, isStudyReady, onAssigned } = props;
  const [uncheckedIds, setUncheckedIds] = useState<ReadonlySet<number>>(new Set());
  const [perFeature, setPerFeature] = useState('1');
  const [queueId, setQueueId] = useState<number | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>({ kind: 'none' });

  const effectiveQueueId = queues.some((q) => q.id === queueId) ? queueId : null;
  const annotatorIds = checkedAnnotatorIds(
    annotators.map((a) => a.id),
    uncheckedIds,
  );
  const check = checkAssignForm({
    runId,
    attributionId,
    queueId: effectiveQueueId,
    annotatorIds,
    perFeature,
  });
  const errors: AssignErrors = {
    ...(check.ok ? {} : check.errors),
    ...(outcome.kind === 'refused' ? outcome.errors : {}),
  };
  const edited = (): void => setOutcome({ kind: 'none' });

  const submit = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    if (!check.ok) return;
    setIsBusy(true);
    try {
      const result = await api.invoke('annotations:assign', check.input);
      setOutcome({ kind: 'done', text: describeAssignResult(result, check.input.perFeature) });
      onAssigned();
    } catch (e) {
      const field = fieldOfServerError(e instanceof ApiCallError ? e.error.field : undefined);
      setOutcome({ kind: 'refused', errors: { [field]: errorMessage(e) } });
    } finally {
      setIsBusy(false);
    }
  };

  return (
    <form className="team-block" data-testid="team-assign" onSubmit={(e) => void submit(e)} noValidate>
      <h3>Assignment</h3>
      <p className="muted small">
        Each feature goes to k of the checked annotators, spreading the load evenly; assigning again replaces
        the earlier assignment of those features.
      </p>
      {isStudyReady && (
        <FieldError message={errors.run ?? errors.attribution} testId="team-assign-error-study" />
      )}
      <div className="form-row">
        <label>
          Features
          <select
            data-testid="team-assign-queue"
            value={effectiveQueueId ?? ''}
            disabled={attributionId === null}
            onChange={(e) => {
              setQueueId(e.target.value === '' ? null : Number(e.target.value));
              edited();
            }}
          >
            <option value="">selected features of the attribution</option>
            {queues.map((q) => (
              <option key={q.id} value={q.id}>
                queue “{q.name}” ({q.featureIndices.length})
              </option>
            ))}
          </select>
        </label>
        <label>
          Annotators per feature (k)
          <input
            type="number"
            min={1}
            max={maxPerFeature}
            value={perFeature}
            data-testid="team-assign-k"
            aria-invalid={errors.perFeature !== undefined}
            aria-describedby={errors.perFeature !== undefined ? 'team-assign-k-error' : undefined}
            onChange={(e) => {
              setPerFeature(e.target.value);
              edited();
            }}
          />
        </label>
      </div>
      <FieldError message={errors.queue} testId="team-assign-error-queue" />
      <FieldError message={errors.perFeature} testId="team-assign-error-k" id="team-assign-k-error" />
      <fieldset
        className="checkbox-list team-assign__annotators"
        data-testid="team-assign-annotators"
        aria-invalid={errors.annotators !== undefined}
      >
        <legend>Annotators ({annotatorIds.length} checked)</legend>
        {annotators.map((a) => (
          <label key={a.id} className="checkbox">
            <input
              type="checkbox"
              checked={!uncheckedIds.has(a.id)}
              data-testid="team-assign-annotator"
              data-annotator-id={a.id}
              onChange={() => {
                setUncheckedIds((s) => toggleInSet(s, a.id));
                edited();
              }}
            />
            {a.name}
          </label>
        ))}
        {annotators.length === 0 && <span className="muted">No annotator profiles yet.</span>}
      </fieldset>
      <FieldError message={errors.annotators} testId="team-assign-error-annotators" />
      <div className="form-row team-assign__actions">
        <button type="submit" data-testid="team-assign-submit" disabled={!check.ok || isBusy}>
          {isBusy ? 'Assigning…' : 'Assign'}
        </button>
        {outcome.kind === 'done' && (
          <span className="ok" role="status" data-testid="team-assign-result">
            {outcome.text}
          </span>
        )}
      </div>
      <FieldError message={errors.form} testId="team-assign-error-form" />
    </form>
  );
}

function FieldError(props: { message: string | undefined; testId: string; id?: string }): ReactNode {
  if (props.message === undefined) return null;
  return (
    <p className="error small" role="alert" id={props.id} data-testid={props.testId}>
      {props.message}
    </p>
  );
}
