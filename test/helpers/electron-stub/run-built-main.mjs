// Loads the built main process (argv[2], e.g. out/main/index.js) against the electron stand-in, then
// exercises what it registered (window options, navigation and window-open handlers, permission
// handlers, IPC with a trusted and an untrusted sender) and prints one JSON report on stdout.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

register('./hooks.mjs', import.meta.url);

const mainFile = process.argv[2];
await import(pathToFileURL(mainFile).href);
const state = globalThis.__electronStub;
const deadline = Date.now() + 20_000;
while (state.windows.length === 0 || state.ipcHandlers.size === 0) {
  if (Date.now() > deadline) throw new Error('the built main process created no window within 20 s');
  await new Promise((r) => setTimeout(r, 20));
}
const window = state.windows[0];
const appUrl = window.loaded?.file ? pathToFileURL(window.loaded.file).href : window.loaded?.url;
const navigate = (url) => {
  let prevented = false;
  window.contentsHandlers.get('will-navigate')?.({ preventDefault: () => (prevented = true) }, url);
  return prevented;
};
const attachWebview = () => {
  let prevented = false;
  window.contentsHandlers.get('will-attach-webview')?.({ preventDefault: () => (prevented = true) }, {}, {});
  return prevented;
};
const permission = (name) =>
  new Promise((resolve) => state.permissionRequestHandler?.(null, name, (granted) => resolve(granted)));
const invoke = async (senderUrl, channel, input) => {
  const handler = state.ipcHandlers.get(channel);
  return handler ? await handler({ senderFrame: { url: senderUrl } }, input) : null;
};

const report = {
  calls: state.calls.map((c) => c[0]),
  windowCount: state.windows.length,
  options: { ...window.options, webPreferences: { ...window.options.webPreferences } },
  loaded: window.loaded,
  appUrl,
  windowOpen: ['https://evil.example/', 'http://evil.example/', 'file:///etc/passwd', appUrl].map((url) => ({
    url,
    result: window.windowOpenHandler?.({ url }) ?? null,
  })),
  openedExternally: state.openedExternally,
  navigation: Object.fromEntries(
    [
      'https://evil.example/',
      'http://127.0.0.1:4310/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      `${appUrl}#/features`,
      appUrl,
    ].map((url) => [url, navigate(url) ? 'blocked' : 'allowed']),
  ),
  webviewBlocked: attachWebview(),
  permissions: Object.fromEntries(
    await Promise.all(
      ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal'].map(async (p) => [
        p,
        await permission(p),
      ]),
    ),
  ),
  permissionCheck: state.permissionCheckHandler?.(null, 'media', 'https://evil.example', {}) ?? null,
  ipcChannels: [...state.ipcHandlers.keys()].sort(),
  ipcFromApp: await invoke(appUrl, 'app:info', {}),
  ipcFromOtherSite: await invoke('https://evil.example/', 'annotators:create', { name: 'eve' }),
  ipcFromOtherFile: await invoke('file:///tmp/evil.html', 'annotators:list', {}),
  ipcWithoutFrame: await state.ipcHandlers.get('annotators:list')?.({ senderFrame: null }, {}),
  annotatorsAfter: await invoke(appUrl, 'annotators:list', {}),
};
process.stdout.write(`${JSON.stringify(report)}\n`);
process.exit(0);
