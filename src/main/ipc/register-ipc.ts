import { ipcMain, webContents } from 'electron';
import { requestChannels } from '../../shared/contract';
import { ownerSession } from '../services/session-access';
import type { Workbench } from '../workbench';

/**
 * One `ipcMain.handle` per contract channel; each call is validated and answered by `dispatch`, so a
 * renderer can only reach what the contract names. Events go to every window.
 */
export function registerIpc(workbench: Workbench, isTrustedSender: (url: string) => boolean): () => void {
  for (const channel of requestChannels) {
    ipcMain.handle(channel, (event, input: unknown) => {
      if (!isTrustedSender(event.senderFrame?.url ?? '')) {
        return { ok: false, error: { code: 'unauthorized', message: 'IPC from an untrusted frame.' } };
      }
      // The app's own window is the owner (annotators come in through serve-mode tokens).
      return workbench.invoke(channel, input, { transport: 'ipc', session: ownerSession });
    });
  }
  const unsubscribe = workbench.bus.subscribe((channel, payload) => {
    for (const contents of webContents.getAllWebContents()) contents.send(channel, payload);
  });
  return () => {
    unsubscribe();
    for (const channel of requestChannels) ipcMain.removeHandler(channel);
  };
}
