import { useEffect, useState } from 'react';
import type { Settings } from '../shared/domain';
import { api } from './api/client';
import { ShortcutLegend } from './components/ShortcutLegend';
import { StatusBar } from './components/StatusBar';
import { useAsync } from './hooks/use-async';
import { useJobs } from './hooks/use-jobs';
import { ActivationsPage } from './pages/ActivationsPage';
import { AttributionPage } from './pages/AttributionPage';
import { ExportPage } from './pages/ExportPage';
import { FeaturesPage } from './pages/FeaturesPage';
import { JobsPage } from './pages/JobsPage';
import { ModelsPage } from './pages/ModelsPage';
import { FaithfulnessPage } from './pages/FaithfulnessPage';
import { isPageId, pageOfShortcut, pages, type PageId } from './pages/pages';
import { ReviewPage } from './pages/ReviewPage';
import { SettingsPage } from './pages/SettingsPage';
import { TrainingPage } from './pages/TrainingPage';
import { WorkflowPage } from './pages/WorkflowPage';

const pageFromHash = (): PageId => {
  const id = window.location.hash.replace(/^#\/?/, '');
  return isPageId(id) ? id : 'models';
};

const isTypingTarget = (target: EventTarget | null): boolean =>
  target instanceof HTMLElement &&
  (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));

export function App() {
  const [page, setPage] = useState<PageId>(pageFromHash);
  const [isLegendOpen, setIsLegendOpen] = useState(false);
  const [errors, setErrors] = useState<string[]>([]);
  const info = useAsync(() => api.invoke('app:info', {}));
  const [settings, setSettings] = useState<Settings>();
  const jobs = useJobs();

  useEffect(() => {
    api.invoke('settings:get', {}).then(setSettings, (e: unknown) => setErrors((l) => [...l, String(e)]));
  }, []);
  useEffect(() => {
    const onHash = (): void => setPage(pageFromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    const onKey = (event: KeyboardEvent): void => {
      if (event.altKey && /^[0-9]$/.test(event.key)) {
        const target = pageOfShortcut(event.key);
        if (target) {
          event.preventDefault();
          window.location.hash = `#/${target}`;
        }
      } else if (event.key === '?' && !isTypingTarget(event.target)) {
        setIsLegendOpen((open) => !open);
      } else if (event.key === 'Escape') {
        setIsLegendOpen(false);
        setErrors([]);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  const go = (id: PageId): void => {
    window.location.hash = `#/${id}`;
  };
  const reportError = (message: string): void => setErrors((list) => [...list.slice(-4), message]);
  const cancel = (jobId: string): void => {
    api
      .invoke('jobs:cancel', { jobId })
      .catch((e: unknown) => reportError(e instanceof Error ? e.message : String(e)));
  };
  const onSettings = (next: Settings): void => {
    setSettings(next);
    info.reload();
  };

  const current = pages.find((p) => p.id === page) ?? pages[0];
  return (
    <div className="app">
      <nav className="sidebar" aria-label="Workflows">
        <div className="brand">Crosscoder Workbench</div>
        <ul>
          {pages.map((p) => (
            <li key={p.id}>
              <a
                href={`#/${p.id}`}
                className={p.id === page ? 'active' : undefined}
                aria-current={p.id === page ? 'page' : undefined}
                title={`Alt+${p.key}`}
              >
                {p.title}
              </a>
            </li>
          ))}
        </ul>
        <button type="button" className="link legend-hint" onClick={() => setIsLegendOpen(true)}>
          Shortcuts <kbd>?</kbd>
        </button>
      </nav>
      <main className="content">
        {info.error && <p className="error">Cannot reach the workbench: {info.error}</p>}
        {page === 'jobs' ? (
          <JobsPage jobs={jobs} onError={reportError} />
        ) : page === 'models' ? (
          <ModelsPage jobs={jobs} onOpenJobs={() => go('jobs')} />
        ) : page === 'activations' ? (
          <ActivationsPage jobs={jobs} onOpenJobs={() => go('jobs')} />
        ) : page === 'training' ? (
          <TrainingPage jobs={jobs} onOpenJobs={() => go('jobs')} />
        ) : page === 'attribution' ? (
          <AttributionPage jobs={jobs} onOpenJobs={() => go('jobs')} />
        ) : page === 'features' ? (
          <FeaturesPage jobs={jobs} settings={settings} onSettings={onSettings} />
        ) : page === 'faithfulness' ? (
          <FaithfulnessPage jobs={jobs} onOpenJobs={() => go('jobs')} />
        ) : page === 'review' ? (
          <ReviewPage settings={settings} />
        ) : page === 'export' ? (
          <ExportPage info={info.data} />
        ) : page === 'settings' ? (
          <SettingsPage info={info.data} settings={settings} onSettings={onSettings} onError={reportError} />
        ) : (
          <WorkflowPage page={page} title={current.title} onOpenJobs={() => go('jobs')} />
        )}
      </main>
      <StatusBar
        info={info.data}
        transport={api.transport}
        jobs={jobs}
        onCancel={cancel}
        onOpenJobs={() => go('jobs')}
      />
      {errors.length > 0 && (
        <div className="toasts" role="alert">
          {errors.map((e, i) => (
            <div key={i} className="toast">
              {e}
              <button
                type="button"
                className="link"
                onClick={() => setErrors((l) => l.filter((_, j) => j !== i))}
              >
                dismiss
              </button>
            </div>
          ))}
        </div>
      )}
      {isLegendOpen && <ShortcutLegend onClose={() => setIsLegendOpen(false)} />}
    </div>
  );
}
