import { useState, type FormEvent } from 'react';
import type { Session } from '../../shared/annotation';
import { backendPreferenceSchema, type AppInfo, type Settings } from '../../shared/domain';
import { api } from '../api/client';
import { useAsync } from '../hooks/use-async';
import { TeamSection } from '../team/TeamSection';

interface SettingsPageProps {
  info: AppInfo | undefined;
  settings: Settings | undefined;
  onSettings: (settings: Settings) => void;
  onError: (message: string) => void;
}

/**
 * Settings. The owner (desktop window, the server's start URL) sees compute, annotator profiles and the
 * Team section; an annotator (a serve-mode annotator link) sees only who they annotate as.
 */
export function SettingsPage({ info, settings, onSettings, onError }: SettingsPageProps) {
  const session = useAsync(() => api.invoke('session:get', {}));
  if (session.error) {
    return (
      <section className="page" aria-labelledby="settings-title">
        <h1 id="settings-title">Settings</h1>
        <p className="error" role="alert">
          {session.error}
        </p>
      </section>
    );
  }
  if (session.data === undefined) {
    return (
      <section className="page" aria-labelledby="settings-title" aria-busy="true">
        <h1 id="settings-title">Settings</h1>
      </section>
    );
  }
  if (session.data.role === 'annotator') {
    return <AnnotatorSettings session={session.data} info={info} settings={settings} />;
  }
  return <OwnerSettings info={info} settings={settings} onSettings={onSettings} onError={onError} />;
}

/** What an annotator link may see: the profile it is bound to and how annotation works here. */
function AnnotatorSettings(props: {
  session: Session;
  info: AppInfo | undefined;
  settings: Settings | undefined;
}) {
  const { session, info, settings } = props;
  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div className="card" data-testid="session-annotator">
        <h2>Annotator</h2>
        <p>
          Annotating as <strong data-testid="session-annotator-name">{session.annotatorName}</strong>. This
          link belongs to that profile: every annotation you save records it.
        </p>
        {settings && (
          <p className="muted" data-testid="session-blind-mode">
            {settings.isBlindMode
              ? 'Blind mode is on: you see others’ answers on a feature after submitting your own.'
              : 'Blind mode is off: others’ answers on a feature are shown as you annotate.'}
          </p>
        )}
        <p className="muted small">
          Compute, profiles and the team are managed by the workbench owner. If this link stops working, the
          owner has created a new one for you.
        </p>
      </div>
      {info && (
        <div className="card">
          <h2>About</h2>
          <dl className="about">
            <dt>Version</dt>
            <dd data-testid="about-version">
              {info.appName} {info.appVersion}
            </dd>
          </dl>
        </div>
      )}
    </section>
  );
}

function OwnerSettings({ info, settings, onSettings, onError }: SettingsPageProps) {
  const annotators = useAsync(() => api.invoke('annotators:list', {}));
  const [newName, setNewName] = useState('');

  /** Resolves once the change is stored and shown (or its refusal reported). */
  const save = (patch: Partial<Settings>): Promise<void> =>
    api
      .invoke('settings:update', patch)
      .then(onSettings, (e: unknown) => onError(e instanceof Error ? e.message : String(e)));
  const update = (patch: Partial<Settings>): void => void save(patch);
  const addAnnotator = async (event: FormEvent): Promise<void> => {
    event.preventDefault();
    try {
      const created = await api.invoke('annotators:create', { name: newName });
      setNewName('');
      annotators.reload();
      update({ activeAnnotatorId: created.id });
    } catch (error) {
      onError(error instanceof Error ? error.message : String(error));
    }
  };

  return (
    <section className="page" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <div className="card">
        <h2>Compute</h2>
        <div className="form-row">
          <label>
            Backend
            <select
              value={settings?.backendPreference ?? 'auto'}
              onChange={(e) => update({ backendPreference: backendPreferenceSchema.parse(e.target.value) })}
              data-testid="settings-backend"
            >
              {backendPreferenceSchema.options.map((o) => (
                <option key={o} value={o}>
                  {o === 'auto' ? 'auto (tensorflow-gpu → tensorflow → native → wasm → cpu)' : o}
                </option>
              ))}
            </select>
          </label>
          <label>
            Jobs at once
            <input
              type="number"
              min={1}
              max={8}
              value={settings?.maxConcurrentJobs ?? 1}
              onChange={(e) => update({ maxConcurrentJobs: Number(e.target.value) })}
            />
          </label>
        </div>
        {info?.backend && (
          <ul className="attempts" data-testid="backend-attempts">
            {info.backend.attempts.map((a) => (
              <li key={a.backend}>
                <span className={a.ok ? 'ok' : 'muted'}>{a.ok ? '✓' : '✗'}</span> <strong>{a.backend}</strong>
                : {a.reason}
              </li>
            ))}
          </ul>
        )}
      </div>
      <div className="card">
        <h2>Annotator</h2>
        {annotators.data && annotators.data.length > 0 ? (
          <label>
            Annotating as
            <select
              value={settings?.activeAnnotatorId ?? ''}
              onChange={(e) =>
                update({ activeAnnotatorId: e.target.value === '' ? null : Number(e.target.value) })
              }
              data-testid="settings-annotator"
            >
              <option value="">— choose —</option>
              {annotators.data.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
        ) : (
          <p className="muted">No annotator profiles yet. Add yours: every annotation records who made it.</p>
        )}
        <form className="form-row" onSubmit={(e) => void addAnnotator(e)}>
          <label>
            New annotator
            <input
              value={newName}
              onChange={(e) => setNewName(e.target.value)}
              placeholder="Name"
              data-testid="settings-new-annotator"
            />
          </label>
          <button type="submit" disabled={newName.trim() === ''} data-testid="settings-add-annotator">
            Add
          </button>
        </form>
      </div>
      <TeamSection
        annotators={annotators.data ?? []}
        settings={settings}
        onBlindMode={(isBlindMode) => save({ isBlindMode })}
      />
      {info && (
        <div className="card">
          <h2>About</h2>
          <dl className="about">
            <dt>Version</dt>
            <dd data-testid="about-version">
              {info.appName} {info.appVersion}
            </dd>
            <dt>Node.js</dt>
            <dd>
              {info.nodeVersion} ({info.platform})
            </dd>
            <dt>Mode</dt>
            <dd>{info.mode}</dd>
            <dt>Data folder</dt>
            <dd>
              <code>{info.dataDir}</code>
            </dd>
            <dt>Schema version</dt>
            <dd>{info.schemaVersion}</dd>
          </dl>
        </div>
      )}
    </section>
  );
}
