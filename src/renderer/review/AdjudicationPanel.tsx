import { useLayoutEffect, useRef, useState } from 'react';
import type { AdjudicationView, GoldRecord } from '../../shared/review';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { apiErrorOf } from '../features/save-errors';
import { useKeyedAsync } from '../features/use-keyed-async';
import { CommentsPanel } from './CommentsPanel';
import { GoldTable } from './GoldTable';
import {
  buildGold,
  describeDraft,
  formatGoldField,
  goldFieldKeys,
  goldFieldLabels,
  initialDraft,
  pickAnswer,
  pickField,
  type GoldDraft,
  type GoldFieldKey,
  type GoldPick,
} from './gold-draft';

interface AdjudicationPanelProps {
  featureId: number;
  /** Who adjudicates and comments (null: nobody chosen, saving is refused). */
  adjudicatorId: number | null;
  /** The page's Ctrl+Enter calls the registered save. */
  registerSave: (save: (() => void) | null) => void;
  onSaved: () => void;
  onClose: () => void;
}

/**
 * One feature's adjudication: the annotators' answers side by side, a gold record picked from one of
 * them or merged field by field, with a required rationale; the current gold record, its history, and
 * reviewer comments. The annotators' own revisions are never changed.
 */
export function AdjudicationPanel(props: AdjudicationPanelProps) {
  const { featureId } = props;
  const view = useKeyedAsync(String(featureId), () => api.invoke('adjudication:get', { featureId }));
  // Kept here: the editor starts afresh (new key) once the saved revision is loaded.
  const [notice, setNotice] = useState<{ text: string; isError: boolean } | null>(null);
  return (
    <section className="card rv-adjudication" aria-labelledby="rv-adj-title" data-testid="adjudication">
      <div className="card__head">
        <h2 id="rv-adj-title">Adjudicate feature {view.data === undefined ? '' : `#${view.data.index}`}</h2>
        <button type="button" className="secondary" data-testid="adjudication-close" onClick={props.onClose}>
          Close
        </button>
      </div>
      {view.error !== null && (
        <p className="error" role="alert">
          {view.error}
        </p>
      )}
      {view.data === undefined && view.error === null && (
        <div className="fp-skeleton rv-skeleton" aria-busy="true" />
      )}
      {view.data !== undefined && (
        <>
          <p className="muted small" data-testid="adjudication-categories">
            RelIE category:{' '}
            {view.data.categories.map((c) => `${c.task} ${c.category}`).join(' · ') || 'not indexed'}
          </p>
          <GoldEditor
            key={`${featureId}:${view.data.gold?.revision ?? 0}`}
            view={view.data}
            adjudicatorId={props.adjudicatorId}
            registerSave={props.registerSave}
            onSaved={(revision) => {
              setNotice({ text: `Saved gold revision ${revision}.`, isError: false });
              view.reload();
              props.onSaved();
            }}
            onEdit={() => setNotice(null)}
            onStale={(text) => {
              setNotice({ text, isError: true });
              view.reload();
            }}
          />
          {notice !== null && (
            <p
              className={notice.isError ? 'error' : 'ok'}
              role={notice.isError ? 'alert' : 'status'}
              data-testid="gold-notice"
            >
              {notice.text}
            </p>
          )}
          <GoldHistory view={view.data} />
          <CommentsPanel featureId={featureId} authorId={props.adjudicatorId} onAdded={props.onSaved} />
        </>
      )}
    </section>
  );
}

