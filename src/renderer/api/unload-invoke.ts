import type { RequestChannel, RequestInput } from '../../shared/contract';

/**
 * A request that must leave even while the page unloads (the last autosave on close or reload): over
 * HTTP a `keepalive` fetch, which the browser finishes after the page is gone; over IPC the message is
 * posted to the main process at once. The reply is not awaited.
 */
export function invokeOnUnload<C extends RequestChannel>(channel: C, input: RequestInput<C>): void {
  if (window.api) {
    void window.api.invoke(channel, input).catch(() => undefined);
    return;
  }
  void fetch(`${window.location.origin}/api/invoke/${encodeURIComponent(channel)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(input),
    credentials: 'same-origin',
    keepalive: true,
  }).catch(() => undefined);
}
