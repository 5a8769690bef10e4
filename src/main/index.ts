import { app, BrowserWindow } from 'electron';
import { join } from 'node:path';
import { parseBackendPreference } from '../core/backend';
import { registerIpc } from './ipc/register-ipc';
import { createMainWindow, hardenSession, isAppUrl } from './windows';
import { createWorkbench } from './workbench';

// Electron app lifecycle only: everything else lives in plain-Node services (see workbench.ts).

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();

void app.whenReady().then(() => {
  hardenSession();
  const workbench = createWorkbench({
    dataDir: process.env.CTT_DATA_DIR ?? join(app.getPath('userData'), 'workbench'),
    mode: 'electron',
    backendOverride: parseBackendPreference(process.env.CTT_BACKEND),
  });
  const unregister = registerIpc(workbench, isAppUrl);
  createMainWindow();

  app.on('second-instance', () => BrowserWindow.getAllWindows()[0]?.focus());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  let isClosing = false;
  app.on('will-quit', (event) => {
    if (isClosing) return;
    isClosing = true;
    event.preventDefault();
    unregister();
    void workbench.close().finally(() => app.exit(0));
  });
});
