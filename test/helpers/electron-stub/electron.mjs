// A recording stand-in for the `electron` module, for loading the BUILT main process (out/main/index.js)
// in plain Node (test/security/electron-build.test.ts). Everything the app does to Electron lands in
// globalThis.__electronStub.
const state = (globalThis.__electronStub = {
  calls: [],
  windows: [],
  ipcHandlers: new Map(),
  appHandlers: new Map(),
  permissionRequestHandler: null,
  permissionCheckHandler: null,
  openedExternally: [],
});

const record = (name, ...args) => state.calls.push([name, ...args]);

export const app = {
  enableSandbox: () => record('app.enableSandbox'),
  requestSingleInstanceLock: () => (record('app.requestSingleInstanceLock'), true),
  quit: () => record('app.quit'),
  exit: (code) => record('app.exit', code),
  whenReady: () => Promise.resolve(),
  on: (name, handler) => state.appHandlers.set(name, handler),
  getPath: (name) => `${process.env.CTT_STUB_USER_DATA ?? '/nonexistent'}/${name}`,
};

export class BrowserWindow {
  static getAllWindows() {
    return state.windows.map((w) => w.instance);
  }
  constructor(options) {
    const entry = {
      options,
      contentsHandlers: new Map(),
      windowOpenHandler: null,
      loaded: null,
      instance: this,
    };
    state.windows.push(entry);
    this.webContents = {
      setWindowOpenHandler: (handler) => (entry.windowOpenHandler = handler),
      on: (name, handler) => entry.contentsHandlers.set(name, handler),
      send: () => {},
    };
  }
  once() {}
  on() {}
  show() {}
  focus() {}
  loadFile(path) {
    state.windows.find((w) => w.instance === this).loaded = { file: path };
    return Promise.resolve();
  }
  loadURL(url) {
    state.windows.find((w) => w.instance === this).loaded = { url };
    return Promise.resolve();
  }
}

export const session = {
  defaultSession: {
    setPermissionRequestHandler: (handler) => (state.permissionRequestHandler = handler),
    setPermissionCheckHandler: (handler) => (state.permissionCheckHandler = handler),
  },
};

export const shell = { openExternal: (url) => (state.openedExternally.push(url), Promise.resolve()) };

export const ipcMain = {
  handle: (channel, handler) => state.ipcHandlers.set(channel, handler),
  removeHandler: (channel) => state.ipcHandlers.delete(channel),
};

export const webContents = { getAllWebContents: () => [] };

export default { app, BrowserWindow, session, shell, ipcMain, webContents };