function GoldEditor({
  view,
  adjudicatorId,
  registerSave,
  onSaved,
  onEdit,
  onStale,
}: {
  view: AdjudicationView;
  adjudicatorId: number | null;
  registerSave: (save: (() => void) | null) => void;
  onSaved: (revision: number) => void;
  /** A choice changed (the panel's note about the last save goes). */
  onEdit: () => void;
  /** The gold record changed meanwhile: say so and load it. */
  onStale: (message: string) => void;
}) {
  const { answers, gold } = view;
  const [draft, setDraft] = useState<GoldDraft>(() => initialDraft(gold));
  const [rationale, setRationale] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [isBusy, setIsBusy] = useState(false);
  const built = buildGold(draft, answers, gold);

  const save = async (): Promise<void> => {
    if (isBusy) return;
    if (adjudicatorId === null) return setError('Choose who adjudicates (top of the page) first.');
    if (built.fields === null) return setError(describeDraft(built, answers));
    if (rationale.trim() === '') return setError('A rationale is required: say why this is the gold answer.');
    setIsBusy(true);
    try {
      const saved = await api.invoke('adjudication:save', {
        featureId: view.featureId,
        adjudicatorId,
        fields: built.fields,
        rationale,
        sources: built.sources,
        baseRevision: gold?.revision ?? 0,
      });
      setError(null);
      onSaved(saved.revision);
    } catch (e) {
      if (apiErrorOf(e)?.code === 'conflict')
        onStale(
          `Someone saved a newer gold record meanwhile; it is shown now and your choices were not saved. (${errorMessage(e)})`,
        );
      else setError(errorMessage(e));
    } finally {
      setIsBusy(false);
    }
  };
  const saveRef = useRef(save);
  useLayoutEffect(() => {
    saveRef.current = save;
  });
  useLayoutEffect(() => {
    registerSave(() => void saveRef.current());
    return () => registerSave(null);
  }, [registerSave]);

  if (answers.length === 0)
    return <p className="muted">No annotator has answered this feature yet: nothing to adjudicate.</p>;

  const choose = (key: GoldFieldKey, pick: GoldPick): void => {
    setDraft((d) => pickField(d, key, pick));
    setError(null);
    onEdit();
  };
  return (
    <div className="rv-section" data-testid="gold-editor">
      <GoldTable
        view={view}
        draft={draft}
        built={built}
        onPick={choose}
        onPickAnswer={(annotatorId) => {
          setDraft(pickAnswer(annotatorId));
          setError(null);
          onEdit();
        }}
      />
      <label className="rv-rationale">
        Rationale (required)
        <textarea
          data-testid="gold-rationale"
          rows={3}
          value={rationale}
          placeholder="Why this is the gold answer (e.g. B names the agreement; A's languages are more complete)"
          onChange={(e) => setRationale(e.target.value)}
        />
      </label>
      <div className="form-row">
        <button
          type="button"
          data-testid="gold-save"
          disabled={isBusy || built.fields === null || rationale.trim() === '' || adjudicatorId === null}
          onClick={() => void save()}
        >
          Save gold record
        </button>
        <span className="muted small" data-testid="gold-draft-summary">
          {describeDraft(built, answers)} <kbd>Ctrl</kbd>+<kbd>Enter</kbd> saves.
        </span>
      </div>
      {error && (
        <p className="error" role="alert" data-testid="gold-message">
          {error}
        </p>
      )}
    </div>
  );
}

function GoldHistory({ view }: { view: AdjudicationView }) {
  if (view.gold === null)
    return (
      <p className="muted small" data-testid="gold-none">
        No gold record yet.
      </p>
    );
  return (
    <div className="rv-section">
      <h3>Current gold record</h3>
      <GoldSummary record={view.gold} testId="gold-current" />
      {view.goldHistory.length > 1 && (
        <details className="rv-history">
          <summary>History ({view.goldHistory.length} revisions)</summary>
          <ol className="fp-history" data-testid="gold-history">
            {[...view.goldHistory].reverse().map((g) => (
              <li key={g.id}>
                <GoldSummary record={g} testId="gold-history-item" />
              </li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}

function GoldSummary({ record, testId }: { record: GoldRecord; testId: string }) {
  const from = record.sources.map((s) => s.name).join(', ');
  return (
    <div data-testid={testId} data-revision={record.revision}>
      <div className="small">
        rev {record.revision} by <strong>{record.adjudicatorName}</strong>,{' '}
        {new Date(record.createdAt).toLocaleString()}
        {from !== '' && ` · from ${from}`}
      </div>
      <dl className="rv-fields">
        {goldFieldKeys.map((k) => (
          <div key={k}>
            <dt>{goldFieldLabels[k]}</dt>
            <dd className="rv-pre" data-testid={`${testId}-${k}`}>
              {formatGoldField(k, record.fields)}
            </dd>
          </div>
        ))}
      </dl>
      <p className="small rv-pre" data-testid={`${testId}-rationale`}>
        <span className="muted">Rationale:</span> {record.rationale}
      </p>
    </div>
  );
}
