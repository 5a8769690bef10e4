import type { Transport } from './client';

/**
 * Serve-mode transport: POST /api/invoke/<channel>; events over one EventSource. The session cookie
 * set when the tokened URL was opened authenticates both (same origin, SameSite=Strict).
 */
export function createHttpTransport(origin: string): Transport {
  let source: EventSource | null = null;
  const listeners = new Map<string, Set<(payload: unknown) => void>>();

  const ensureSource = (): EventSource => {
    if (source) return source;
    source = new EventSource(`${origin}/api/events`);
    return source;
  };

  return {
    kind: 'http',
    async invoke(channel, input) {
      try {
        const response = await fetch(`${origin}/api/invoke/${encodeURIComponent(channel)}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
        return (await response.json()) as unknown;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return {
          ok: false,
          error: { code: 'unavailable', message: `The workbench server is unreachable: ${message}` },
        };
      }
    },
    on(event, listener) {
      const es = ensureSource();
      let set = listeners.get(event);
      if (!set) {
        const created = new Set<(payload: unknown) => void>();
        listeners.set(event, created);
        es.addEventListener(event, (message: MessageEvent<string>) => {
          const payload = JSON.parse(message.data) as unknown;
          for (const l of created) l(payload);
        });
        set = created;
      }
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}
