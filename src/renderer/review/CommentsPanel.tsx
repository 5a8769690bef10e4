import { useState } from 'react';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { useKeyedAsync } from '../features/use-keyed-async';

/** Reviewer comments on a feature, oldest first, and a box to add one as the adjudicator. */
export function CommentsPanel({
  featureId,
  authorId,
  onAdded,
}: {
  featureId: number;
  authorId: number | null;
  onAdded: () => void;
}) {
  const comments = useKeyedAsync(String(featureId), () => api.invoke('comments:list', { featureId }));
  const [text, setText] = useState('');
  const [state, setState] = useState<{ isBusy: boolean; error: string | null }>({
    isBusy: false,
    error: null,
  });
  const add = async (): Promise<void> => {
    if (authorId === null || text.trim() === '') return;
    setState({ isBusy: true, error: null });
    try {
      await api.invoke('comments:add', { featureId, annotatorId: authorId, text });
      setText('');
      setState({ isBusy: false, error: null });
      comments.reload();
      onAdded();
    } catch (e) {
      setState({ isBusy: false, error: errorMessage(e) });
    }
  };
  return (
    <section className="rv-section" aria-labelledby="rv-comments-title" data-testid="comments">
      <h3 id="rv-comments-title">Reviewer comments</h3>
      {comments.error !== null && <p className="error small">{comments.error}</p>}
      {comments.data !== undefined && comments.data.length === 0 && (
        <p className="muted small">No comment yet.</p>
      )}
      <ul className="fp-history">
        {(comments.data ?? []).map((c) => (
          <li key={c.id} data-testid="comment">
            <strong>{c.name}</strong> <span className="muted">{new Date(c.createdAt).toLocaleString()}</span>
            <div className="rv-pre">{c.text}</div>
          </li>
        ))}
      </ul>
      <div className="rv-comment-form">
        <textarea
          data-testid="comment-text"
          rows={2}
          aria-label="New comment"
          placeholder={authorId === null ? 'Choose who reviews (top of the page) to comment' : 'Comment…'}
          disabled={authorId === null}
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button
          type="button"
          className="secondary"
          data-testid="comment-add"
          disabled={authorId === null || text.trim() === '' || state.isBusy}
          onClick={() => void add()}
        >
          Add comment
        </button>
      </div>
      {state.error && (
        <p className="error small" role="alert">
          {state.error}
        </p>
      )}
    </section>
  );
}
