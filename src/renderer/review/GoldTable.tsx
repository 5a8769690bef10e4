import type { AdjudicationView } from '../../shared/review';
import {
  diffRows,
  formatGoldField,
  isPicked,
  type BuiltGold,
  type GoldDraft,
  type GoldFieldKey,
  type GoldPick,
} from './gold-draft';

/**
 * The answers side by side: one row per decided field (rows where the annotators differ marked), one
 * column per annotator with a "pick this answer" button, the current gold record, and the new record.
 * Each cell is a radio: which source the new record takes that field from.
 */
export function GoldTable({
  view,
  draft,
  built,
  onPick,
  onPickAnswer,
}: {
  view: AdjudicationView;
  draft: GoldDraft;
  built: BuiltGold;
  onPick: (key: GoldFieldKey, pick: GoldPick) => void;
  onPickAnswer: (annotatorId: number) => void;
}) {
  const { answers, gold } = view;
  const rows = diffRows(answers);
  const cell = (key: GoldFieldKey, pick: GoldPick, text: string, testId: string) => (
    <td key={testId} className={isPicked(draft, key, pick) ? 'rv-pick rv-pick--on' : 'rv-pick'}>
      <label className="rv-pick__label">
        <input
          type="radio"
          name={`gold-${key}`}
          data-testid={testId}
          checked={isPicked(draft, key, pick)}
          onChange={() => onPick(key, pick)}
        />
        <span className="rv-pre">{text}</span>
      </label>
    </td>
  );
  return (
    <div className="rv-scroll-x">
      <table className="table rv-table rv-side" data-testid="adjudication-table">
        <thead>
          <tr>
            <th scope="col">Field</th>
            {answers.map((a) => (
              <th scope="col" key={a.annotatorId} data-testid="adjudication-answer">
                <div>{a.name}</div>
                <div className="muted small">
                  rev {a.revision} · {a.status}
                </div>
                <button
                  type="button"
                  className="secondary small"
                  data-testid={`gold-pick-all-${a.annotatorId}`}
                  aria-pressed={built.pickedWhole === a.annotatorId}
                  onClick={() => onPickAnswer(a.annotatorId)}
                >
                  Pick {a.name}’s answer
                </button>
              </th>
            ))}
            {gold !== null && (
              <th scope="col">
                <div>Current gold</div>
                <div className="muted small">rev {gold.revision}</div>
              </th>
            )}
            <th scope="col" className="rv-draft-col">
              New gold record
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr
              key={row.key}
              className={row.isDifferent ? 'rv-diff' : undefined}
              data-differs={row.isDifferent}
            >
              <th scope="row">{row.label}</th>
              {row.cells.map((c) =>
                cell(
                  row.key,
                  { kind: 'answer', annotatorId: c.annotatorId },
                  c.text,
                  `gold-pick-${row.key}-${c.annotatorId}`,
                ),
              )}
              {gold !== null &&
                cell(
                  row.key,
                  { kind: 'gold' },
                  formatGoldField(row.key, gold.fields),
                  `gold-pick-${row.key}-gold`,
                )}
              <td className="rv-draft-col rv-pre" data-testid={`gold-draft-${row.key}`}>
                {built.fields !== null
                  ? formatGoldField(row.key, built.fields)
                  : draftText(row.key, draft, view)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A draft field whose source is chosen while others are not yet. */
function draftText(key: GoldFieldKey, draft: GoldDraft, view: AdjudicationView): string {
  const pick = draft[key];
  if (pick === undefined) return '— choose —';
  const fields =
    pick.kind === 'gold'
      ? view.gold?.fields
      : view.answers.find((a) => a.annotatorId === pick.annotatorId)?.fields;
  return fields === undefined ? '— choose —' : formatGoldField(key, fields);
}
