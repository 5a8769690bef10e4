import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { isEventChannel, isRequestChannel, type WindowApi } from '../shared/contract';

// The only bridge between the sandboxed renderer and main: channels named in the contract, nothing else.
const api: WindowApi = {
  invoke(channel, input) {
    if (!isRequestChannel(channel)) {
      return Promise.resolve({
        ok: false,
        error: { code: 'not_found', message: `Unknown channel ${channel}.` },
      });
    }
    return ipcRenderer.invoke(channel, input) as Promise<unknown>;
  },
  on(event, listener) {
    if (!isEventChannel(event)) throw new Error(`Unknown event ${event}.`);
    const wrapped = (_event: IpcRendererEvent, payload: unknown): void => listener(payload);
    ipcRenderer.on(event, wrapped);
    return () => {
      ipcRenderer.removeListener(event, wrapped);
    };
  },
};

contextBridge.exposeInMainWorld('api', api);
