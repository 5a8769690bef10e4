// Annotator links (serve mode): the URL a token opens, whether another machine can reach it, and copying
// it with a fallback where the Clipboard API is missing (plain http on a LAN address is not a secure
// context, so `navigator.clipboard` is undefined there). DOM-free so it can be tested in Node.

/** The full URL of an annotator link: the page's origin plus the `openPath` the server returned. */
export function annotatorLinkUrl(origin: string, openPath: string): string {
  const base = origin.replace(/\/+$/, '');
  const path = openPath.startsWith('/') ? openPath : `/${openPath}`;
  return `${base}${path}`;
}

/**
 * Where links can be made from this page: `desktop` (the Electron window has no HTTP server, so a link
 * would open nothing), `loopback` (only this machine reaches 127.0.0.1/localhost), `network` (another
 * machine may reach it when the network allows).
 */
export type LinkReach =
  { kind: 'desktop' } | { kind: 'loopback'; host: string } | { kind: 'network'; host: string };

const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' ||
  hostname.endsWith('.localhost') ||
  /^127(\.\d{1,3}){3}$/.test(hostname) ||
  hostname === '[::1]' ||
  hostname === '::1';

export function linkReach(transport: 'ipc' | 'http', origin: string): LinkReach {
  if (transport === 'ipc') return { kind: 'desktop' };
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return { kind: 'desktop' };
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return { kind: 'desktop' };
  return isLoopbackHost(url.hostname)
    ? { kind: 'loopback', host: url.host }
    : { kind: 'network', host: url.host };
}

export interface CopyDeps {
  /** `navigator.clipboard.writeText` bound, or null where the Clipboard API is missing. */
  writeClipboard: ((text: string) => Promise<void>) | null;
  /** Selects the text in its field so the user can press Ctrl+C. */
  selectText: () => void;
}

/** `copied` when the clipboard took it; `selected` when the text was selected for a manual copy instead. */
export async function copyWithFallback(text: string, deps: CopyDeps): Promise<'copied' | 'selected'> {
  if (deps.writeClipboard !== null) {
    try {
      await deps.writeClipboard(text);
      return 'copied';
    } catch {
      // Permission refused or the document lost focus: fall through to selecting.
    }
  }
  deps.selectText();
  return 'selected';
}
