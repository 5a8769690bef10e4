import type {
  EventChannel,
  EventPayload,
  RequestChannel,
  RequestInput,
  RequestOutput,
  WindowApi,
} from '../../shared/contract';
import type { ApiError, Result } from '../../shared/result';
import { createHttpTransport } from './http-transport';

/**
 * The only code in the renderer that talks to the main process: over IPC when the Electron preload
 * exposed `window.api`, over HTTP (serve mode) otherwise. Same contract, same results either way.
 */
export interface Transport extends WindowApi {
  kind: 'ipc' | 'http';
}

export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

export interface ApiClient {
  transport: Transport['kind'];
  /** Resolves with the value, or rejects with ApiCallError carrying `{code, message, field}`. */
  invoke<C extends RequestChannel>(channel: C, input: RequestInput<C>): Promise<RequestOutput<C>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
}

declare global {
  interface Window {
    api?: WindowApi;
  }
}

export function createApiClient(transport: Transport): ApiClient {
  return {
    transport: transport.kind,
    async invoke(channel, input) {
      const result = (await transport.invoke(channel, input)) as Result<never>;
      if (!result.ok) throw new ApiCallError(result.error);
      return result.value;
    },
    on(event, listener) {
      return transport.on(event, (payload) => listener(payload as EventPayload<typeof event>));
    },
  };
}

export function detectTransport(): Transport {
  if (window.api) {
    const api = window.api;
    return { kind: 'ipc', invoke: (c, i) => api.invoke(c, i), on: (e, l) => api.on(e, l) };
  }
  return createHttpTransport(window.location.origin);
}

export const api: ApiClient = createApiClient(detectTransport());
