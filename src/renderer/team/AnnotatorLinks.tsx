import { useRef, useState } from 'react';
import type { Annotator } from '../../shared/domain';
import { api } from '../api/client';
import { errorMessage } from '../components/format';
import { annotatorLinkUrl, copyWithFallback, linkReach, type LinkReach } from './team-link';

type LinkState =
  | { kind: 'busy' }
  | { kind: 'ready'; url: string; copy: 'idle' | 'copied' | 'selected' }
  | { kind: 'failed'; message: string };

/** "Create link" per annotator: a serve-mode URL that opens the workbench as that annotator. */
export function AnnotatorLinks({ annotators }: { annotators: readonly Annotator[] }) {
  const reach = linkReach(api.transport, window.location.origin);
  const [links, setLinks] = useState<ReadonlyMap<number, LinkState>>(new Map());
  const setLink = (id: number, state: LinkState): void =>
    setLinks((previous) => new Map(previous).set(id, state));

  const create = async (annotatorId: number): Promise<void> => {
    setLink(annotatorId, { kind: 'busy' });
    try {
      const created = await api.invoke('annotators:createToken', { annotatorId });
      const url = annotatorLinkUrl(window.location.origin, created.openPath);
      setLink(annotatorId, { kind: 'ready', url, copy: 'idle' });
    } catch (e) {
      setLink(annotatorId, { kind: 'failed', message: errorMessage(e) });
    }
  };

  return (
    <div className="team-block" data-testid="team-links">
      <h3>Links for annotators</h3>
      <ReachNote reach={reach} />
      {annotators.length === 0 ? (
        <p className="muted">Add annotator profiles above; each gets its own link.</p>
      ) : (
        <ul className="team-links">
          {annotators.map((a) => (
            <li key={a.id} data-testid="team-link-row" data-annotator-id={a.id}>
              <span className="team-links__name">{a.name}</span>
              <button
                type="button"
                className="secondary"
                data-testid="team-create-link"
                disabled={reach.kind === 'desktop' || links.get(a.id)?.kind === 'busy'}
                onClick={() => void create(a.id)}
              >
                {links.get(a.id)?.kind === 'ready' ? 'New link' : 'Create link'}
              </button>
              <LinkResult
                name={a.name}
                state={links.get(a.id)}
                onCopy={(copy) => {
                  const state = links.get(a.id);
                  if (state?.kind === 'ready') setLink(a.id, { ...state, copy });
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function ReachNote({ reach }: { reach: LinkReach }) {
  if (reach.kind === 'desktop') {
    return (
      <p className="muted small" data-testid="team-link-note">
        Links open the workbench in a browser through serve mode; the desktop window has no server. Start{' '}
        <code>ctt serve --host 0.0.0.0</code> and create links from the page it prints.
      </p>
    );
  }
  return (
    <p className="muted small" data-testid="team-link-note">
      A link opens this workbench as that annotator (annotation only); creating a new link revokes the
      previous one. The annotator&apos;s machine must reach this server: <code>ctt serve --host 0.0.0.0</code>
      , on a trusted network only.
      {reach.kind === 'loopback' && (
        <>
          {' '}
          This page is on <code>{reach.host}</code>, which only this machine can open: for others, open the
          workbench at this machine&apos;s network address and create the link there.
        </>
      )}{' '}
      Test a link in another browser or a private window (here it would sign this browser in as the
      annotator).
    </p>
  );
}

function LinkResult(props: {
  name: string;
  state: LinkState | undefined;
  onCopy: (copy: 'copied' | 'selected') => void;
}) {
  const inputRef = useRef<HTMLInputElement>(null);
  const { state } = props;
  if (state === undefined || state.kind === 'busy') return null;
  if (state.kind === 'failed') {
    return (
      <p className="error team-links__result" role="alert">
        {state.message}
      </p>
    );
  }
  const copy = async (): Promise<void> => {
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    const outcome = await copyWithFallback(state.url, {
      writeClipboard: clipboard ? (text) => clipboard.writeText(text) : null,
      selectText: () => {
        inputRef.current?.focus();
        inputRef.current?.select();
      },
    });
    props.onCopy(outcome);
  };
  return (
    <div className="team-links__result">
      <input
        ref={inputRef}
        className="team-links__url"
        readOnly
        value={state.url}
        aria-label={`Link for ${props.name}`}
        data-testid="team-link-url"
        onFocus={(e) => e.currentTarget.select()}
      />
      <button type="button" data-testid="team-copy-link" onClick={() => void copy()}>
        Copy
      </button>
      <span className="small muted" role="status" data-testid="team-copy-state">
        {state.copy === 'copied' ? 'Copied.' : state.copy === 'selected' ? 'Selected: press Ctrl+C.' : ''}
      </span>
    </div>
  );
}
